// `favor/join/1` codecs and the JoinService between two DHT nodes on a loopback testnet, with a fake
// admission handler (the FavorNode one is exercised in test/node/join.test.ts).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createDht, createLoopbackTestnet, keyPair, muxOf, randomBytes, seedFromName } from '../../src/stack/index.js'
import type { Connection, Dht, DhtServer, Testnet } from '../../src/stack/index.js'
import { ProtocolError, rawCodec } from '../../src/protocol/index.js'
import {
  JOIN_PROTOCOL, MAX_INVITE_BYTES, MAX_JOIN_MESSAGE_BYTES, JoinError, JoinRefusedError, JoinService, JoinTimeoutError,
  decodeJoinReply, decodeJoinRequest, encodeJoinReply, encodeJoinRequest
} from '../../src/protocol/join.js'
import type { AdmitHandler, AdmitRequest, JoinReply } from '../../src/protocol/join.js'
import { deferred, waitFor, withTimeout } from '../harness/wait.js'
import { captureLogger } from './helpers.js'

const NET = Buffer.alloc(32, 7)

test('codecs: round trip, limits, strictness', () => {
  const writerKey = randomBytes(32)
  const invite = randomBytes(16)
  const req = decodeJoinRequest(encodeJoinRequest({ writerKey, invite }))
  assert.deepEqual(Buffer.from(req.writerKey), writerKey)
  assert.deepEqual(Buffer.from(req.invite), invite)
  assert.equal(decodeJoinRequest(encodeJoinRequest({ writerKey, invite: Buffer.alloc(0) })).invite.byteLength, 0)
  const reply = decodeJoinReply(encodeJoinReply({ code: 'REJECTED', message: 'no ✓' }))
  assert.deepEqual(reply, { code: 'REJECTED', message: 'no ✓' })
  // a long message is cut to the limit, on a character boundary
  const long = decodeJoinReply(encodeJoinReply({ code: 'INTERNAL', message: 'é'.repeat(400) }))
  assert.ok(Buffer.byteLength(long.message) <= MAX_JOIN_MESSAGE_BYTES && long.message.length >= 100)

  const bad = (fn: () => unknown, code: string): void => {
    assert.throws(fn, (err: unknown) => err instanceof ProtocolError && err.code === code)
  }
  bad(() => decodeJoinRequest(Buffer.alloc(10)), 'MALFORMED') // truncated key
  bad(() => decodeJoinRequest(Buffer.concat([encodeJoinRequest({ writerKey, invite }), Buffer.from([0])])), 'MALFORMED') // trailing
  bad(() => decodeJoinRequest(Buffer.alloc(4096)), 'OVERSIZED')
  const hugeInvite = Buffer.concat([writerKey, Buffer.from([MAX_INVITE_BYTES + 1]), Buffer.alloc(MAX_INVITE_BYTES + 1)])
  assert.throws(() => decodeJoinRequest(hugeInvite), ProtocolError)
  // bytes carrying an unknown reply code do not decode
  bad(() => decodeJoinReply(Buffer.concat([Buffer.from([4]), Buffer.from('NOPE'), Buffer.from([0])])), 'MALFORMED')
  bad(() => decodeJoinReply(Buffer.from([0xff, 0xff])), 'MALFORMED')
  assert.throws(() => encodeJoinRequest({ writerKey: Buffer.alloc(31), invite }), RangeError)
})

let testnet: Testnet
let serverDht: Dht
let server: DhtServer
let writer: JoinService
let log: ReturnType<typeof captureLogger>
const writerKp = keyPair(seedFromName('join-writer'))
let handler: AdmitHandler = () => Promise.resolve({ code: 'ACCEPTED', message: 'ok' })
const calls: AdmitRequest[] = []
const clients: { dht: Dht; conn: Connection; svc: JoinService | null }[] = []

before(async () => {
  testnet = await createLoopbackTestnet(3)
  serverDht = createDht({ bootstrap: testnet.bootstrap, keyPair: writerKp })
  log = captureLogger()
  writer = new JoinService({
    discoveryKey: NET,
    writerKey: randomBytes(32),
    admit: (req) => {
      calls.push(req)
      return handler(req)
    },
    log
  })
  server = serverDht.createServer((conn) => {
    conn.on('error', () => undefined)
    writer.attach(conn)
  })
  await server.listen(writerKp)
})

after(async () => {
  for (const c of clients) {
    c.svc?.close()
    c.conn.destroy()
    await c.dht.destroy()
  }
  writer.close()
  await server.close()
  await serverDht.destroy()
  await testnet.destroy()
})

async function connect(svcOpts: { writerKey?: Buffer; settleMs?: number } | null): Promise<{ conn: Connection; svc: JoinService | null }> {
  const dht = createDht({ bootstrap: testnet.bootstrap })
  const conn = dht.connect(writerKp.publicKey)
  conn.on('error', () => undefined)
  const svc = svcOpts === null
    ? null
    : new JoinService({ discoveryKey: NET, writerKey: svcOpts.writerKey ?? randomBytes(32), admit: () => Promise.resolve({ code: 'NOT_WRITABLE', message: '' }), settleMs: svcOpts.settleMs ?? 200 })
  clients.push({ dht, conn, svc })
  await withTimeout(once(conn, 'open'), 10_000, 'connection open')
  svc?.attach(conn)
  return { conn, svc }
}

/** A raw join channel (no JoinService) to send arbitrary bytes. */
async function rawChannel(conn: Connection): Promise<{ send: (b: Uint8Array) => void; replies: JoinReply[]; closed: Promise<void> }> {
  const replies: JoinReply[] = []
  let onOpen: () => void = () => undefined
  const opened = new Promise<void>((resolve) => { onOpen = resolve })
  let onClose: () => void = () => undefined
  const closed = new Promise<void>((resolve) => { onClose = resolve })
  const ch = muxOf(conn).createChannel({ protocol: JOIN_PROTOCOL, id: NET, onopen: () => onOpen(), onclose: () => onClose() })
  assert.ok(ch)
  const msg = ch.addMessage({ encoding: rawCodec })
  ch.addMessage({ encoding: rawCodec, onmessage: (b: Uint8Array) => { replies.push(decodeJoinReply(b)) } })
  ch.open()
  await withTimeout(opened, 5_000, 'join channel open')
  return { send: (b) => { msg.send(b) }, replies, closed }
}

test('ask: accepted, with the writer key and invite delivered', async () => {
  calls.length = 0
  handler = () => Promise.resolve({ code: 'ACCEPTED', message: 'welcome' })
  const key = randomBytes(32)
  const { svc } = await connect({ writerKey: key })
  assert.ok(svc)
  const invite = Buffer.from('cafe', 'hex')
  const stages: string[] = []
  const res = await svc.ask({ timeoutMs: 5_000, invite: () => invite, onProgress: (p) => stages.push(p.stage) })
  assert.equal(res.status, 'accepted')
  assert.deepEqual(res.reply, { code: 'ACCEPTED', message: 'welcome' })
  assert.equal(calls.length, 1)
  assert.deepEqual(calls[0]?.writerKey, key)
  assert.deepEqual(calls[0]?.invite, invite)
  assert.deepEqual(stages, ['asking', 'accepted'])
  // done() short-circuits
  assert.deepEqual(await svc.ask({ timeoutMs: 1_000, done: () => true }), { status: 'done' })
})

test('duplicates: two askers for one key share one admission', async () => {
  calls.length = 0
  // the admission is held open until the second ask has reached the writer (counted as a duplicate)
  const gate = deferred()
  handler = async () => {
    await gate.promise
    return { code: 'ACCEPTED', message: 'ok' }
  }
  const before = writer.stats.duplicates
  const key = randomBytes(32)
  const a = await connect({ writerKey: key })
  const b = await connect({ writerKey: key })
  assert.ok(a.svc && b.svc)
  const asks = Promise.all([a.svc.ask({ timeoutMs: 60_000 }), b.svc.ask({ timeoutMs: 60_000 })])
  await waitFor(() => writer.stats.duplicates > before, 30_000, 'the second ask reaching the writer')
  gate.resolve()
  const [ra, rb] = await asks
  assert.equal(ra.status, 'accepted')
  assert.equal(rb.status, 'accepted')
  assert.equal(calls.length, 1, 'add-writer decided once')
})

test('per-channel rate limit and in-flight duplicates', async () => {
  calls.length = 0
  // the admission stays in flight until all six requests were handled, however slowly they arrive
  const gate = deferred()
  handler = async () => {
    await gate.promise
    return { code: 'ACCEPTED', message: 'ok' }
  }
  const before = { ...writer.stats }
  const { conn } = await connect(null)
  const ch = await rawChannel(conn)
  const req = encodeJoinRequest({ writerKey: randomBytes(32), invite: Buffer.alloc(0) })
  for (let i = 0; i < 6; i++) ch.send(req)
  await waitFor(() => writer.stats.requests - before.requests === 6, 30_000, 'six requests handled')
  gate.resolve()
  await waitFor(() => ch.replies.length >= 3, 30_000, 'three replies', 20)
  assert.deepEqual(ch.replies.map((r) => r.code).sort(), ['ACCEPTED', 'RATE_LIMITED', 'RATE_LIMITED'])
  assert.equal(calls.length, 1)
  assert.equal(writer.stats.duplicates - before.duplicates, 3)
  assert.equal(writer.stats.rateLimited - before.rateLimited, 2)
  assert.equal(writer.stats.violations, before.violations)
})

test('garbage closes that channel with a logged error; the writer keeps serving', async () => {
  calls.length = 0
  handler = () => Promise.resolve({ code: 'ACCEPTED', message: 'ok' })
  const before = writer.stats.violations
  const { conn } = await connect(null)
  const ch = await rawChannel(conn)
  ch.send(Buffer.from([1, 2, 3]))
  await withTimeout(ch.closed, 5_000, 'channel closed by the writer')
  assert.deepEqual(ch.replies.map((r) => r.code), ['BAD_REQUEST'])
  assert.equal(writer.stats.violations, before + 1)
  const entry = log.entries.find((e) => e.level === 'error' && /protocol violation/.test(e.msg))
  assert.ok(entry)
  assert.equal(conn.destroyed, false)
  assert.equal(calls.length, 0)
  // the same connection is not served again on that channel; a fresh connection is
  const { svc } = await connect({})
  assert.ok(svc)
  assert.equal((await svc.ask({ timeoutMs: 5_000 })).status, 'accepted')
})

test('a final refusal from every peer: JoinRefusedError; no peers: JoinTimeoutError; close: E_JOIN_CLOSED', async () => {
  handler = () => Promise.resolve({ code: 'INVITE_REQUIRED', message: 'bring an invite' })
  const { svc } = await connect({ settleMs: 100 })
  assert.ok(svc)
  await assert.rejects(svc.ask({ timeoutMs: 5_000 }), (err: unknown) => {
    assert.ok(err instanceof JoinRefusedError)
    assert.equal(err.reason, 'INVITE_REQUIRED')
    assert.equal(err.reply?.message, 'bring an invite')
    return true
  })
  // NOT_ADMIN alone does not decide: keep waiting for the admin until the deadline
  handler = () => Promise.resolve({ code: 'NOT_ADMIN', message: 'ask the admin' })
  await assert.rejects(svc.ask({ timeoutMs: 700 }), (err: unknown) => err instanceof JoinTimeoutError && err.reason === 'NOT_ADMIN')

  const lonely = new JoinService({ discoveryKey: NET, writerKey: randomBytes(32), admit: () => Promise.resolve({ code: 'NOT_WRITABLE', message: '' }) })
  await assert.rejects(lonely.ask({ timeoutMs: 300 }), (err: unknown) => err instanceof JoinTimeoutError && err.reply === null)
  const pending = lonely.ask({ timeoutMs: 10_000 })
  lonely.close()
  await assert.rejects(pending, (err: unknown) => err instanceof JoinError && err.code === 'E_JOIN_CLOSED')
  lonely.close() // twice is safe
})
