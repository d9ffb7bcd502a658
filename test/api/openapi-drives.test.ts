/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-explicit-any -- the document is read as loose JSON */
// The OpenAPI document covers the `/drives` endpoints: every route DrivesApi registers is documented (and
// nothing more), as a Favor addition with its path parameters; every documented request-body field is one
// the handler accepts and an undocumented one is refused; the answers conform to the documented schemas.
// The handlers run against a stub service (no network): what is checked is the document, not the drives.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { ApiError } from '../../src/api/errors.js'
import { DrivesApi } from '../../src/api/handlers/drives.js'
import { openApiDocument } from '../../src/api/openapi.js'
import { PinStore } from '../../src/api/pin-store.js'
import type { Handler, HandlerResult, RequestContext, Router } from '../../src/api/router.js'
import type { FavorService } from '../../src/api/service.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'
import { validate } from './schema.js'
import type { JsonSchema, OpenApiDoc } from './schema.js'

type Route = { method: 'get' | 'post', pattern: string, handler: Handler }
type Doc = OpenApiDoc & { paths: Record<string, Record<string, any>> }

const KEY = 'ab'.repeat(32)
const published = {
  driveKey: KEY, requestId: 1, version: 3, files: 1, bytes: 5, added: 1, deleted: 0, unchanged: 0, newRequest: false,
  cores: [{ kind: 'metadata', key: KEY, length: 3, byteLength: 300 }], encrypted: false, encryptionKey: null, keyFile: null
}
const service = {
  publishFolder: () => Promise.resolve(published),
  getDrive: () => Promise.resolve({ version: 3, files: 1, bytes: 5 }),
  listDrive: () => Promise.resolve({ version: 3, files: [{ path: '/a.txt', size: 5, executable: false }] }),
  revealKey: () => Promise.resolve({ kind: 'core', unit: KEY, encryptionKey: null, keyFile: '/tmp/keys.json' })
} as unknown as FavorService

let dir: string
let routes: Route[]
const doc = openApiDocument('test') as unknown as Doc

before(async () => {
  dir = await makeTempDir('openapi-drives')
  routes = []
  const recorder = {
    get(pattern: string, handler: Handler) { routes.push({ method: 'get', pattern, handler }); return recorder },
    post(pattern: string, handler: Handler) { routes.push({ method: 'post', pattern, handler }); return recorder }
  }
  new DrivesApi(service, await PinStore.open(dir)).register(recorder as unknown as Router)
})
after(async () => { await removeDir(dir) })

const toOpenApi = (pattern: string): string => pattern.replace(/:(\w+)/g, '{$1}')

function ctx(params: Record<string, string>, body: unknown, query = ''): RequestContext {
  return { req: null, res: null, method: 'POST', url: new URL(`http://127.0.0.1/x${query}`), params, client: 'token', body: () => Promise.resolve(body) } as unknown as RequestContext
}

/** A valid value for a documented property (by its schema). */
function sample(s: JsonSchema): unknown {
  if (s.pattern === '^[0-9a-fA-F]{64}$') return KEY
  if (s.type === 'integer') return typeof s.minimum === 'number' ? s.minimum : 1
  if (s.type === 'boolean') return true
  if (s.type === 'string') return typeof s.description === 'string' && s.description.includes('absolute path') ? '/tmp/favor-openapi-drives' : 'name'
  throw new Error(`no sample for ${JSON.stringify(s)}`)
}

function result(r: HandlerResult): { status: number, body: unknown } {
  assert.notEqual(r, 'handled')
  return r as { status: number, body: unknown }
}

test('every /drives route DrivesApi registers is in the OpenAPI document as a Favor addition, and nothing else is', () => {
  assert.ok(routes.length >= 5, `${routes.length} routes`)
  const ids = new Set<string>()
  for (const r of routes) {
    const p = toOpenApi(r.pattern)
    const op = doc.paths[p]?.[r.method]
    assert.ok(op !== undefined, `${r.method.toUpperCase()} ${p} is documented`)
    assert.deepEqual(op.tags, ['favor'], p)
    assert.equal(op['x-favor'], true, p)
    assert.match(op.description, /^Favor addition: /, p)
    assert.equal(typeof op.operationId, 'string')
    ids.add(op.operationId)
    assert.deepEqual(op.responses['401'], { $ref: '#/components/responses/Unauthorized' }, p)
    // the path's parameters, exactly
    const want = [...r.pattern.matchAll(/:(\w+)/g)].map((m) => m[1]).sort()
    const got = ((op.parameters ?? []) as { name: string, in: string, required: boolean }[]).filter((x) => x.in === 'path')
    assert.deepEqual(got.map((x) => x.name).sort(), want, `${p} path parameters`)
    assert.ok(got.every((x) => x.required), p)
    // every $ref it names resolves
    for (const m of JSON.stringify(op).matchAll(/#\/components\/(schemas|responses)\/(\w+)/g)) {
      const group = m[1] as 'schemas' | 'responses'
      assert.ok((doc.components as Record<string, Record<string, unknown>>)[group]?.[m[2] as string] !== undefined, `${p}: ${m[0]} resolves`)
    }
  }
  assert.equal(ids.size, routes.length, 'operationIds are distinct')
  const all = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op: { operationId: string }) => op.operationId))
  assert.equal(new Set(all).size, all.length, 'operationIds are distinct across the document')
  // the other way round: every documented /drives or /cores path is a registered route
  for (const [p, item] of Object.entries(doc.paths)) {
    if (!p.startsWith('/drives') && !p.startsWith('/cores')) continue
    for (const m of Object.keys(item)) assert.ok(routes.some((r) => toOpenApi(r.pattern) === p && r.method === m), `${m} ${p} is a route`)
  }
})

test('request bodies: every documented field is accepted, an undocumented one is refused (400); answers match their schemas', async () => {
  let checked = 0
  for (const r of routes) {
    const p = toOpenApi(r.pattern)
    const op = doc.paths[p]?.[r.method]
    const params = Object.fromEntries([...r.pattern.matchAll(/:(\w+)/g)].map((m) => [m[1] as string, m[1] === 'id' ? '1' : KEY]))
    const bodySchema = op.requestBody?.content?.['application/json']?.schema as JsonSchema | undefined
    let body: Record<string, unknown> | undefined
    if (bodySchema !== undefined) {
      body = Object.fromEntries(Object.entries(bodySchema.properties as Record<string, JsonSchema>).map(([k, s]) => [k, sample(s)]))
      const wrong = await r.handler(ctx(params, { ...body, notDocumented: 1 })).then(() => null, (err: unknown) => err)
      assert.ok(wrong instanceof ApiError && wrong.status === 400, `${p}: an undocumented field is refused (${String(wrong)})`)
      assert.match(wrong.message, /unknown field 'notDocumented'/)
    }
    const query = (op.parameters ?? []).some((x: { in: string }) => x.in === 'query') ? `?encryptionKey=${KEY}` : ''
    const res = result(await r.handler(ctx(params, body, query)))
    const status = String(res.status)
    const schema = op.responses[status]?.content?.['application/json']?.schema as JsonSchema | undefined
    assert.ok(schema !== undefined, `${p}: status ${status} is documented with a body`)
    assert.deepEqual(validate(doc, schema, res.body), [], `${p}: ${JSON.stringify(res.body)}`)
    checked++
  }
  assert.equal(checked, routes.length)
  // the publish job, once done, as GET /drives/jobs/{id} shows it
  const getJob = routes.find((r) => r.pattern === '/drives/jobs/:id')
  assert.ok(getJob)
  const done = result(await getJob.handler(ctx({ id: '1' }, undefined)))
  assert.equal((done.body as { state: string }).state, 'done')
  assert.deepEqual(validate(doc, { $ref: '#/components/schemas/DriveJob' }, done.body), [])
  assert.deepEqual(validate(doc, { $ref: '#/components/schemas/PublishedDrive' }, (done.body as { result: unknown }).result), [])
  // the validator can fail: a job of another kind does not conform
  assert.notDeepEqual(validate(doc, { $ref: '#/components/schemas/DriveJob' }, { ...(done.body as object), kind: 'upload' }), [])
})
