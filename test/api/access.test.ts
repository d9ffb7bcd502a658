// The API's doors, against a real daemon API over a real FavorNode on a loopback testnet: the exact
// loopback Host check (a DNS-rebinding name gets 403), a credential on every call (401 in the Pinning
// Service API's Failure shape), the dashboard's one-time login code and its session cookie, and the
// bounds on event streams.
import assert from 'node:assert/strict'
import { request } from 'node:http'
import type { IncomingHttpHeaders } from 'node:http'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { ApiServer } from '../../src/api/index.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'
import { waitFor } from '../harness/wait.js'
import { login, raw, startFixture } from './helpers.js'
import type { ApiFixture } from './helpers.js'

type Failure = { error: { reason: string, details?: string } }

function failure(body: string): Failure {
  const parsed = JSON.parse(body) as Failure
  assert.equal(typeof parsed.error.reason, 'string', body)
  return parsed
}

/** Every operation of the served OpenAPI document, with its path parameters filled in. */
async function operations(f: ApiFixture): Promise<[string, string][]> {
  const doc = JSON.parse((await raw(f.url, 'GET', '/openapi.json', { authorization: `Bearer ${f.token}` })).body) as { paths: Record<string, Record<string, unknown>> }
  const ops: [string, string][] = []
  for (const [p, item] of Object.entries(doc.paths)) {
    const filled = p.replace('{requestid}', '1').replace('{id}', 'me').replace('{n}', '1')
    for (const m of ['get', 'post', 'delete']) if (m in item) ops.push([m.toUpperCase(), filled])
  }
  return ops
}

interface Stream {
  status: number
  headers: IncomingHttpHeaders
  /** The error body when refused; '' for an open stream. */
  body: string
  close(): void
}

/** Opens `GET /events`; resolves at the response headers (an open stream never ends by itself). */
function openStream(url: string, headers: Record<string, string>): Promise<Stream> {
  const u = new URL(url)
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: '/events', headers, timeout: 10_000 }, (res) => {
      const close = (): void => { req.destroy() }
      if (res.statusCode === 200) {
        resolve({ status: 200, headers: res.headers, body: '', close })
        return
      }
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), close }) })
    })
    req.on('timeout', () => { req.destroy(new Error('GET /events: no answer in 10 s')) })
    req.on('error', reject)
    req.end()
  })
}

describe('the API closes its doors', () => {
  let f: ApiFixture
  let port: string
  before(async () => {
    f = await startFixture()
    port = new URL(f.url).port
  })
  after(async () => { await f.close() })

  test('a DNS-rebinding Host (127.0.0.1.nip.io) and every other non-loopback name get 403, even with the token', async () => {
    const auth = { authorization: `Bearer ${f.token}` }
    const refused = ['127.0.0.1.nip.io', `127.0.0.1.nip.io:${port}`, 'localhost.evil.example', `127.evil.example:${port}`, '127.0.0.2', 'evil.example', '[::2]', '0.0.0.0']
    for (const host of refused) {
      for (const path of ['/pins', '/status', '/', '/static/app.js', `/login?code=${'a'.repeat(64)}`]) {
        const r = await raw(f.url, 'GET', path, { ...auth, host })
        assert.equal(r.status, 403, `Host '${host}' ${path}`)
        assert.equal(failure(r.body).error.reason, 'FORBIDDEN')
      }
    }
    for (const host of ['127.0.0.1', `127.0.0.1:${port}`, `localhost:${port}`, 'localhost', `[::1]:${port}`, '[::1]']) {
      assert.equal((await raw(f.url, 'GET', '/status', { ...auth, host })).status, 200, `Host '${host}'`)
    }
  })

  test('every route, reads included, answers 401 without a credential or with a wrong one', async () => {
    const ops = await operations(f)
    assert.ok(ops.length >= 20, `${ops.length} operations`)
    const unknown: [string, string][] = [['GET', '/nope'], ['PUT', '/pins'], ['HEAD', '/status']]
    let checked = 0
    for (const [method, path] of [...ops, ...unknown]) {
      for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: `Bearer ${'f'.repeat(64)}` }, { authorization: `Basic ${f.token}` }, { cookie: `favor_session_${port}=${'a'.repeat(64)}` }] as Record<string, string>[]) {
        const r = await raw(f.url, method, path, headers)
        assert.equal(r.status, 401, `${method} ${path} ${JSON.stringify(headers)}: ${r.body}`)
        if (method !== 'HEAD') assert.equal(failure(r.body).error.reason, 'UNAUTHORIZED')
        assert.match(String(r.headers['www-authenticate']), /^Bearer/)
        checked++
      }
    }
    // A wrong token is refused even next to a valid session cookie.
    const { cookie } = await login(f.api.loginUrl())
    assert.ok(cookie !== null)
    assert.equal((await raw(f.url, 'GET', '/status', { cookie, authorization: 'Bearer wrong' })).status, 401)
    console.log(`# ${checked} tokenless or wrong-credential calls, all 401`)
  })

  test('the dashboard files load without a credential, under a strict CSP', async () => {
    for (const path of ['/', '/static/app.js', '/static/style.css']) {
      const r = await raw(f.url, 'GET', path)
      assert.equal(r.status, 200, path)
      const csp = String(r.headers['content-security-policy'])
      assert.match(csp, /script-src 'self'/)
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/)
    }
  })

  test('login: the code works once, sets an HttpOnly SameSite=Strict cookie and redirects to / without the code', async () => {
    const link = f.api.loginUrl()
    assert.match(link, new RegExp(`^http://127\\.0\\.0\\.1:${port}/login\\?code=[0-9a-f]{64}$`))
    const first = await login(link)
    assert.equal(first.res.status, 303)
    assert.equal(first.res.headers.location, '/')
    const set = String(first.res.headers['set-cookie']?.[0])
    assert.match(set, new RegExp(`^favor_session_${port}=[0-9a-f]{64};`))
    assert.match(set, /; HttpOnly(;|$)/)
    assert.match(set, /; SameSite=Strict(;|$)/)
    assert.match(set, /; Path=\/(;|$)/)
    const cookie = first.cookie as string

    // The session reads: the API, and the event stream.
    const status = await raw(f.url, 'GET', '/status', { cookie })
    assert.equal(status.status, 200)
    assert.equal((JSON.parse(status.body) as { account: string }).account, f.node.account)
    assert.equal((await raw(f.url, 'GET', '/pins?status=queued,pinning,pinned,failed', { cookie })).status, 200)
    const events = await openStream(f.url, { cookie })
    assert.equal(events.status, 200)
    assert.match(String(events.headers['content-type']), /text\/event-stream/)
    events.close()

    // The same code again, a wrong one, none: refused, and no cookie.
    for (const again of [link, `${f.url}/login?code=${'0'.repeat(64)}`, `${f.url}/login?code=`, `${f.url}/login`, `${f.url}/login?code=${link.slice(-64, -1)}`]) {
      const r = await login(again)
      assert.equal(r.res.status, 401, again)
      assert.equal(failure(r.res.body).error.reason, 'UNAUTHORIZED')
      assert.equal(r.cookie, null)
    }

    // A session only reads: writes need the bearer token, and it cannot mint login codes.
    const write = await raw(f.url, 'POST', '/offer', { cookie, 'content-type': 'application/json' }, JSON.stringify({ capacity: '1GiB' }))
    assert.equal(write.status, 401)
    assert.match(failure(write.body).error.details ?? '', /Bearer <token>/)
    assert.equal((await raw(f.url, 'POST', '/login-codes', { cookie })).status, 401)

    // `favor dashboard` asks for a fresh link with the token; it works once too.
    const fresh = await raw(f.url, 'POST', '/login-codes', { authorization: `Bearer ${f.token}` })
    assert.equal(fresh.status, 201)
    const freshUrl = (JSON.parse(fresh.body) as { url: string }).url
    const second = await login(freshUrl)
    assert.equal(second.res.status, 303)
    assert.notEqual(second.cookie, cookie)
    assert.equal((await login(freshUrl)).res.status, 401)
  })

  test('an expired login code is refused; a fresh one still works', async () => {
    const dir = await makeTempDir('api-ttl')
    const api = new ApiServer({ service: f.node, dataDir: join(dir, 'd'), loginCodeTtlMs: 200 })
    try {
      await api.listen()
      const code = api.issueLoginUrl()
      await waitFor(() => Date.now() > code.expiresAt + 10, 5_000, 'the code to expire', 20)
      const late = await login(code.url)
      assert.equal(late.res.status, 401)
      assert.equal(late.cookie, null)
      assert.equal((await login(api.loginUrl())).res.status, 303)
    } finally {
      await api.close()
      await removeDir(dir)
    }
  })

  test('event streams: the N+1th of one client gets 429, beyond the server-wide bound 503', async () => {
    const dir = await makeTempDir('api-sse')
    const api = new ApiServer({ service: f.node, dataDir: join(dir, 'd'), maxSsePerClient: 2, maxSseClients: 3, heartbeatMs: 200 })
    const open: Stream[] = []
    try {
      const url = await api.listen()
      const token = { authorization: `Bearer ${api.token}` }
      for (let i = 0; i < 2; i++) {
        const s = await openStream(url, token)
        assert.equal(s.status, 200)
        open.push(s)
      }
      const third = await openStream(url, token)
      assert.equal(third.status, 429)
      assert.equal(failure(third.body).error.reason, 'TOO_MANY_REQUESTS')

      // Another client (a dashboard session) still gets one stream, then the server is full.
      const a = (await login(api.loginUrl())).cookie as string
      const b = (await login(api.loginUrl())).cookie as string
      const s = await openStream(url, { cookie: a })
      assert.equal(s.status, 200)
      open.push(s)
      const full = await openStream(url, { cookie: b })
      assert.equal(full.status, 503)
      assert.equal(failure(full.body).error.reason, 'SERVICE_UNAVAILABLE')

      // Closing a stream gives its client the slot back.
      open.shift()?.close()
      const again = await waitFor(async () => {
        const r = await openStream(url, token)
        if (r.status === 200) return r
        assert.equal(r.status, 429)
        return null
      }, 10_000, 'a token stream after closing one', 50)
      open.push(again)
    } finally {
      for (const s of open) s.close()
      await api.close()
      await removeDir(dir)
    }
  })
})
