// Ledger contract benchmark (issue 3). One run prints, side by side:
//  - settling an epoch with 1,000 and 10,000 agreements: the one tick op that starts epoch e settles e−1
//    (every agreement reported by its 3 attestors), matches, and selects the attestors of e — through the
//    pure contract over a MemoryKV; ms and the ratio to the aim (10,000 in under 2 s);
//  - apply throughput: a real op log (recorded from a simulator run: admissions, offers, requests, ready,
//    ticks, batched reports) replayed through the contract vs through a no-op apply that only stores the
//    op, over the same kind of MemoryKV in the same run; ops/s and the ratio.
// Standalone: node --import tsx bench/ledger.ts [--quick]
import { pathToFileURL } from 'node:url'
import { performance } from 'node:perf_hooks'
import { apply, digest, MemoryKV } from '../src/ledger/index.js'
import type { LedgerKV } from '../src/ledger/index.js'
import { Simulator } from '../src/sim/index.js'

const SETTLE_AIM_MS = 2000
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')

async function settleBench(agreements: number, rounds: number): Promise<{ ms: number[]; kv: number }> {
  // one indexer: its tick alone starts the epoch, so the timed op is exactly the epoch start
  const sim = new Simulator({ seed: 42, hosters: Math.max(10, agreements / 10), agreements, epochs: rounds + 2, indexers: 1 })
  await sim.start() // epoch 1: matched
  await sim.actCurrent() // hosters post ready
  await sim.tickNext() // epoch 2: attestors selected
  const ms: number[] = []
  for (let i = 0; i < rounds; i++) {
    await sim.actCurrent() // every selected attestor reports
    const t = performance.now()
    await sim.tickNext() // settle, match, select
    ms.push(performance.now() - t)
  }
  return { ms, kv: sim.kv.size }
}

interface RecordedOp {
  bytes: Uint8Array
  writerKey: Buffer
  opId: string
}

/** A no-op apply: store the op under its id, nothing else (the floor any view apply pays). */
async function noopApply(kv: LedgerKV, bytes: Uint8Array, meta: { opId: string }): Promise<void> {
  await kv.put(`op/${meta.opId}`, bytes)
}

async function throughputBench(quick: boolean): Promise<void> {
  const log: RecordedOp[] = []
  const cfg = quick ? { seed: 5, hosters: 50, agreements: 500, epochs: 10 } : { seed: 5, hosters: 200, agreements: 2000, epochs: 20 }
  const sim = new Simulator({ ...cfg, scenario: 'mixed' }, { onOp: (op) => log.push(op) })
  const report = await sim.run()
  const rounds = quick ? 1 : 3
  let bestContract = 0
  let bestNoop = 0
  let replayDigest = ''
  for (let r = 0; r < rounds; r++) {
    const noKv = new MemoryKV()
    let t = performance.now()
    for (const op of log) await noopApply(noKv, op.bytes, op)
    bestNoop = Math.max(bestNoop, log.length / ((performance.now() - t) / 1000))
    const kv = new MemoryKV()
    t = performance.now()
    for (const op of log) await apply(kv, op.bytes, { writerKey: op.writerKey, opId: op.opId })
    bestContract = Math.max(bestContract, log.length / ((performance.now() - t) / 1000))
    replayDigest = digest(kv).toString('hex')
  }
  const results = report.ops.byType.report ?? 0
  console.log(`\n## Apply throughput (op log of a simulator run: ${cfg.hosters} hosters × ${cfg.agreements} agreements × ${cfg.epochs} epochs, scenario mixed)`)
  console.log(`${fmt(log.length)} ops (${fmt(results)} batched reports, ${fmt(report.epochs.reduce((s, e) => s + e.reportResults, 0))} report results); replay digest ${replayDigest === report.digest ? 'equals' : 'DIFFERS FROM'} the run's`)
  console.log('| apply | ops/s | ratio to no-op |')
  console.log('| --- | --- | --- |')
  console.log(`| no-op (store the op) over MemoryKV | ${fmt(bestNoop)} | 1.00× |`)
  console.log(`| Favor contract over MemoryKV | ${fmt(bestContract)} | ${(bestNoop / bestContract).toFixed(1)}× slower |`)
  console.log('(ops are not uniform: one tick op settles a whole epoch, one report op carries up to 1,024 results)')
}

export async function runLedgerBench(opts: { quick?: boolean } = {}): Promise<void> {
  const quick = opts.quick ?? false
  console.log(`# Favor ledger benchmark${quick ? ' (quick)' : ''} — node ${process.version}`)
  console.log('\n## Settling an epoch (the tick op that settles e−1, matches, and selects the attestors of e)')
  console.log('| agreements | settle ms (best) | settle ms (median) | aim (10,000 < 2,000 ms) | kv entries |')
  console.log('| --- | --- | --- | --- | --- |')
  for (const n of quick ? [1000, 10_000] : [1000, 10_000]) {
    const { ms, kv } = await settleBench(n, quick ? 1 : 3)
    const sorted = [...ms].sort((a, b) => a - b)
    const best = sorted[0] ?? 0
    const med = sorted[Math.floor(sorted.length / 2)] ?? 0
    const aim = n === 10_000 ? `${((best / SETTLE_AIM_MS) * 100).toFixed(0)} % of the aim` : `(${(SETTLE_AIM_MS * n / 10_000).toFixed(0)} ms pro rata)`
    console.log(`| ${fmt(n)} | ${fmt(best)} | ${fmt(med)} | ${aim} | ${fmt(kv)} |`)
  }
  await throughputBench(quick)
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runLedgerBench({ quick: process.argv.includes('--quick') })
}
