// Soak: N real node processes (default 12: 1 indexer, 2 publishers, 9 hosters; every node attests),
// C hosted cores (default 50, 2 replicas each), E epochs (default 30) after all agreements are active.
// Prints per node, every epoch: RSS, retained V8 heap (heapUsed right after a forced full GC) and
// external memory (MiB), and open fds (/proc/<pid>/fd); and challenge outcomes per epoch. Exits 1 if
// any (honest) hoster fails a challenge, if the ledger audit finds a violation or the nodes disagree on
// the digest, or if memory/fds are not flat. Flat = judged on the second half of the run only (the
// first half is warm-up: the store-wide Hyperbee cache, connections and the DHT routing table fill), per
// node, by the least-squares slope over those epochs:
//   retained heap                        ≤ HEAP_SLOPE MiB/epoch,
//   external                             ≤ EXT_SLOPE MiB/epoch      } unless within SIGNIFICANCE standard
//   RSS − WAL_FACTOR × RocksDB WAL bytes ≤ RSS_SLOPE MiB/epoch      } errors of it (noisy, see below)
//   max fds ≤ min fds + FDS_SPREAD.
// (A slope, not an end/start ratio: a ratio is broken by warm-up alone, a slope over the settled half
// is not, while a leak of even a few KiB per challenge shows as a steady positive slope. The noisy two
// detect less in a 30-epoch run: a longer `--epochs` narrows their standard error.)
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
const EXT_SLOPE_MIB = 0.25
const RSS_SLOPE_MIB = 0.5
/**
 * How many standard errors above its bound a noisy slope (external memory, RSS) must be to fail. Those
 * two move by megabytes between samples even right after a full GC (buffers in flight), which puts the
 * standard error of their slope over a 30-epoch run near the bound itself: judged by the slope alone they
 * failed by chance on a few of 12 nodes (docs/reliability.md, "Soak, 2026-11-27 evening"). The retained
 * heap has little noise and is judged by its slope alone.
 */
const SIGNIFICANCE = 2
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
/** Least-squares slope of ys over xs, with its standard error (the scatter of the samples around the line). */
function fit(xs: number[], ys: number[]): { slope: number; se: number } {
  const mx = mean(xs)
  const my = mean(ys)
  let num = 0
  let den = 0
  for (let i = 0; i < xs.length; i++) {
    num += ((xs[i] as number) - mx) * ((ys[i] as number) - my)
    den += ((xs[i] as number) - mx) ** 2
  }
  if (den === 0 || xs.length < 3) return { slope: 0, se: Infinity }
  const b = num / den
  let ss = 0
  for (let i = 0; i < xs.length; i++) ss += ((ys[i] as number) - my - b * ((xs[i] as number) - mx)) ** 2
  return { slope: b, se: Math.sqrt(ss / (xs.length - 2) / den) }
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
  const challenges: Array<ChallengeRecord & { by: string }> = []
  const samples = new Map<string, Sample[]>()
  const failures: string[] = []
  const snapped = new Set<string>()
  try {
    const extra = { deadlineMs: 2500, connectTimeoutMs: 2500, concurrency: 4 }
    await net.add({ name: 'idx', indexer: true }, extra)
    const pubs: RelProc[] = []
    for (let i = 1; i <= 2; i++) pubs.push(await net.add({ name: `p${i}` }, extra))
    for (let i = 1; i <= NODES - 3; i++) await net.add({ name: `h${i}`, hoster: { capacityBytes: 256 * MiB } }, extra)
    for (const p of net.procs.values()) p.on('challenge', (c) => challenges.push({ ...c, by: p.name }))
    // when each node's view first showed each epoch: how far a hoster's view lags its attestor's
    const seenAt = new Map<string, Map<number, number>>()
    for (const p of net.procs.values()) {
      const mine = new Map<number, number>()
      seenAt.set(p.name, mine)
      p.on('epoch', (info: { epoch: number; seenAt?: number }) => { if (info.seenAt !== undefined && !mine.has(info.epoch)) mine.set(info.epoch, info.seenAt) })
    }
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
    const lagOf = (name: string, epoch: number): number | null => {
      const firsts = [...seenAt.values()].flatMap((m) => { const t = m.get(epoch); return t === undefined ? [] : [t] })
      const t = seenAt.get(name)?.get(epoch)
      return t === undefined || firsts.length === 0 ? null : t - Math.min(...firsts)
    }
    const viewLag = (c: ChallengeRecord & { by: string }): string => {
      const hoster = net.byAccount(c.hoster)?.name ?? '?'
      const h = seenAt.get(hoster)?.get(c.epoch)
      const a = seenAt.get(c.by)?.get(c.epoch)
      if (h === undefined || a === undefined) return 'view lag unknown'
      return `the hoster's view showed the epoch ${h - a} ms after the attestor's, ${Math.round(h - (c.at - c.latencyMs))} ms after the challenge began`
    }
    for (const c of failed.slice(0, 20)) failures.push(`honest hoster failed: epoch ${c.epoch} agreement ${c.agreementId} (${net.byAccount(c.hoster)?.name ?? '?'} challenged by ${c.by}) ${c.outcome} ${c.errorCode ?? ''} ${c.latencyMs} ms (round trip ${c.rttMs} ms, lookup before the nonce ${c.readyMs ?? '-'} ms, the attestor's own longest stall ${c.ownLagMs} ms; ${viewLag(c)})`)
    if (failed.length > 20) failures.push(`… ${failed.length - 20} more failed challenges`)
    const lags = [...seenAt.keys()].flatMap((n) => Array.from({ length: EPOCHS }, (_, i) => lagOf(n, e0 + 1 + i)).filter((x): x is number => x !== null)).sort((a, b) => a - b)
    console.log(`view lag (when a node's view first showed an epoch, after the first node's): p50 ${lags[Math.floor(lags.length / 2)] ?? 0} ms, p99 ${lags[Math.floor(lags.length * 0.99)] ?? 0} ms, max ${lags[lags.length - 1] ?? 0} ms over ${lags.length} node-epochs`)
    const ready = inRun.flatMap((c) => c.readyMs === null ? [] : [c.readyMs]).sort((a, b) => a - b)
    console.log(`hoster's lookup before the nonce (intent → first pong): p50 ${ready[Math.floor(ready.length / 2)] ?? 0} ms, p99 ${ready[Math.floor(ready.length * 0.99)] ?? 0} ms, max ${ready[ready.length - 1] ?? 0} ms`)
    const lat = inRun.map((c) => c.latencyMs).sort((a, b) => a - b)
    console.log(`challenges in the ${EPOCHS} epochs: ${inRun.length}, pass ${inRun.length - failed.length}, other ${failed.length}; latency p50 ${lat[Math.floor(lat.length / 2)] ?? 0} ms, p99 ${lat[Math.floor(lat.length * 0.99)] ?? 0} ms`)
    // flat memory / fds: the trend over the second half of the run
    console.log(`flatness over the second half (slope ± standard error, KiB per epoch; bounds: retained heap ${HEAP_SLOPE_MIB * 1024}, external ${EXT_SLOPE_MIB * 1024} and RSS − ${WAL_FACTOR} × WAL ${RSS_SLOPE_MIB * 1024} beyond ${SIGNIFICANCE} standard errors, fds spread ${FDS_SPREAD})`)
    console.log(`node   RSS first→mid→end MiB   heap first→mid→end MiB   WAL first→end MiB   heap slope   external slope   RSS slope   WAL slope   RSS−${WAL_FACTOR}·WAL slope   fds min–max (2nd half)`)
    const kib = (f: { slope: number; se: number }): string => `${(f.slope / 1024).toFixed(0)} ± ${(f.se / 1024).toFixed(0)}`
    for (const [name, ss] of samples) {
      const half = ss.slice(Math.floor(ss.length / 2))
      const xs = half.map((s) => s.epoch)
      const heap = fit(xs, half.map((s) => s.heap))
      const external = fit(xs, half.map((s) => s.external))
      const rss = fit(xs, half.map((s) => s.rss))
      const wal = fit(xs, half.map((s) => s.wal))
      const native = fit(xs, half.map((s) => s.rss - WAL_FACTOR * s.wal))
      const fds = half.map((s) => s.fds)
      const first = ss[0] as Sample
      const mid = half[0] as Sample
      const end = ss[ss.length - 1] as Sample
      console.log(`${name.padEnd(5)}  ${mb(first.rss).padStart(6)} → ${mb(mid.rss).padStart(6)} → ${mb(end.rss).padEnd(6)}  ${mb(first.heap).padStart(6)} → ${mb(mid.heap).padStart(6)} → ${mb(end.heap).padEnd(6)}  ${mb(first.wal).padStart(6)} → ${mb(end.wal).padEnd(6)}  ${kib(heap).padStart(10)}  ${kib(external).padStart(12)}  ${kib(rss).padStart(11)}  ${kib(wal).padStart(9)}  ${kib(native).padStart(12)}  ${Math.min(...fds)}–${Math.max(...fds)}`)
      if (half.length < 5) failures.push(`${name}: only ${half.length} samples in the second half`)
      if (heap.slope > HEAP_SLOPE_MIB * MiB) failures.push(`${name}: retained heap grows ${kib(heap)} KiB/epoch over the second half (bound ${HEAP_SLOPE_MIB * 1024})`)
      if (external.slope - SIGNIFICANCE * external.se > EXT_SLOPE_MIB * MiB) failures.push(`${name}: external memory grows ${kib(external)} KiB/epoch over the second half, beyond ${EXT_SLOPE_MIB * 1024} by more than ${SIGNIFICANCE} standard errors`)
      if (native.slope - SIGNIFICANCE * native.se > RSS_SLOPE_MIB * MiB) failures.push(`${name}: RSS − ${WAL_FACTOR}·WAL grows ${kib(native)} KiB/epoch over the second half (RSS ${kib(rss)}), beyond ${RSS_SLOPE_MIB * 1024} by more than ${SIGNIFICANCE} standard errors`)
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
