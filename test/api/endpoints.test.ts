/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument -- response bodies are read as loose JSON */
// API contract tests for every endpoint besides /pins, against a real daemon API over a real
// FavorNode on a loopback testnet.
import assert from 'node:assert/strict'
import { stat } from 'node:fs/promises'
import { request } from 'node:http'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { waitFor } from '../harness/wait.js'
import { call, makeCore, startFixture } from './helpers.js'
import type { ApiFixture } from './helpers.js'

type Err = { error: { reason: string, details: string } }

describe('daemon API contract', () => {
  let f: ApiFixture
  before(async () => {
    f = await startFixture({ hosters: 1 })
    const key = await makeCore(f.node, 'c', 4)
    await call(f.url, 'POST', '/pins', { token: f.token, body: { cid: key, replicas: 1 } })
  })
  after(async () => { await f.close() })

  test('token file is 0600 and close() is safe twice (separate server)', async () => {
    const s = await stat(join(f.dir, 'api-token'))
    assert.equal(s.mode & 0o777, 0o600)
  })

  test('GET /status', async () => {
    const r = await call(f.url, 'GET', '/status', { token: f.token })
    assert.equal(r.status, 200)
    assert.equal(r.body.account, f.node.account)
    assert.equal(r.body.networkKey, f.node.networkKey)
    assert.equal(typeof r.body.balance.balance, 'string', 'bigints as decimal strings')
    assert.ok(Array.isArray(r.body.node.roles))
    // the runtime: queue depth per task kind, running tasks, counters, resources held
    const rt = r.body.node.runtime
    assert.deepEqual(Object.keys(rt.tasks.kinds).sort(), ['challenge', 'gc', 'mirror', 'reconcile', 'report'])
    for (const d of Object.values<{ queued: number, running: number }>(rt.tasks.kinds)) assert.ok(Number.isInteger(d.queued) && Number.isInteger(d.running))
    assert.ok(Array.isArray(rt.tasks.running))
    assert.ok(rt.tasks.counters.succeeded >= 1, 'reconciles ran')
    for (const k of ['open', 'users', 'opened', 'closed']) assert.ok(Number.isInteger(rt.resources[k]), k)
    assert.equal(typeof rt.resources.quota.capacityBytes, 'number')
    assert.equal((await call(f.url, 'GET', '/status?x=1', { token: f.token })).status, 400)
  })

  test('GET /accounts, /accounts/{id}, /accounts/me', async () => {
    const r = await call(f.url, 'GET', '/accounts', { token: f.token })
    assert.equal(r.status, 200)
    assert.ok(r.body.count >= 2)
    const me = await call(f.url, 'GET', '/accounts/me', { token: f.token })
    assert.equal(me.body.id, f.node.account)
    for (const k of ['given', 'received', 'balance', 'reputationPpm']) assert.ok(k in me.body, k)
    const hosters = await call(f.url, 'GET', '/accounts?hosters=true', { token: f.token })
    assert.ok(hosters.body.results.every((a: { hoster: unknown }) => a.hoster !== null))
    assert.equal((await call(f.url, 'GET', `/accounts/${(f.nodes[1] as { account: string }).account}`, { token: f.token })).status, 200)
    assert.equal((await call<Err>(f.url, 'GET', '/accounts/zz', { token: f.token })).status, 400)
    assert.equal((await call(f.url, 'GET', `/accounts/${'0'.repeat(64)}`, { token: f.token })).status, 404)
    assert.equal((await call(f.url, 'GET', '/accounts?hosters=maybe', { token: f.token })).status, 400)
  })

  test('GET /agreements with filters, /agreements/{id}', async () => {
    const r = await waitFor(async () => {
      const x = await call(f.url, 'GET', '/agreements', { token: f.token })
      return x.body.count > 0 ? x : null
    }, 30_000, 'an agreement')
    const a = r.body.results[0]
    assert.equal((await call(f.url, 'GET', `/agreements?hoster=${a.hoster}`, { token: f.token })).body.count >= 1, true)
    assert.equal((await call(f.url, 'GET', '/agreements?publisher=me&live=true', { token: f.token })).status, 200)
    assert.equal((await call(f.url, 'GET', `/agreements?state=active,pinning&requestId=${a.requestId}&coreKey=${a.coreKey}&limit=5`, { token: f.token })).status, 200)
    assert.equal((await call(f.url, 'GET', `/agreements/${a.id}`, { token: f.token })).body.id, a.id)
    assert.equal((await call(f.url, 'GET', '/agreements/9999', { token: f.token })).status, 404)
    for (const qs of ['?state=gone', '?hoster=1', '?requestId=-1', '?live=2', '?limit=0']) {
      assert.equal((await call(f.url, 'GET', `/agreements${qs}`, { token: f.token })).status, 400, qs)
    }
  })

  test('GET /epochs, /epochs/{n}, /reports, /history', async () => {
    const r = await call(f.url, 'GET', '/epochs?limit=5', { token: f.token })
    assert.equal(r.status, 200)
    assert.ok(r.body.current >= 1)
    const n = r.body.results[0].epoch
    const one = await call(f.url, 'GET', `/epochs/${n}`, { token: f.token })
    assert.equal(one.body.epoch, n)
    assert.ok(Array.isArray(one.body.attestations))
    assert.equal((await call(f.url, 'GET', '/epochs/999999', { token: f.token })).status, 404)
    assert.equal((await call(f.url, 'GET', '/epochs/x', { token: f.token })).status, 400)
    assert.equal((await call(f.url, 'GET', '/epochs?limit=-3', { token: f.token })).status, 400)
    const rep = await call(f.url, 'GET', '/reports', { token: f.token })
    assert.equal(rep.status, 200)
    assert.ok(Array.isArray(rep.body.results) && Array.isArray(rep.body.local))
    assert.equal((await call(f.url, 'GET', '/reports?epoch=abc', { token: f.token })).status, 400)
    const h = await call(f.url, 'GET', '/history', { token: f.token })
    assert.ok(h.body.count >= 1)
  })

  test('GET /events: hello, epoch events, heartbeats; ended on close', async () => {
    const ac = new AbortController()
    const res = await fetch(`${f.url}/events`, { signal: ac.signal, headers: { authorization: `Bearer ${f.token}` } })
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/)
    const reader = (res.body as ReadableStream<Uint8Array>).getReader()
    let text = ''
    const dec = new TextDecoder()
    await waitFor(async () => {
      const { value } = await reader.read()
      text += dec.decode(value ?? new Uint8Array())
      return text.includes('event: hello') && text.includes(': heartbeat') && text.includes('event: epoch')
    }, 20_000, 'hello, heartbeat and an epoch event')
    ac.abort()
    await reader.cancel().catch(() => {})
  })

  test('GET /openapi.json describes every endpoint', async () => {
    const r = await call(f.url, 'GET', '/openapi.json', { token: f.token })
    for (const p of ['/pins', '/pins/{requestid}', '/status', '/accounts', '/accounts/{id}', '/agreements', '/agreements/{id}', '/epochs', '/epochs/{n}', '/reports', '/history', '/events', '/offer', '/withdraw', '/transfer', '/sponsor', '/writers', '/ledger/verify', '/login', '/login-codes', '/openapi.json']) {
      assert.ok(p in r.body.paths, p)
    }
  })

  test('GET /openapi.json: the Pinning Service API in the upstream spec\'s shapes; Favor\'s additions marked', async () => {
    const doc = (await call(f.url, 'GET', '/openapi.json', { token: f.token })).body
    assert.equal(doc.openapi, '3.0.3')
    assert.deepEqual(doc.security, [{ accessToken: [] }])
    assert.equal(doc.components.securitySchemes.accessToken.type, 'http')
    assert.equal(doc.components.securitySchemes.accessToken.scheme, 'bearer')
    // operationIds, tags and error responses of the five pin operations, as upstream.
    const ops: [string, string, string, string][] = [
      ['/pins', 'get', 'getPins', '200'], ['/pins', 'post', 'addPin', '202'], ['/pins/{requestid}', 'get', 'getPinByRequestId', '200'],
      ['/pins/{requestid}', 'post', 'replacePinByRequestId', '202'], ['/pins/{requestid}', 'delete', 'deletePinByRequestId', '202']
    ]
    for (const [path, method, id, okStatus] of ops) {
      const op = doc.paths[path][method]
      assert.equal(op.operationId, id)
      assert.deepEqual(op.tags, ['pins'])
      assert.equal(op['x-favor'], undefined, `${id} is the spec's, not an addition`)
      assert.deepEqual(Object.keys(op.responses).sort(), [okStatus, '400', '401', '404', '409', '4XX', '5XX'].sort(), id)
      assert.deepEqual(op.responses['4XX'], { $ref: '#/components/responses/CustomServiceError' })
      assert.deepEqual(op.responses['5XX'], { $ref: '#/components/responses/InternalServerError' })
      assert.deepEqual(op.responses['401'], { $ref: '#/components/responses/Unauthorized' })
    }
    assert.equal(doc.paths['/pins/{requestid}'].delete.responses['202'].content, undefined, 'DELETE 202 has no body')
    assert.deepEqual(doc.paths['/pins'].get.parameters.map((p: { $ref: string }) => p.$ref.split('/').pop()), ['cid', 'name', 'match', 'status', 'before', 'after', 'limit', 'meta'])
    // Array query parameters, comma-separated.
    const { cid, status, meta, limit } = doc.components.parameters
    for (const p of [cid, status]) {
      assert.equal(p.in, 'query')
      assert.equal(p.style, 'form')
      assert.equal(p.explode, false)
      assert.equal(p.schema.type, 'array')
      assert.equal(p.schema.uniqueItems, true)
      assert.equal(p.schema.minItems, 1)
    }
    assert.equal(cid.schema.maxItems, 10)
    assert.deepEqual(status.schema.items, { $ref: '#/components/schemas/Status' })
    assert.deepEqual(meta.content['application/json'].schema, { $ref: '#/components/schemas/PinMeta' })
    assert.deepEqual(limit.schema, { type: 'integer', format: 'int32', minimum: 1, maximum: 1000, default: 10 })
    // Schemas: PinMeta and StatusInfo are string maps; Pin.meta is a PinMeta; Failure as upstream.
    const s = doc.components.schemas
    assert.deepEqual(s.Pin.properties.meta, { $ref: '#/components/schemas/PinMeta' })
    assert.deepEqual(s.Pin.properties.origins, { $ref: '#/components/schemas/Origins' })
    assert.equal(s.PinMeta.additionalProperties.type, 'string')
    assert.equal(s.StatusInfo.additionalProperties.type, 'string')
    assert.deepEqual(s.PinStatus.required, ['requestid', 'status', 'created', 'pin', 'delegates'])
    assert.deepEqual(s.PinStatus.properties.info, { $ref: '#/components/schemas/StatusInfo' })
    assert.deepEqual(s.Delegates, { ...s.Delegates, type: 'array', items: { type: 'string' }, uniqueItems: true, minItems: 1, maxItems: 20 })
    assert.deepEqual(s.Status.enum, ['queued', 'pinning', 'pinned', 'failed'])
    assert.deepEqual(s.TextMatchingStrategy.enum, ['exact', 'iexact', 'partial', 'ipartial'])
    assert.deepEqual(s.Failure.required, ['error'])
    assert.deepEqual(s.Failure.properties.error.required, ['reason'])
    for (const name of ['BadRequest', 'Unauthorized', 'NotFound', 'InsufficientFunds', 'CustomServiceError', 'InternalServerError']) {
      assert.deepEqual(doc.components.responses[name].content['application/json'].schema, { $ref: '#/components/schemas/Failure' }, name)
    }
    // Favor's additions say so: the Pin fields, and every non-pin operation.
    for (const k of ['replicas', 'until', 'maxPrice']) {
      assert.equal(s.Pin.properties[k]['x-favor'], true, k)
      assert.match(s.Pin.properties[k].description, /^Favor addition: /, k)
    }
    const ids = new Set<string>()
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, { operationId: string, tags: string[], description: string, 'x-favor'?: boolean }>>)) {
      for (const [method, op] of Object.entries(item)) {
        if (method === 'parameters') continue
        assert.ok(!ids.has(op.operationId), `operationId ${op.operationId} is unique`)
        ids.add(op.operationId)
        if (path.startsWith('/pins')) continue
        assert.deepEqual(op.tags, ['favor'], `${method} ${path}`)
        assert.equal(op['x-favor'], true, `${method} ${path}`)
        assert.match(op.description, /^Favor addition: /, `${method} ${path}`)
      }
    }
  })

  test('writes: offer, transfer/sponsor (409 without balance), writers, verify, withdraw', async () => {
    const t = f.token
    assert.equal((await call(f.url, 'POST', '/offer', { body: { capacity: '1GiB' } })).status, 401)
    assert.equal((await call(f.url, 'POST', '/offer', { token: t, body: { capacity: 'lots' } })).status, 400)
    assert.equal((await call(f.url, 'POST', '/offer', { token: t, body: {} })).status, 400)
    const off = await call(f.url, 'POST', '/offer', { token: t, body: { capacity: '1GiB', group: 'g1' } })
    assert.equal(off.status, 202)
    assert.equal(off.body.capacityBytes, 2 ** 30)
    const to = (f.nodes[1] as { account: string }).account
    const tr = await call<Err>(f.url, 'POST', '/transfer', { token: t, body: { to, amount: '999999999999' } })
    assert.equal(tr.status, 409)
    assert.equal(tr.body.error.reason, 'INSUFFICIENT_FUNDS')
    assert.equal((await call(f.url, 'POST', '/sponsor', { token: t, body: { to, amount: '5' } })).status, 409)
    assert.equal((await call(f.url, 'POST', '/transfer', { token: t, body: { to: 'x', amount: '5' } })).status, 400)
    assert.equal((await call(f.url, 'POST', '/transfer', { token: t, body: { to, amount: '-5' } })).status, 400)
    assert.equal((await call(f.url, 'POST', '/transfer', { token: t, body: { to, amount: 1.5 } })).status, 400)
    assert.equal((await call(f.url, 'POST', '/writers', { token: t, body: { key: 'nope' } })).status, 400)
    assert.equal((await call(f.url, 'POST', '/writers', { token: t, body: { key: 'ab'.repeat(32), indexer: false } })).status, 202)
    const v = await call(f.url, 'POST', '/ledger/verify', { token: t })
    assert.equal(v.status, 200)
    assert.equal(v.body.ok, true)
    assert.equal((await call(f.url, 'POST', '/withdraw', { token: t, body: { now: true } })).status, 400)
    assert.equal((await call(f.url, 'POST', '/withdraw', { token: t })).status, 202)
  })

  test('HTTP errors: 404, 405, 413, 415, malformed JSON, 403 for a foreign Host', async () => {
    const nf = await call<Err>(f.url, 'GET', '/nope', { token: f.token })
    assert.equal(nf.status, 404)
    assert.equal(nf.body.error.reason, 'NOT_FOUND')
    const na = await call<Err>(f.url, 'DELETE', '/status', { token: f.token })
    assert.equal(na.status, 405)
    assert.match(na.headers.get('allow') ?? '', /GET/)
    const big = await call<Err>(f.url, 'POST', '/offer', { token: f.token, raw: JSON.stringify({ capacity: 'x'.repeat(70 * 1024) }) })
    assert.equal(big.status, 413)
    const ct = await call<Err>(f.url, 'POST', '/offer', { token: f.token, raw: 'capacity=1', headers: { 'content-type': 'text/plain' } })
    assert.equal(ct.status, 415)
    const bad = await call<Err>(f.url, 'POST', '/transfer', { token: f.token, raw: '{not json' })
    assert.equal(bad.status, 400)
    assert.equal(bad.body.error.reason, 'BAD_REQUEST')
    const port = new URL(f.url).port
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/status', headers: { host: 'evil.example:80' } }, (res) => { res.resume(); resolve(res.statusCode ?? 0) })
      req.on('error', reject)
      req.end()
    })
    assert.equal(status, 403)
  })

  test('GET / serves the dashboard without external references', async () => {
    const res = await fetch(`${f.url}/`)
    assert.equal(res.status, 200)
    const html = await res.text()
    assert.match(html, /Favor dashboard/)
    assert.doesNotMatch(html, /https?:\/\/(?!www\.w3\.org)/)
    assert.equal((await fetch(`${f.url}/static/app.js`)).status, 200)
    assert.equal((await fetch(`${f.url}/static/../../api/server.ts`, { headers: { authorization: `Bearer ${f.token}` } })).status, 404)
    assert.equal((await fetch(`${f.url}/static/%2e%2e/%2e%2e/api/server.ts`, { headers: { authorization: `Bearer ${f.token}` } })).status, 404)
  })
})

describe('409 when the publisher lacks favor', () => {
  test('POST /pins is refused before anything is appended', async () => {
    const f = await startFixture({ params: { welcomeCreditMicro: 0n, founderCreditMicro: 0n } })
    try {
      const key = await makeCore(f.node, 'poor', 2)
      const r = await call<Err>(f.url, 'POST', '/pins', { token: f.token, body: { cid: key, replicas: 1 } })
      assert.equal(r.status, 409)
      assert.equal(r.body.error.reason, 'INSUFFICIENT_FUNDS')
      assert.equal((await call(f.url, 'GET', '/pins?status=queued,pinning,pinned,failed', { token: f.token })).body.count, 0)
      await f.api.close()
      await f.api.close()
    } finally {
      await f.close()
    }
  })
})
