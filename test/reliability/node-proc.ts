// A FavorNode in its own process for the reliability tests and the soak, driven over IPC (see
// harness.ts). Compared with src/demo/node-process.ts it also answers ledger audits, digests, raw
// appends, memory/fd figures, and it tells the parent which agreements it must attest each epoch (so a
// test can kill it, or the hoster it is about to challenge, at that moment).
import { readdirSync } from 'node:fs'
import { setFlagsFromString, getHeapStatistics, writeHeapSnapshot } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { FavorNode } from '../../src/node.js'
import { assignmentsFor, getAccount, getEpoch, listAgreements } from '../../src/ledger/index.js'
import { createLogger, sendIpcEvent, serveIpc } from '../../src/runtime/index.js'
import { blake2b } from '../../src/stack/index.js'
import { auditLedger, coreDigestLocal } from './audit.js'
import type { ProcConfig } from './harness.js'
import { ledgerDiag } from './ledger-diag.js'

let node: FavorNode | null = null
const baseWarnings: string[] = []
// Event-loop delay and CPU since the previous `mem` sample (diagnosis of stalls under load).
const eld = monitorEventLoopDelay({ resolution: 20 })
eld.enable()
let lastCpu = process.cpuUsage()
let lastCpuAt = performance.now()

// A full GC before a memory sample, so the soak measures retained memory, not garbage awaiting
// collection. The process is not started with --expose-gc (harness.ts forks it), so turn the flag on
// here and fetch `gc` from a fresh context (the flag only affects contexts created after it).
setFlagsFromString('--expose-gc')
const forceGc = runInNewContext('gc') as (() => void) | undefined

// Ledger updates this process saw (the `probe` command).
let ledgerUpdates = 0
interface CoreLike { key?: Buffer; sessions?: unknown[]; replicator?: { _ranges?: Array<{ blocks?: number[] | null; start: number; end: number }>; peers?: unknown[] } }

/** The download ranges still pending in each core's replicator (walked on every replication update). */
function pendingRanges(n: FavorNode): Array<{ key: string; ranges: number; blocks: number; peers: number }> {
  const out = []
  for (const core of (n.store as unknown as { cores: { map: Map<string, CoreLike> } }).cores.map.values()) {
    const rs = core.replicator?._ranges ?? []
    if (rs.length === 0) continue
    const blocks = rs.reduce((k, r) => k + (r.blocks ? r.end - r.start : 0), 0)
    out.push({ key: core.key?.toString('hex').slice(0, 8) ?? '?', ranges: rs.length, blocks, peers: core.replicator?.peers?.length ?? 0 })
  }
  return out
}

// Stalls of this process's own event loop over 1 s, each with the replication ranges pending when it
// resumed (the soak's probe; how F6 was found: docs/reliability.md)
const stalls: Array<{ ms: number; at: string; cores: string[] }> = []
let lastTick = performance.now()
setInterval(() => {
  const now = performance.now()
  const late = now - lastTick - 100
  lastTick = now
  if (late < 1000 || node === null) return
  const cores = pendingRanges(node).sort((x, y) => (y.ranges + y.blocks) * y.peers - (x.ranges + x.blocks) * x.peers)
  stalls.push({ ms: Math.round(late), at: new Date().toISOString(), cores: cores.slice(0, 4).map((c) => `${c.key}: ${c.ranges} ranges, ${c.blocks} listed blocks, ${c.peers} peers`) })
  if (stalls.length > 10) stalls.shift()
}, 100).unref()

async function open(c: ProcConfig): Promise<unknown> {
  const n = await FavorNode.create({
    dataDir: c.dataDir,
    name: c.name,
    bootstrap: c.bootstrap,
    ...(c.host !== undefined ? { host: c.host } : {}),
    networkKey: c.networkKey,
    ...(c.params ? { params: c.params } : {}),
    ...(c.hoster ? { hoster: c.hoster } : {}),
    roles: { attestor: c.attestor !== false },
    epochMs: c.epochMs,
    ...(process.env.FAVOR_BEE_CACHE_ENTRIES !== undefined ? { beeCacheEntries: Number(process.env.FAVOR_BEE_CACHE_ENTRIES) } : {}),
    challenge: { deadlineMs: c.deadlineMs ?? 1500, connectTimeoutMs: c.connectTimeoutMs ?? 1500, concurrency: c.concurrency ?? 4 },
    log: createLogger({ prefix: c.name, level: 'error' })
  })
  node = n
  n.ledger.on('update', () => { ledgerUpdates++ })
  // Autobase's own warnings and errors, the last few, for `diag`
  const note = (what: string) => (err: Error): void => {
    baseWarnings.push(`${new Date().toISOString()} ${what} ${err.message}`)
    if (baseWarnings.length > 20) baseWarnings.shift()
  }
  n.ledger.base.on('warning', note('warning'))
  n.ledger.base.on('error', note('error'))
  n.ledger.on('diverged', (d) => { baseWarnings.push(`${new Date().toISOString()} diverged ${JSON.stringify(d)}`) })
  n.on('challenge', (data) => sendIpcEvent('challenge', data))
  n.on('warning', (err) => sendIpcEvent('warning', err.message))
  n.on('epoch', (info) => {
    // when this node's view first showed the epoch (wall clock: comparable across the soak's processes)
    sendIpcEvent('epoch', { ...info, seenAt: Date.now() })
    if (info.epoch < 1 || c.assignedEvents !== true) return
    void (async () => {
      const mine = await assignmentsFor(n.ledger.kv, n.account, info.epoch)
      const rec = await getEpoch(n.ledger.kv, info.epoch)
      sendIpcEvent('assigned', { epoch: info.epoch, agreements: mine.map((a) => a.agreement.id), hosters: mine.map((a) => a.agreement.hoster), ticked: rec?.ticks.map((t) => t.indexer) ?? [] })
    })().catch(() => undefined)
  })
  return { pid: process.pid, account: n.account, nodeKey: n.nodeKey, networkKey: n.networkKey }
}

function loopFigures(): { eldMaxMs: number; eldP99Ms: number; cpuPct: number } {
  const cpu = process.cpuUsage(lastCpu)
  const now = performance.now()
  const out = { eldMaxMs: eld.max / 1e6, eldP99Ms: eld.percentile(99) / 1e6, cpuPct: ((cpu.user + cpu.system) / 1000 / Math.max(1, now - lastCpuAt)) * 100 }
  eld.reset()
  lastCpu = process.cpuUsage()
  lastCpuAt = now
  return out
}

async function handle(cmd: string, args: Record<string, unknown>): Promise<unknown> {
  if (cmd === 'open') return open(args.config as ProcConfig)
  if (cmd === 'mem') {
    // One full (mark-compact) GC: enough to drop garbage; cheap enough (tens of ms) once an epoch.
    if (args.gc === true && forceGc !== undefined) forceGc()
    const m = process.memoryUsage()
    const h = getHeapStatistics()
    return {
      rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers,
      mallocedMemory: h.malloced_memory, nativeContexts: h.number_of_native_contexts, gc: args.gc === true && forceGc !== undefined,
      fds: readdirSync('/proc/self/fd').length,
      ...loopFigures()
    }
  }
  if (cmd === 'probe' && node !== null) {
    // Sizes of internal structures that could grow without bound (the F2 investigation): corestore
    // cores and sessions, the ledger view's Hyperbee caches (rache), listeners, connections.
    interface RacheLike { size: number; _array?: unknown[] }
    interface StoreLike { cores: { size: number; map: Map<string, CoreLike> }; sessions: { size: number } }
    interface BeeLike { _nodeCache?: { keys: RacheLike } | null; _keyCache?: { keys: RacheLike } | null }
    const st = node.store as unknown as StoreLike
    const bee = node.ledger.view as unknown as BeeLike
    let sessions = 0
    for (const core of st.cores.map.values()) sessions += core.sessions?.length ?? 0
    const pending = pendingRanges(node)
    return {
      cores: st.cores.size,
      coreSessions: sessions,
      ranges: pending.reduce((k, c) => k + c.ranges, 0),
      maxRangesOnACore: Math.max(0, ...pending.map((c) => c.ranges)),
      rangeBlocks: pending.reduce((k, c) => k + c.blocks, 0),
      storeSessions: st.sessions.size,
      beeNodeCache: bee._nodeCache?.keys.size ?? -1,
      beeKeyCache: bee._keyCache?.keys.size ?? -1,
      beeCacheArray: bee._nodeCache?.keys._array?.length ?? -1,
      ledgerListeners: Object.fromEntries(node.ledger.eventNames().map((e) => [String(e), node?.ledger.listenerCount(e) ?? 0])),
      swarmConnections: node.swarm.connections.size,
      challenges: node.recentChallenges().length,
      // ledger updates and tasks run since the start (how often reconcile and the roles wake)
      ledgerUpdates,
      stalls,
      viewKey: node.ledger.view.core.key.toString('hex').slice(0, 8),
      systemKey: node.ledger.base.system?.core.key.toString('hex').slice(0, 8) ?? null,
      tasks: (await node.status()).runtime.tasks.counters,
      // RocksDB's own counters (cumulative): how many reads and writes this node's storage did
      db: (node.store as unknown as { storage?: { rocks?: { _state?: { stats?: unknown } } } }).storage?.rocks?._state?.stats ?? null
    }
  }
  if (cmd === 'heapSnapshot') {
    forceGc?.()
    return writeHeapSnapshot(String(args.file))
  }
  if (node === null) throw new Error('node not open')
  const n = node
  switch (cmd) {
    case 'admit':
      await n.admit(String(args.account), { indexer: args.indexer === true })
      return true
    case 'waitWritable':
      await n.waitWritable(Number(args.timeoutMs ?? 30_000))
      return true
    case 'publishSample': {
      const core = await n.localCore(String(args.name))
      if (core.length === 0) {
        const batch: Buffer[] = []
        for (let i = 0; i < Number(args.blocks); i++) batch.push(Buffer.alloc(Number(args.blockSize), `${String(args.name)}-${i}|`))
        await core.append(batch)
      }
      const { requestId } = await n.publishCore(core, { replicas: Number(args.replicas) })
      return { requestId, coreKey: core.key.toString('hex'), length: core.length, digest: await coreDigestLocal(n, core.key.toString('hex')) }
    }
    case 'coreDigest':
      return coreDigestLocal(n, String(args.coreKey))
    case 'ledgerInfo': {
      // cheap figures for waiting on finality (an audit digests the whole view)
      await n.ledger.update()
      const b = n.ledger.base
      return { finalVersion: n.ledger.finalVersion, viewLength: b.view.core.length, viewSigned: b.view.core.signedLength, indexedLength: b.indexedLength, fastForwards: n.ledger.fastForwards, repairs: n.ledger.repairs, writable: b.writable, isIndexer: b.isIndexer, connections: n.swarm.connections.size }
    }
    case 'diag':
      return ledgerDiag(n.ledger, baseWarnings)
    case 'viewEntries': {
      // the view's entries by seq [from, to): key and the start of the value (digest mismatch diagnosis)
      const bee = n.ledger.view as unknown as { getBySeq(seq: number, opts: { timeout: number }): Promise<{ key: string; value: Buffer | null } | null> }
      const out: string[] = []
      for (let i = Math.max(1, Number(args.from)); i < Math.min(Number(args.to), n.ledger.view.core.length); i++) {
        // a block this node lacks (a fast-forwarded view is sparse) is fetched from peers
        const e = await bee.getBySeq(i, { timeout: 5000 }).catch((err: unknown) => ({ key: `(${String(err)})`, value: null }))
        out.push(e === null ? `${i} absent` : `${i} ${e.key} ${e.value === null ? '(deleted)' : e.value.toString().slice(0, 160)}`)
      }
      return out
    }
    case 'viewBlocks': {
      // the view core's raw blocks [from, to): short hashes, or whole (hex) with `raw` (digest mismatch diagnosis)
      const core = n.ledger.view.core
      const out: string[] = []
      for (let i = Number(args.from); i < Math.min(Number(args.to), core.length); i++) {
        const b = await core.get(i, { timeout: 5000 }).catch(() => null)
        out.push(b === null ? 'absent' : args.raw === true ? b.toString('hex') : blake2b(b).toString('hex').slice(0, 16))
      }
      return out
    }
    case 'audit':
      await n.ledger.update()
      return auditLedger(n.ledger, typeof args.version === 'number' ? args.version : undefined)
    case 'verify':
      return n.verifyLedger(Number(args.timeoutMs ?? 60_000))
    case 'agreements':
      return listAgreements(n.ledger.kv)
    case 'account':
      return { balance: await n.balance(String(args.account)), account: await getAccount(n.ledger.kv, String(args.account)) }
    case 'mirrors':
      return n.mirrors()
    case 'withdraw':
      await n.withdraw()
      return true
    case 'close':
      await n.close()
      setImmediate(() => process.exit(0))
      return true
    default:
      throw new Error(`unknown command ${cmd}`)
  }
}

serveIpc(handle, () => node?.close() ?? Promise.resolve())
