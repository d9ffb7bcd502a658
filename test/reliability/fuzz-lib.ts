// Bounded, seeded fuzzers against LIVE components: the ledger inside a real Autobase (two members on a
// loopback swarm), a live ChallengeResponder (the hoster side of favor/challenge/2), and the live HTTP
// API over a real FavorNode. Used by fuzz.test.ts (small counts, part of `npm test`) and fuzz-cli.ts
// (`npm run fuzz -- --ledger N --challenge N --api N --seed S`).
import { once } from 'node:events'
import { ApiServer } from '../../src/api/index.js'
import { Ledger, OP_TAGS, Prng, encodeOp, getRejected, type AppliedInfo } from '../../src/ledger/index.js'
import { FavorNode } from '../../src/node.js'
import { challengeWire, createChallengeChannel, encodeWire, pingWire, runChallenge } from '../../src/protocol/index.js'
import type { MessageType } from '../../src/protocol/index.js'
import { TestNetwork } from '../harness/network.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'
import { WaitTimeoutError, waitFor, withTimeout } from '../harness/wait.js'
import { bytes, randomOp } from '../ledger/gen.js'
import { testParams } from '../ledger/helpers.js'
import { challengeOptions, makeWorld, publishTo, startHoster, startNet } from '../protocol/helpers.js'

function mutate(p: Prng, enc: Buffer): Buffer {
  const b = Buffer.from(enc)
  if (b.length === 0) return bytes(p, 1 + p.uniform(8))
  switch (p.uniform(6)) {
    case 0: b[p.uniform(b.length)] = p.uniform(256); return b
    case 1: return b.subarray(0, p.uniform(b.length))
    case 2: return Buffer.concat([b, bytes(p, 1 + p.uniform(8))])
    case 3: b[0] = p.uniform(256); return b
    case 4: if (b.length > 1) b[1] = p.uniform(20); return b
    default: return Buffer.concat([b.subarray(0, p.uniform(b.length)), bytes(p, 1 + p.uniform(16)), b.subarray(p.uniform(b.length))])
  }
}

// --- ledger ------------------------------------------------------------------------------------

export interface LedgerFuzzResult {
  ops: number
  /** Empty values: no-ops on every node by design (Autobase treats them as acks). */
  empty: number
  accepted: number
  rejected: number
  /** Rejections whose reason says the contract itself failed (a bug): must be 0. */
  internal: string[]
  /** Ops that are neither accepted nor recorded under rejected/<opId>: must be 0. */
  unrecorded: number
  digests: string[]
  ms: number
}

/** An admitted (non-indexer) writer appends `count` garbage / mutated / random ops; both members converge. */
export async function fuzzLedger(count: number, seed: string, opts: { addWriter?: boolean } = {}): Promise<LedgerFuzzResult> {
  const started = Date.now()
  const net = await TestNetwork.create({ peers: ['fz-admin', 'fz-writer'] })
  const ledgers: Ledger[] = []
  try {
    const admin = await Ledger.open({ store: net.peer('fz-admin').store, bootstrap: null, ackIntervalMs: 300 })
    ledgers.push(admin)
    net.peer('fz-admin').swarm.join(admin.discoveryKey, { server: true, client: true })
    await admin.append({ type: 'init-network', time: Date.now(), params: testParams() })
    const writer = await Ledger.open({ store: net.peer('fz-writer').store, bootstrap: admin.key, ackIntervalMs: 300 })
    ledgers.push(writer)
    net.peer('fz-writer').swarm.join(writer.discoveryKey, { server: true, client: true })
    await admin.append({ type: 'add-writer', time: Date.now(), writerKey: writer.writerKey, indexer: false })
    await waitFor(async () => { await writer.update(); return writer.writable }, 30_000, 'the fuzzing writer admitted', 50)
    const last = new Map<string, AppliedInfo['result']>()
    admin.on('applied', (info) => { if (info.writer === writer.account) last.set(info.opId, info.result) })
    const p = Prng.from(seed)
    // Accepted add-writer ops admit random keys (harmless but noisy); left out unless opts.addWriter.
    const types = Object.keys(OP_TAGS).filter((t) => opts.addWriter === true || t !== 'add-writer')
    const valid = (): Buffer => {
      for (;;) {
        const op = randomOp(p)
        if (opts.addWriter === true || op.type !== 'add-writer') return encodeOp(op)
      }
    }
    const base0 = writer.base.local.length
    // Empty values are acks to Autobase on other nodes, so the binding skips them everywhere: no record.
    const empty = new Set<string>()
    for (let i = 0; i < count; i += 100) {
      const batch: Buffer[] = []
      for (let j = i; j < Math.min(count, i + 100); j++) {
        const kind = j % 4
        if (kind === 0) batch.push(bytes(p, p.uniform(300)))
        else if (kind === 1) batch.push(mutate(p, valid()))
        else if (kind === 2) batch.push(encodeOp(randomOp(p, types[j % types.length] as never)))
        else batch.push(Buffer.concat([valid(), bytes(p, p.uniform(4))]))
      }
      batch.forEach((b, k) => { if (b.byteLength === 0) empty.add(`${writer.account}:${writer.base.local.length + k}`) })
      await writer.base.append(batch)
    }
    const end = writer.base.local.length
    await waitFor(async () => {
      await admin.update()
      await writer.update()
      if (admin.base.length !== writer.base.length) return false
      for (let s = base0; s < end; s++) if (!last.has(`${writer.account}:${s}`) && !empty.has(`${writer.account}:${s}`)) return false
      return admin.finalVersion === admin.view.version && writer.finalVersion >= admin.finalVersion
    }, 60_000, 'both members to linearise and finalise every fuzzed op', 100).catch((err: unknown) => {
      let missing = 0
      for (let s = base0; s < end; s++) if (!last.has(`${writer.account}:${s}`) && !empty.has(`${writer.account}:${s}`)) missing++
      throw new Error(`${String(err)}: lengths ${admin.base.length}/${writer.base.length}, final ${admin.finalVersion}/${writer.finalVersion}, view ${admin.view.version}, not applied ${missing} of ${end - base0}`)
    })
    const version = admin.finalVersion
    const digests = [(await admin.digest(version)).digest, (await writer.digest(version)).digest]
    let accepted = 0
    let rejected = 0
    let unrecorded = 0
    const internal: string[] = []
    for (let s = base0; s < end; s++) {
      const opId = `${writer.account}:${s}`
      if (empty.has(opId)) continue
      const rec = await getRejected(admin.kv, opId)
      const res = last.get(opId)
      if (rec !== null && rec.reason !== '') {
        rejected++
        if (rec.reason.startsWith('internal')) internal.push(`${opId}: ${rec.reason}`)
      } else if (res?.ok === true) accepted++
      else unrecorded++
    }
    return { ops: end - base0, empty: empty.size, accepted, rejected, internal, unrecorded, digests, ms: Date.now() - started }
  } finally {
    for (const l of ledgers) await l.close()
    await net.close()
  }
}

// --- challenge protocol ------------------------------------------------------------------------

export interface ChallengeFuzzResult {
  cases: number
  answered: number
  errorReplies: number
  closedByHoster: number
  silent: number
  violations: number
  honestAfter: string
  ms: number
}

export async function fuzzChallenge(count: number, seed: string): Promise<ChallengeFuzzResult> {
  const started = Date.now()
  const dir = await makeTempDir('fuzz-challenge')
  const { testnet, attestor } = await startNet()
  const world = makeWorld('fuzz')
  const hoster = await startHoster(testnet.bootstrap, dir, 'fuzz', world)
  try {
    const LENGTH = 64
    const core = await publishTo(hoster, dir, 'fuzz', LENGTH, 1024)
    world.agreements.set(1, { coreKey: core.key, length: LENGTH, samples: 8, fork: 0 })
    const p = Prng.from(seed)
    // a well-formed challenge: for the known agreement and epoch most of the time, else refused
    const good = (): Buffer => encodeWire(challengeWire, {
      agreementId: p.uniform(3) === 0 ? p.uniform(1000) : 1, epoch: p.uniform(4) === 0 ? p.uniform(1000) : world.currentEpoch,
      attestorKey: bytes(p, 32), nonce: bytes(p, 32)
    })
    let answered = 0
    let errorReplies = 0
    let closedByHoster = 0
    let silent = 0
    const one = async (i: number): Promise<void> => {
      const kind = i % 8
      let msgs: Buffer[]
      let type: MessageType = 'challenge'
      if (kind === 0) msgs = [bytes(p, p.uniform(200))]
      else if (kind === 1) msgs = [good().subarray(0, p.uniform(40))]
      else if (kind === 2) msgs = [Buffer.alloc(1024 + p.uniform(64 * 1024), p.uniform(256))]
      else if (kind === 3) msgs = [mutate(p, good())]
      else if (kind === 4) msgs = Array.from({ length: 2 + p.uniform(8) }, () => good())
      else if (kind === 5) msgs = [Buffer.concat([good(), bytes(p, 1 + p.uniform(4))])]
      else if (kind === 6 && p.uniform(3) === 0) {
        // bytes too short for any intent (it needs 34 or more): always malformed
        type = 'intent'
        msgs = [bytes(p, 1 + p.uniform(12))]
      } else if (kind === 6) {
        type = 'ping'
        msgs = [p.uniform(2) === 0 ? encodeWire(pingWire, { seq: p.uniform(100) }) : bytes(p, 1 + p.uniform(12))]
      } else msgs = [good()]
      // a real hyperdht (secret-stream) connection per case: the hoster destroys it on a violation
      const a = attestor.connect(hoster.keyPair.publicKey)
      a.on('error', () => undefined)
      await withTimeout(once(a, 'open'), 5000, 'fuzz connection')
      let replies = 0
      let done = false
      const ch = createChallengeChannel(a, {
        pong: () => { replies++; done = true },
        item: () => { replies++ },
        receipt: () => { replies++; done = true; answered++ },
        refusal: () => { replies++; done = true; errorReplies++ }
      })
      if (ch === null) throw new Error('no channel')
      ch.channel.open()
      await waitFor(() => ch.channel.opened || ch.channel.closed, 2000, 'fuzz channel open', 1)
      for (const m of msgs) ch.send[type].send(m)
      // every case must end in a reply or a close (the test asserts none is silent): wait for that event,
      // bounded generously, since a loaded machine may take well over a second to answer
      try {
        await waitFor(() => done || a.destroyed, 30_000, 'a reply or a close', 2)
      } catch (err) {
        if (!(err instanceof WaitTimeoutError)) throw err
      }
      if (a.destroyed) closedByHoster++
      else if (replies === 0) silent++
      a.destroy()
    }
    for (let i = 0; i < count; i += 8) {
      await Promise.all(Array.from({ length: Math.min(8, count - i) }, (_, j) => one(i + j)))
    }
    // the hoster keeps serving an honest challenge over a real hyperdht connection afterwards
    const honest = await runChallenge(challengeOptions(world, attestor, hoster, 1, { deadlineMs: 2000 }))
    return { cases: count, answered, errorReplies, closedByHoster, silent, violations: hoster.responder.stats.violations, honestAfter: honest.outcome, ms: Date.now() - started }
  } finally {
    await hoster.close()
    await attestor.destroy()
    await testnet.destroy()
    await removeDir(dir)
  }
}

// --- HTTP API ----------------------------------------------------------------------------------

export interface ApiFuzzResult {
  requests: number
  byStatus: Record<string, number>
  /** Responses ≥ 500, non-JSON error bodies, or requests that failed at the socket: must be empty. */
  bad: string[]
  aliveAfter: boolean
  ms: number
}

export function randomJson(p: Prng, depth = 0): unknown {
  switch (p.uniform(depth > 2 ? 6 : 8)) {
    case 0: return null
    case 1: return p.uniform(2) === 1
    case 2: return [0, -1, 1e308, -1e-9, 2 ** 53 + 1, 1.5, Number.MAX_SAFE_INTEGER][p.uniform(7)]
    case 3: return bytes(p, p.uniform(40)).toString('hex')
    case 4: return ['', 'x', '1', '-5', '1e3', '00', 'ä', '\u0000', '0x10', '99999999999999999999999999'][p.uniform(10)]
    case 5: return 'a'.repeat(p.uniform(3000))
    case 6: return Array.from({ length: p.uniform(5) }, () => randomJson(p, depth + 1))
    default: {
      const keys = ['cid', 'name', 'meta', 'replicas', 'origins', 'to', 'amount', 'capacityBytes', 'group', 'writerKey', 'indexer', 'maxPrice', 'until', '__proto__', 'constructor']
      const o: Record<string, unknown> = {}
      // defineProperty, not `o[k] = v`: assigning '__proto__' would swap the prototype (even to null, which
      // then broke String()) and never reach the wire; an own property is sent as a real "__proto__" key
      for (let i = p.uniform(6); i > 0; i--) {
        Object.defineProperty(o, keys[p.uniform(keys.length)] as string, { value: randomJson(p, depth + 1), enumerable: true, writable: true, configurable: true })
      }
      return o
    }
  }
}

export async function fuzzApi(count: number, seed: string): Promise<ApiFuzzResult> {
  const started = Date.now()
  const net = await TestNetwork.create()
  const dir = await makeTempDir('fuzz-api')
  let node: FavorNode | null = null
  let api: ApiServer | null = null
  try {
    node = await FavorNode.create({ dataDir: dir, name: 'fuzz-api', bootstrap: net.bootstrap, epochMs: 2000, params: { epochSeconds: 3600 } })
    api = new ApiServer({ service: node, dataDir: dir })
    const url = await api.listen()
    const token = api.token
    const own = await node.localCore('fuzz')
    await own.append([Buffer.from('x')])
    const p = Prng.from(seed)
    const routes: [string, string][] = [
      ['POST', '/pins'], ['POST', '/pins/:id'], ['DELETE', '/pins/:id'], ['GET', '/pins/:id'], ['GET', '/pins'], ['POST', '/offer'],
      ['POST', '/transfer'], ['POST', '/sponsor'], ['POST', '/writers'], ['GET', '/accounts/:id'], ['GET', '/agreements/:id'], ['GET', '/epochs/:n'],
      ['GET', '/agreements'], ['GET', '/reports'], ['GET', '/history'], ['PUT', '/pins'], ['PATCH', '/offer'], ['POST', '/nope']
    ]
    const ids = ['1', '0', '-1', '999999999999', 'abc', '1e5', '%00', '..%2f..', '9'.repeat(400), own.key.toString('hex')]
    const queries = ['', '?limit=0', '?limit=-1', '?limit=abc', '?cid=zz', '?status=nope', '?before=x', '?limit=100000', '?cid=' + 'a'.repeat(5000)]
    const byStatus: Record<string, number> = {}
    const bad: string[] = []
    for (let i = 0; i < count; i++) {
      const [method, pattern] = routes[p.uniform(routes.length)] as [string, string]
      const path = pattern.replace(/:id|:n/, encodeURIComponent(ids[p.uniform(ids.length)] as string).replace(/%25/g, '%')) + (method === 'GET' ? queries[p.uniform(queries.length)] as string : '')
      const bodyKind = p.uniform(10)
      let body: string | Buffer | undefined
      let ctype = 'application/json'
      if (method !== 'GET') {
        if (bodyKind < 5) body = JSON.stringify(randomJson(p))
        else if (bodyKind === 5) body = bytes(p, p.uniform(500))
        else if (bodyKind === 6) { body = 'cid=abc&x=1'; ctype = 'application/x-www-form-urlencoded' }
        else if (bodyKind === 7) body = '{"cid": "' + own.key.toString('hex') + '", "replicas": ' + JSON.stringify(randomJson(p)) + '}'
        else if (bodyKind === 8) body = JSON.stringify(randomJson(p)).slice(0, p.uniform(30))
        else if (i % 50 === 8) body = Buffer.alloc(200 * 1024 + p.uniform(2 * 1024 * 1024), 0x7b) // huge
      }
      const headers: Record<string, string> = { 'content-type': ctype }
      if (p.uniform(8) !== 0) headers.authorization = `Bearer ${token}`
      try {
        const res = await fetch(url + path, { method, headers, ...(body !== undefined ? { body } : {}) })
        const text = await res.text()
        byStatus[res.status] = (byStatus[res.status] ?? 0) + 1
        if (headers.authorization === undefined && res.status !== 401) bad.push(`${method} ${path} without the token → ${res.status} (expected 401)`)
        else if (res.status >= 500) bad.push(`${method} ${path} ${String(body).slice(0, 120)} → ${res.status} ${text.slice(0, 200)}`)
        else if (res.status >= 400) {
          let ok = false
          try { ok = typeof (JSON.parse(text) as { error?: { reason?: unknown } }).error?.reason === 'string' } catch { ok = false }
          if (!ok && method !== 'HEAD') bad.push(`${method} ${path} → ${res.status} non-JSON error: ${text.slice(0, 120)}`)
        }
      } catch (err) {
        bad.push(`${method} ${path} (${body === undefined ? 0 : body.length} bytes): ${(err as Error).message} ${String((err as { cause?: unknown }).cause)}`)
      }
    }
    const status = await withTimeout(fetch(url + '/status', { headers: { authorization: `Bearer ${token}` } }), 5000, 'status after fuzz')
    const aliveAfter = status.status === 200
    await status.text()
    return { requests: count, byStatus, bad, aliveAfter, ms: Date.now() - started }
  } finally {
    await api?.close()
    await node?.close()
    await net.close()
    await removeDir(dir)
  }
}

