// The upstream Pinning Service API compliance suite (ipfs-shipyard/pinning-service-compliance), check by
// check and in its order, against a real daemon API over a real FavorNode with two hosters on a loopback
// testnet: checkEmptyBearerToken, checkInvalidBearerToken, addPin, deleteNewPin, getAllPins,
// replacePin, matchPin, testPagination, deleteAllPins. Like the suite, every response body is checked
// against the spec's schema (here: the one the daemon serves in /openapi.json, whose shapes
// endpoints.test.ts compares with the upstream spec).
// Where Favor differs: a "CID" is a hypercore key (each "inline CID" is a new one-block core), and a pin
// reaches `pinned` only once hosters mirror it, epochs later, so matchPin waits for `pinned` before it
// lists with the default status filter (the suite's inline CIDs are pinned at once).
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { waitFor } from '../harness/wait.js'
import { makeCore, raw, startFixture } from './helpers.js'
import type { ApiFixture } from './helpers.js'
import { validate } from './schema.js'
import type { OpenApiDoc } from './schema.js'

interface PinStatus {
  requestid: string
  status: 'queued' | 'pinning' | 'pinned' | 'failed'
  created: string
  pin: { cid: string, name?: string, origins?: string[], meta?: Record<string, string> }
  delegates: string[]
  info?: Record<string, string>
}
interface PinResults { count: number, results: PinStatus[] }
interface Answer<T> { status: number, ok: boolean, body: T | null, text: string }

const ALL_STATUSES = ['failed', 'pinned', 'pinning', 'queued'] // the suite's allPinStatuses
type Query = { cid?: string[], name?: string, match?: string, status?: string[], before?: Date, after?: Date, limit?: number }

/** What the suite's generated client does: arrays comma-joined (style form, explode false), dates ISO. */
function queryString(q: Query): string {
  const p = new URLSearchParams()
  if (q.cid !== undefined) p.set('cid', q.cid.join(','))
  if (q.name !== undefined) p.set('name', q.name)
  if (q.match !== undefined) p.set('match', q.match)
  if (q.status !== undefined) p.set('status', q.status.join(','))
  if (q.before !== undefined) p.set('before', q.before.toISOString())
  if (q.after !== undefined) p.set('after', q.after.toISOString())
  if (q.limit !== undefined) p.set('limit', String(q.limit))
  const s = p.toString()
  return s === '' ? '' : `?${s}`
}

describe('pinning service compliance (the upstream suite\'s checks)', () => {
  let f: ApiFixture
  let doc: OpenApiDoc
  let cores = 0
  /** CIDs the checks created (the suite's PinTracker). */
  const tracked = new Set<string>()
  let originalPinCount = 0

  /** One request as the suite's client makes it; the body is checked against `schema` (or Failure). */
  async function api<T>(method: string, path: string, schema: string | null, opts: { token?: string | null, body?: unknown } = {}): Promise<Answer<T>> {
    const headers: Record<string, string> = { accept: 'application/json' }
    const token = opts.token === undefined ? f.token : opts.token
    if (token !== null) headers.authorization = `Bearer ${token}`
    let body: string | undefined
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body)
      headers['content-type'] = 'application/json'
    }
    const r = await raw(f.url, method, path, headers, body)
    const ok = r.status >= 200 && r.status < 300
    const name = ok ? schema : 'Failure'
    let parsed: T | null = null
    if (name !== null) {
      parsed = JSON.parse(r.body) as T
      const errs = validate(doc, { $ref: `#/components/schemas/${name}` }, parsed)
      assert.deepEqual(errs, [], `${method} ${path} → ${r.status}: the body is not a ${name}: ${r.body.slice(0, 400)}`)
    } else {
      assert.equal(r.body, '', `${method} ${path} → ${r.status} has a body`)
    }
    return { status: r.status, ok, body: parsed, text: r.body }
  }
  const pinsGet = (q: Query, token?: string | null) => api<PinResults>('GET', `/pins${queryString(q)}`, 'PinResults', { token })
  const pinsPost = async (pin: PinStatus['pin']): Promise<Answer<PinStatus>> => {
    const r = await api<PinStatus>('POST', '/pins', 'PinStatus', { body: pin })
    if (r.ok) tracked.add(pin.cid)
    return r
  }
  const pinsRequestidGet = (id: string) => api<PinStatus>('GET', `/pins/${id}`, 'PinStatus')
  const pinsRequestidPost = async (id: string, pin: PinStatus['pin']): Promise<Answer<PinStatus>> => {
    const r = await api<PinStatus>('POST', `/pins/${id}`, 'PinStatus', { body: pin })
    if (r.ok) tracked.add(pin.cid)
    return r
  }
  const pinsRequestidDelete = (id: string) => api<null>('DELETE', `/pins/${id}`, null)
  const inlineCid = async (): Promise<string> => makeCore(f.node, `inline-${++cores}`, 1)
  const oldest = (pins: PinStatus[]): Date => new Date(Math.min(Date.now(), ...pins.map((p) => Date.parse(p.created))))

  before(async () => {
    f = await startFixture({ hosters: 2 })
    doc = JSON.parse((await raw(f.url, 'GET', '/openapi.json', { authorization: `Bearer ${f.token}` })).body) as OpenApiDoc
    // The suite's pin tracker: the count before any check ran.
    originalPinCount = (await pinsGet({ status: ALL_STATUSES })).body?.count ?? 0
  })
  after(async () => { await f.close() })

  test('checkEmptyBearerToken: no token → 401 Failure', async () => {
    const r = await pinsGet({}, null)
    assert.equal(r.status, 401)
    assert.equal((r.body as unknown as { error: { reason: string } }).error.reason, 'UNAUTHORIZED')
  })

  test('checkInvalidBearerToken: a wrong token → 401 Failure', async () => {
    const r = await pinsGet({}, 'purposefullyInvalid')
    assert.equal(r.status, 401)
  })

  test('addPin: the status is queued, pinning or pinned', async () => {
    const r = await pinsPost({ cid: await inlineCid() })
    assert.ok(r.ok, r.text)
    assert.ok(r.body !== null && ['queued', 'pinning', 'pinned'].includes(r.body.status), r.text)
  })

  test('deleteNewPin: create (202), then delete at once (202, no body)', async () => {
    const created = await pinsPost({ cid: await inlineCid() })
    assert.ok(created.body !== null)
    assert.equal(created.status, 202)
    const del = await pinsRequestidDelete(created.body.requestid)
    assert.ok(del.ok)
    assert.equal(del.status, 202)
  })

  test('getAllPins: GET /pins in all states → 200 PinResults', async () => {
    const r = await pinsGet({ status: ALL_STATUSES })
    assert.ok(r.ok)
    assert.equal(r.status, 200)
  })

  test('replacePin: a new requestid with the new cid; the old requestid is gone (404), the new one found', async () => {
    const cid = await inlineCid()
    const original = await pinsPost({ cid })
    assert.ok(original.ok && original.body !== null)
    const requestid = original.body.requestid
    assert.ok(requestid !== '' && requestid !== 'null')
    const newCid = await inlineCid()
    const replaced = await pinsRequestidPost(requestid, { cid: newCid })
    assert.ok(replaced.ok && replaced.body !== null, replaced.text)
    assert.equal(replaced.body.pin.cid, newCid)
    assert.notEqual(replaced.body.requestid, requestid)
    assert.equal((await pinsRequestidGet(requestid)).status, 404)
    assert.equal((await pinsRequestidGet(replaced.body.requestid)).status, 200)
  })

  test('matchPin: the pin is found by exact, iexact, partial and ipartial name matching', async () => {
    const name = randomUUID().toLowerCase()
    const size = name.length / 4
    const partialName = name.slice(size, name.length - size)
    const created = await pinsPost({ name, cid: await inlineCid() })
    assert.ok(created.ok && created.body !== null)
    assert.equal(created.body.pin.name, name)
    const id = created.body.requestid
    await waitFor(async () => (await pinsRequestidGet(id)).body?.status === 'pinned', 90_000, 'the named pin to be pinned', 200)
    for (const [match, wanted] of [['exact', name], ['iexact', name.toUpperCase()], ['partial', partialName], ['ipartial', partialName.toUpperCase()]] as const) {
      const r = await pinsGet({ match, name: wanted })
      assert.ok(r.ok && r.body !== null, `${match}: ${r.text}`)
      assert.equal(r.body.count, 1, `${match} '${wanted}': count`)
      assert.equal(r.body.results[0]?.pin.name, name, `${match}: the name given at creation`)
    }
    // And the strategies are what they say: the exact name in other case does not match `exact`.
    assert.equal((await pinsGet({ match: 'exact', name: name.toUpperCase() })).body?.count, 0)
    assert.equal((await pinsGet({ match: 'partial', name: partialName.toUpperCase() })).body?.count, 0)
  })

  test('testPagination: 15+ pins; the first page defaults to 10 of count; the next page (before) has none of them', async () => {
    const needed = 15
    const start = await pinsGet({ status: ALL_STATUSES })
    assert.ok(start.ok && start.body !== null)
    for (let n = needed - start.body.count; n > 0; n--) {
      const r = await pinsPost({ cid: await inlineCid() })
      assert.ok(r.ok, r.text)
    }
    const first = await pinsGet({ status: ALL_STATUSES })
    assert.ok(first.ok && first.body !== null)
    assert.ok(first.body.count >= needed, `count ${first.body.count}`)
    assert.ok(first.body.results.length < first.body.count)
    assert.equal(first.body.results.length, 10, 'the default page size is 10')
    const ids = new Set(first.body.results.map((p) => p.requestid))
    const before = oldest(first.body.results)
    const next = await pinsGet({ status: ALL_STATUSES, before })
    assert.ok(next.ok && next.body !== null)
    for (const p of next.body.results) ids.add(p.requestid)
    assert.equal(ids.size, first.body.results.length + next.body.results.length, 'the next page repeats none of the first')
    assert.ok(next.body.results.length > 0)

    // Beyond the suite: `limit` sizes the page, `after` is the mirror of `before`.
    const three = await pinsGet({ status: ALL_STATUSES, limit: 3 })
    assert.equal(three.body?.results.length, 3)
    assert.equal(three.body?.count, first.body.count)
    const newer = await pinsGet({ status: ALL_STATUSES, after: before, limit: 1000 })
    assert.ok(newer.body !== null)
    assert.ok(newer.body.results.every((p) => Date.parse(p.created) > before.getTime()))
    assert.ok(newer.body.results.length >= first.body.results.length - 1)
  })

  test('deleteAllPins: every pin the checks created is deleted; the count is back to where it started', async () => {
    let loops = 0
    let page = await pinsGet({ status: ALL_STATUSES })
    for (;;) {
      assert.ok(page.ok && page.body !== null)
      for (const pin of page.body.results) {
        if (!tracked.has(pin.pin.cid)) continue
        const del = await pinsRequestidDelete(pin.requestid)
        assert.ok(del.ok, `delete ${pin.requestid}: ${del.status}`)
      }
      if (page.body.count <= originalPinCount || ++loops >= 10) break // the suite's MAX_LOOP_TIMES
      page = await pinsGet({ status: ALL_STATUSES, before: oldest(page.body.results) })
    }
    const final = await pinsGet({ status: ALL_STATUSES })
    assert.equal(final.body?.count, originalPinCount)
    assert.ok(tracked.size >= 15, `${tracked.size} pins created by the checks`)
  })
})
