// Soak: N real node processes (default 12: 1 indexer, 2 publishers, 9 hosters; every node attests),
// C hosted cores (default 50, 2 replicas each), E epochs (default 30) after all agreements are active.
// Prints per node, every epoch: RSS and V8 heap (MiB) and open fds (/proc/<pid>/fd); and challenge
// outcomes per epoch. Exits 1 if any (honest) hoster fails a challenge, if the ledger audit finds a
// violation or the nodes disagree on the digest, or if memory/fds grow past the bound:
//   after warm-up (mean of epochs 3–7 of the run) vs. the end (mean of the last 5 epochs), per node:
//   RSS_end ≤ 1.25 × RSS_warm + 24 MiB, heap_end ≤ 1.5 × heap_warm + 16 MiB, fds_end ≤ fds_warm + 16.
//
//   npm run soak -- [--nodes 12] [--cores 50] [--epochs 30] [--epoch-ms 4000] [--json out.json]
import { writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import type { ChallengeRecord } from '../../src/node.js'
import { waitFor } from '../harness/wait.js'
import type { LedgerAudit } from './audit.js'
import { show, type RelProc } from './harness.js'
import { MiB, ProcNet, REL_PARAMS, auditAll } from './common.js'

interface Sample { epoch: number; rss: number; heap: number; fds: number }

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '12' },
    cores: { type: 'string', default: '50' },
    epochs: { type: 'string', default: '30' },
    'epoch-ms': { type: 'string', default: '4000' },
    json: { type: 'string' }
  }
})
const NODES = Math.max(5, Number(values.nodes))
const CORES = Number(values.cores)
const EPOCHS = Number(values.epochs)
const EPOCH_MS = Number(values['epoch-ms'])
const mb = (b: number): string => (b / MiB).toFixed(1)
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)

async function main(): Promise<number> {
  const started = Date.now()
  const net = await ProcNet.create('soak', { epochMs: EPOCH_MS, params: { ...REL_PARAMS, attestors: 2, samples: 8, failingEpochsToRepair: 3, heldBackEpochs: 6 } })
  const challenges: ChallengeRecord[] = []
  const samples = new Map<string, Sample[]>()
  const failures: string[] = []
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
    console.log('epoch  challenges pass other  | per node: RSS MiB / heap MiB / fds')
    let last = e0
    const deadline = Date.now() + EPOCHS * EPOCH_MS * 3 + 60_000
    while (last < e0 + EPOCHS && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500))
      const e = (await idx.call<LedgerAudit>('audit')).epoch
      if (e === last) continue
      last = e
      const cols: string[] = []
      for (const p of net.procs.values()) {
        const f = await p.procFigures()
        const m = await p.call<{ heapUsed: number }>('mem', {}, 10_000)
        const s = { epoch: e, rss: f.rssBytes, heap: m.heapUsed, fds: f.fds }
        samples.set(p.name, [...(samples.get(p.name) ?? []), s])
        cols.push(`${p.name} ${mb(s.rss)}/${mb(s.heap)}/${s.fds}`)
      }
      const ep = challenges.filter((c) => c.epoch === e - 1)
      const bad = ep.filter((c) => c.outcome !== 'pass')
      console.log(`${String(e - 1).padStart(5)}  ${String(ep.length).padStart(10)} ${String(ep.length - bad.length).padStart(4)} ${String(bad.length).padStart(5)}  | ${cols.join('  ')}`)
    }
    if (last < e0 + EPOCHS) failures.push(`only reached epoch ${last} of ${e0 + EPOCHS}`)
    const inRun = challenges.filter((c) => c.epoch > e0 && c.epoch <= e0 + EPOCHS)
    const failed = inRun.filter((c) => c.outcome !== 'pass')
    for (const c of failed.slice(0, 20)) failures.push(`honest hoster failed: epoch ${c.epoch} agreement ${c.agreementId} ${c.outcome} ${c.errorCode ?? ''} ${c.latencyMs} ms`)
    if (failed.length > 20) failures.push(`… ${failed.length - 20} more failed challenges`)
    const lat = inRun.map((c) => c.latencyMs).sort((a, b) => a - b)
    console.log(`challenges in the ${EPOCHS} epochs: ${inRun.length}, pass ${inRun.length - failed.length}, other ${failed.length}; latency p50 ${lat[Math.floor(lat.length / 2)] ?? 0} ms, p99 ${lat[Math.floor(lat.length * 0.99)] ?? 0} ms`)
    // flat memory / fds
    console.log('node   RSS warm→end MiB   heap warm→end MiB   fds warm→end')
    for (const [name, ss] of samples) {
      const warm = ss.slice(2, 7)
      const end = ss.slice(-5)
      const w = { rss: mean(warm.map((s) => s.rss)), heap: mean(warm.map((s) => s.heap)), fds: mean(warm.map((s) => s.fds)) }
      const z = { rss: mean(end.map((s) => s.rss)), heap: mean(end.map((s) => s.heap)), fds: mean(end.map((s) => s.fds)) }
      console.log(`${name.padEnd(5)}  ${mb(w.rss).padStart(7)} → ${mb(z.rss).padEnd(7)}  ${mb(w.heap).padStart(7)} → ${mb(z.heap).padEnd(7)}  ${w.fds.toFixed(0).padStart(4)} → ${z.fds.toFixed(0)}`)
      if (z.rss > 1.25 * w.rss + 24 * MiB) failures.push(`${name}: RSS grew ${mb(w.rss)} → ${mb(z.rss)} MiB`)
      if (z.heap > 1.5 * w.heap + 16 * MiB) failures.push(`${name}: heap grew ${mb(w.heap)} → ${mb(z.heap)} MiB`)
      if (z.fds > w.fds + 16) failures.push(`${name}: fds grew ${w.fds.toFixed(0)} → ${z.fds.toFixed(0)}`)
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
