// Soak: N real node processes (default 12: 1 indexer, 2 publishers, 9 hosters; every node attests),
// C hosted cores (default 50, 2 replicas each), E epochs (default 30) after all agreements are active.
// Prints per node, every epoch: RSS, retained V8 heap (heapUsed right after a forced full GC) and
// external memory (MiB), and open fds (/proc/<pid>/fd); and challenge outcomes per epoch. Exits 1 if
// any (honest) hoster fails a challenge, if the ledger audit finds a violation or the nodes disagree on
// the digest, or if memory/fds are not flat. Flat = judged on the second half of the run only (the
// first half is warm-up: the store-wide Hyperbee cache, connections and the DHT routing table fill), per
// node, by the least-squares slope over those epochs:
//   retained heap + external           ≤ HEAP_SLOPE MiB/epoch,
//   RSS − WAL_FACTOR × RocksDB WAL bytes ≤ RSS_SLOPE MiB/epoch  (the memtable, see walBytes),
//   max fds ≤ min fds + FDS_SPREAD.
// (A slope, not an end/start ratio: a ratio is broken by warm-up alone, a slope over the settled half
// is not, while a leak of even a few KiB per challenge shows as a steady positive slope.)
//
//   npm run soak -- [--nodes 12] [--cores 50] [--epochs 30] [--epoch-ms 4000] [--json out.json]
//                   [--heap-snapshots DIR --snapshot-nodes idx,h1 --snapshot-epochs 5,25] [--probe]
// (--probe prints internal sizes of the --snapshot-nodes every epoch; FAVOR_BEE_CACHE_ENTRIES=N in the
// environment overrides the nodes' store-wide Hyperbee cache size, see src/node.ts.)
import { readdir, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import type { ChallengeRecord } from '../../src/node.js'
import { waitFor } from '../harness/wait.js'
import type { LedgerAudit } from './audit.js'
import { show, type RelProc } from './harness.js'
import { MiB, ProcNet, REL_PARAMS, auditAll } from './common.js'

interface Sample { epoch: number; rss: number; heap: number; external: number; wal: number; fds: number }
interface Mem { rss: number; heapUsed: number; external: number; gc: boolean; eldMaxMs?: number; cpuPct?: number }

/** Bounds on the second-half slopes (MiB per epoch). */
const HEAP_SLOPE_MIB = 0.25
const RSS_SLOPE_MIB = 0.5
/** RSS per WAL byte allowed for the memtable (skiplist nodes and arena around each record). */
const WAL_FACTOR = 2
const FDS_SPREAD = 8

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '12' },
    cores: { type: 'string', default: '50' },
    epochs: { type: 'string', default: '30' },
    'epoch-ms': { type: 'string', default: '4000' },
    json: { type: 'string' },
    'heap-snapshots': { type: 'string' },
    'snapshot-nodes': { type: 'string', default: 'idx,h1' },
    'snapshot-epochs': { type: 'string', default: '' },
    probe: { type: 'boolean', default: false }
  }
})
const NODES = Math.max(5, Number(values.nodes))
const CORES = Number(values.cores)
const EPOCHS = Number(values.epochs)
const EPOCH_MS = Number(values['epoch-ms'])
const mb = (b: number): string => (b / MiB).toFixed(1)
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)
/** Least-squares slope of ys over xs. */
function slope(xs: number[], ys: number[]): number {
  const mx = mean(xs)
  const my = mean(ys)
  let num = 0
  let den = 0
  for (let i = 0; i < xs.length; i++) {
    num += ((xs[i] as number) - mx) * ((ys[i] as number) - my)
    den += ((xs[i] as number) - mx) ** 2
  }
  return den === 0 ? 0 : num / den
}
/**
 * Bytes in the RocksDB write-ahead logs of a node's store: the data in its memtables, which RocksDB
 * keeps in memory until a memtable reaches write_buffer_size (64 MiB with hypercore-storage's
 * defaults) and is flushed. Part of RSS that grows with every write until then, by design.
 */
async function walBytes(dataDir: string): Promise<number> {
  const db = path.join(dataDir, 'store', 'db')
  let total = 0
  for (const f of await readdir(db).catch(() => [])) if (f.endsWith('.log')) total += (await stat(path.join(db, f)).catch(() => ({ size: 0 }))).size
  return total
}
const SNAP_DIR = values['heap-snapshots']
const SNAP_NODES = new Set((values['snapshot-nodes'] ?? '').split(',').filter((x) => x !== ''))
const SNAP_EPOCHS = new Set((values['snapshot-epochs'] ?? '').split(',').filter((x) => x !== '').map(Number))

async function main(): Promise<number> {
  const started = Date.now()
  const net = await ProcNet.create('soak', { epochMs: EPOCH_MS, params: { ...REL_PARAMS, attestors: 2, samples: 8, failingEpochsToRepair: 3, heldBackEpochs: 6 } })
  const challenges: ChallengeRecord[] = []
  const samples = new Map<string, Sample[]>()
  const failures: string[] = []
  const snapped = new Set<string>()
  try {
    const extra = { deadlineMs: 2500, connectTimeoutMs: 2500, concurrency: 4 }
    await net.add({ name: 'idx', indexer: true }, extra)
    const pubs: RelProc[] = []
    for (let i = 1; i <= 2; i++) pubs.push(await net.add({ name: `p${i}` }, extra))
    for (let i = 1; i <= NODES - 3; i++) await net.add({ name: `h${i}`, hoster: { capacityBytes: 256 * MiB } }, extra)
    for (const p of net.procs.values()) p.on('challenge', (c) => challenges.push(c))
    console.log(`soak: ${net.procs.size} node processes up in ${((Date.now() - started) / 1000).toFixed(1)} s; publishing ${CORES} cores × 2 replicas`)
    for (let c = 0; c < CORES; c++) {
      await (pubs[c % pubs.length] as RelProc).call('publishSample', { name: `soak-${c}`, blocks: 32, blockSize: 4096, replicas: 2 }, 60_000)
    }
    const idx = net.get('idx')
    await waitFor(async () => (await idx.call<LedgerAudit>('audit')).agreements.filter((a) => a.state === 'active').length >= CORES * 2,
      CORES * 3000 + 60_000, `${CORES * 2} active agreements`, 1000)
    const e0 = (await idx.call<LedgerAudit>('audit')).epoch
    console.log(`soak: all ${CORES * 2} agreements active at epoch ${e0} (${((Date.now() - started) / 1000).toFixed(1)} s); running ${EPOCHS} epochs of ${EPOCH_MS} ms`)
    console.log('epoch  challenges pass other  | per node: RSS / retained heap / external / RocksDB WAL (MiB) / fds')
    let last = e0
    // the indexer's epoch events, not a poll of `audit` (which digests the whole view: polled every
    // 500 ms it was a load of its own on the indexer, the node every epoch waits for)
    let current = e0
    idx.on('epoch', (info: { epoch: number }) => { current = Math.max(current, info.epoch) })
    const deadline = Date.now() + EPOCHS * EPOCH_MS * 3 + 60_000
    while (last < e0 + EPOCHS && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250))
      const e = current
      if (e === last) continue
      last = e
      const cols: string[] = []
      const loopCols: string[] = []
      for (const p of net.procs.values()) {
        const m = await p.call<Mem>('mem', { gc: true }, 10_000)
        if (!m.gc) throw new Error(`${p.name}: cannot force a GC before sampling`)
        const f = await p.procFigures()
        const s = { epoch: e, rss: f.rssBytes, heap: m.heapUsed, external: m.external, wal: await walBytes(p.config.dataDir), fds: f.fds }
        samples.set(p.name, [...(samples.get(p.name) ?? []), s])
        cols.push(`${p.name} ${mb(s.rss)}/${mb(s.heap)}/${mb(s.external)}/${mb(s.wal)}/${s.fds}`)
        if (process.env.SOAK_LOOP === '1') loopCols.push(`${p.name} ${Math.round(m.eldMaxMs ?? -1)}ms/${Math.round(m.cpuPct ?? -1)}%`)
        const snapAt = [...SNAP_EPOCHS].find((x) => x <= e - e0 && !snapped.has(`${p.name}@${x}`))
        if (values.probe === true && SNAP_NODES.has(p.name)) console.log(`probe ${p.name} epoch ${e}: ${show(await p.call('probe', {}, 10_000))}`)
        if (SNAP_DIR !== undefined && SNAP_NODES.has(p.name) && snapAt !== undefined) {
          snapped.add(`${p.name}@${snapAt}`)
          const file = await p.call<string>('heapSnapshot', { file: `${SNAP_DIR}/${p.name}-run${snapAt}.heapsnapshot` }, 120_000)
          console.log(`heap snapshot: ${file}`)
        }
      }
      const ep = challenges.filter((c) => c.epoch === e - 1)
      const bad = ep.filter((c) => c.outcome !== 'pass')
      console.log(`${String(e - 1).padStart(5)}  ${String(ep.length).padStart(10)} ${String(ep.length - bad.length).padStart(4)} ${String(bad.length).padStart(5)}  | ${cols.join('  ')}`)
      if (loopCols.length > 0) console.log(`       loop: max event-loop delay / CPU since last sample: ${loopCols.join('  ')}`)
    }
    if (last < e0 + EPOCHS) failures.push(`only reached epoch ${last} of ${e0 + EPOCHS}`)
    const inRun = challenges.filter((c) => c.epoch > e0 && c.epoch <= e0 + EPOCHS)
    const failed = inRun.filter((c) => c.outcome !== 'pass')
    for (const c of failed.slice(0, 20)) failures.push(`honest hoster failed: epoch ${c.epoch} agreement ${c.agreementId} ${c.outcome} ${c.errorCode ?? ''} ${c.latencyMs} ms`)
    if (failed.length > 20) failures.push(`… ${failed.length - 20} more failed challenges`)
    const lat = inRun.map((c) => c.latencyMs).sort((a, b) => a - b)
    console.log(`challenges in the ${EPOCHS} epochs: ${inRun.length}, pass ${inRun.length - failed.length}, other ${failed.length}; latency p50 ${lat[Math.floor(lat.length / 2)] ?? 0} ms, p99 ${lat[Math.floor(lat.length * 0.99)] ?? 0} ms`)
    // flat memory / fds: the trend over the second half of the run
    console.log(`flatness over the second half (slopes per epoch; bounds: heap+external ${HEAP_SLOPE_MIB} MiB, RSS − ${WAL_FACTOR} × WAL ${RSS_SLOPE_MIB} MiB, fds spread ${FDS_SPREAD})`)
    console.log(`node   RSS first→mid→end MiB   heap first→mid→end MiB   WAL first→end MiB   heap+ext slope KiB/ep   RSS slope KiB/ep   WAL slope KiB/ep   RSS−${WAL_FACTOR}·WAL KiB/ep   fds min–max (2nd half)`)
    for (const [name, ss] of samples) {
      const half = ss.slice(Math.floor(ss.length / 2))
      const xs = half.map((s) => s.epoch)
      const heapSlope = slope(xs, half.map((s) => s.heap + s.external))
      const rssSlope = slope(xs, half.map((s) => s.rss))
      const walSlope = slope(xs, half.map((s) => s.wal))
      const nativeSlope = rssSlope - WAL_FACTOR * Math.max(0, walSlope)
      const fds = half.map((s) => s.fds)
      const first = ss[0] as Sample
      const mid = half[0] as Sample
      const end = ss[ss.length - 1] as Sample
      console.log(`${name.padEnd(5)}  ${mb(first.rss).padStart(6)} → ${mb(mid.rss).padStart(6)} → ${mb(end.rss).padEnd(6)}  ${mb(first.heap).padStart(6)} → ${mb(mid.heap).padStart(6)} → ${mb(end.heap).padEnd(6)}  ${mb(first.wal).padStart(6)} → ${mb(end.wal).padEnd(6)}  ${(heapSlope / 1024).toFixed(1).padStart(10)}  ${(rssSlope / 1024).toFixed(1).padStart(10)}  ${(walSlope / 1024).toFixed(1).padStart(10)}  ${(nativeSlope / 1024).toFixed(1).padStart(10)}  ${Math.min(...fds)}–${Math.max(...fds)}`)
      if (half.length < 5) failures.push(`${name}: only ${half.length} samples in the second half`)
      if (heapSlope > HEAP_SLOPE_MIB * MiB) failures.push(`${name}: retained heap+external grows ${(heapSlope / 1024).toFixed(1)} KiB/epoch over the second half (bound ${HEAP_SLOPE_MIB * 1024})`)
      if (nativeSlope > RSS_SLOPE_MIB * MiB) failures.push(`${name}: RSS grows ${(rssSlope / 1024).toFixed(1)} KiB/epoch over the second half, ${(nativeSlope / 1024).toFixed(1)} beyond the memtable (bound ${RSS_SLOPE_MIB * 1024})`)
      if (Math.max(...fds) > Math.min(...fds) + FDS_SPREAD) failures.push(`${name}: fds ${Math.min(...fds)}–${Math.max(...fds)} over the second half`)
    }
    const { version, audits } = await auditAll([...net.procs.values()], 60_000)
    const digests = new Set([...audits.values()].map((a) => a.digest))
    const ref = audits.get('idx') as LedgerAudit
    console.log(`ledger: final version ${version}, epoch ${ref.epoch}, ${digests.size} digest(s) across ${audits.size} nodes, passes settled ${ref.summaryPassed}, paid ${ref.summaryPaid} µfavor, Σ conserved ${ref.conserved}, violations ${ref.violations.length}`)
    if (digests.size !== 1) failures.push('nodes disagree on the ledger digest')
    for (const [n, a] of audits) for (const v of a.violations) failures.push(`${n}: ${v}`)
    if (values.json !== undefined) {
      await writeFile(values.json, show({ nodes: net.procs.size, cores: CORES, epochs: EPOCHS, epochMs: EPOCH_MS, samples: Object.fromEntries(samples), challenges: inRun.length, failed: failed.length, failures }))
    }
  } catch (err) {
    failures.push(`soak aborted: ${(err as Error).stack ?? String(err)}`)
  } finally {
    await net.close()
  }
  console.log(`soak: ${failures.length === 0 ? 'OK' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  for (const f of failures) console.log(`  - ${f}`)
  return failures.length === 0 ? 0 : 1
}

process.exitCode = await main()
