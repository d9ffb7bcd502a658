// Ledger growth (issue 15 item 6). One simulator run (honest, constant live agreements: every request
// lives past the run, no arrivals) records its op log, and prints:
//  - bytes appended per agreement-epoch (the ops' encoded bytes, between checkpoints: the steady state);
//  - the state's size (Σ key + value bytes of the contract's KV) at several epochs: it must follow the
//    live agreements, not the history;
//  - replaying the log through the contract over a MemoryKV (what `favor ledger verify` computes, minus
//    storage): ops/s and agreement-epochs/s;
//  - a new node catching up on REAL Autobase + Hyperbee, at each checkpoint: the log is appended to a
//    one-writer Autobase whose apply is the contract over the Hyperbee view (each op applied with the
//    writer key the simulator recorded, so the contract sees the same authors), and a fresh node with
//    its own corestore replicates it over a direct stream, once replaying every op (fastForward: false,
//    what `ledger verify` does) and once fast-forwarding to the signed view (a node's default). Its view
//    digest is compared with the MemoryKV replay's.
// The catch-up time on 1,000 agreements × 1,000 epochs is EXTRAPOLATED (linear in epochs, through the
// measured checkpoints) and printed as such.
// Standalone: node --import tsx bench/ledger-growth.ts [--quick]
import { pipeline } from 'node:stream'
import { pathToFileURL } from 'node:url'
import { performance } from 'node:perf_hooks'
import { apply, beeDigest, BeeBatchKV, digest, MemoryKV } from '../src/ledger/index.js'
import { Simulator } from '../src/sim/index.js'
import { openAutobase, openStore, type ApplyHandler, type Base, type Store } from '../src/stack/index.js'
import { makeTempDir, removeDir } from '../test/harness/tmp.js'
import { waitFor } from '../test/harness/wait.js'
import { fig } from './figures.js'

interface LoggedOp { bytes: Uint8Array; writerKey: Buffer; opId: string }

interface Checkpoint {
  epoch: number
  /** Ops in the log up to the end of this epoch. */
  ops: number
  opBytes: number
  stateBytes: number
  entries: number
  live: number
  byPrefix: Map<string, number>
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')

function stateSize(kv: MemoryKV): { bytes: number; entries: number; byPrefix: Map<string, number> } {
  let bytes = 0
  let entries = 0
  const byPrefix = new Map<string, number>()
  for (const [k, v] of kv.map) {
    const b = Buffer.byteLength(k) + v.byteLength
    bytes += b
    entries++
    // `epoch/<e>/attest/…` (an attestation per agreement per epoch, pruned after ATTEST_RETENTION_EPOCHS)
    // apart from `epoch/<e>` (the epoch's record)
    const p = k.includes('/attest/') ? 'attest' : (k.split('/')[0] ?? k)
    byPrefix.set(p, (byPrefix.get(p) ?? 0) + b)
  }
  return { bytes, entries, byPrefix }
}

async function simulate(agreements: number, hosters: number, checkpoints: number[]): Promise<{ log: LoggedOp[]; points: Checkpoint[] }> {
  const log: LoggedOp[] = []
  let opBytes = 0
  const points: Checkpoint[] = []
  const epochs = checkpoints.at(-1) as number
  let live = 0
  let sim: Simulator | null = null
  sim = new Simulator({ seed: 7, hosters, agreements, epochs, scenario: 'honest' }, {
    onOp: (op) => { log.push(op); opBytes += op.bytes.byteLength },
    onEpoch: (o) => {
      live += o.created - Object.values(o.endedBy).reduce((s, n) => s + (n ?? 0), 0)
      if (!checkpoints.includes(o.epoch) || sim === null) return
      const s = stateSize(sim.kv)
      points.push({ epoch: o.epoch, ops: log.length, opBytes, stateBytes: s.bytes, entries: s.entries, live, byPrefix: s.byPrefix })
    }
  })
  await sim.run()
  return { log, points }
}

/** The contract over the view, each op under the writer key the simulator recorded. */
function replayApply(counter: { applied: number }): ApplyHandler {
  return async (nodes, view) => {
    const batch = view.batch()
    const kv = new BeeBatchKV(batch)
    for (const node of nodes) {
      if (node.value === null || node.value.byteLength < 33) continue
      const writerKey = node.value.subarray(0, 32)
      await apply(kv, node.value.subarray(32), { writerKey, opId: `${writerKey.toString('hex')}:${counter.applied}` })
      counter.applied++
    }
    await batch.flush()
  }
}

interface Source { store: Store; base: Base; counter: { applied: number }; dir: string }

async function openSource(): Promise<Source> {
  const dir = await makeTempDir('bench-growth-src')
  const store = openStore(dir)
  const counter = { applied: 0 }
  const base = openAutobase(store, null, { apply: replayApply(counter), ackInterval: 1000 })
  await base.ready()
  return { store, base, counter, dir }
}

/** Appends ops [from, to) in batches of 100 and waits until the source applied them. */
async function extend(src: Source, log: LoggedOp[], from: number, to: number): Promise<number> {
  const t = performance.now()
  for (let i = from; i < to; i += 100) {
    const batch = log.slice(i, Math.min(to, i + 100)).map((op) => Buffer.concat([op.writerKey, op.bytes]))
    await src.base.append(batch)
  }
  await waitFor(async () => { await src.base.update(); return src.counter.applied >= to }, 1_800_000, 'source applied', 20)
  return performance.now() - t
}

/** A fresh node catching up on the source over a direct replication stream. */
async function catchUp(src: Source, fastForward: boolean, target: number): Promise<{ ms: number; applied: number; digest: string }> {
  const dir = await makeTempDir('bench-growth-new')
  const store = openStore(dir)
  const counter = { applied: 0 }
  const base = openAutobase(store, src.base.key, { apply: replayApply(counter), ackInterval: 1000, fastForward })
  const a = src.store.replicate(true)
  const b = store.replicate(false)
  try {
    const t = performance.now()
    pipeline(a, b, a, () => undefined)
    await base.ready()
    const srcLength = src.base.view.core.length
    await waitFor(async () => {
      await base.update()
      return fastForward ? base.view.core.length >= srcLength && base.indexedLength >= src.base.indexedLength : counter.applied >= target
    }, 1_800_000, `catch-up (fastForward ${fastForward})`, 20)
    const ms = performance.now() - t
    return { ms, applied: counter.applied, digest: (await beeDigest(base.view.snapshot())).toString('hex') }
  } finally {
    a.destroy()
    b.destroy()
    await base.close()
    await store.close()
    await removeDir(dir)
  }
}

/** Least-squares line y = a + b·x through the points. */
function fit(xs: number[], ys: number[]): { a: number; b: number } {
  const n = xs.length
  const mx = xs.reduce((s, x) => s + x, 0) / n
  const my = ys.reduce((s, y) => s + y, 0) / n
  let sxy = 0
  let sxx = 0
  for (let i = 0; i < n; i++) { sxy += ((xs[i] as number) - mx) * ((ys[i] as number) - my); sxx += ((xs[i] as number) - mx) ** 2 }
  const b = sxx === 0 ? 0 : sxy / sxx
  return { a: my - b * mx, b }
}

export async function runLedgerGrowthBench(opts: { quick?: boolean } = {}): Promise<void> {
  const quick = opts.quick === true
  const agreements = quick ? 200 : 1000
  const hosters = quick ? 20 : 100
  // state checkpoints go past ATTEST_RETENTION_EPOCHS (24); the catch-up is measured at the first few
  const checkpoints = quick ? [5, 10, 20, 30] : [10, 20, 40, 60]
  const catchUpAt = quick ? [5, 10, 20] : [10, 20, 40]
  console.log(`# Ledger growth${quick ? ' (quick)' : ''}: ${fmt(agreements)} agreements (1 replica), ${hosters} hosters, simulator scenario honest; state at epochs ${checkpoints.join(', ')}, catch-up at ${catchUpAt.join(', ')}`)
  const t0 = performance.now()
  const { log, points } = await simulate(agreements, hosters, checkpoints)
  console.log(`simulated ${checkpoints.at(-1)} epochs in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${fmt(log.length)} ops`)

  console.log('\n## State size against history (contract state: Σ key + value bytes)')
  // three parts: attestation records (one per agreement per epoch, kept for the last ATTEST_RETENTION_EPOCHS
  // epochs: bounded by live agreements); epoch records and reports (`epoch/<e>`, `report/<e>/<attestor>`: never
  // deleted, they grow with history); the rest (agreements, accounts, requests, offers, meta: live state)
  const attest = (p: Checkpoint): number => p.byPrefix.get('attest') ?? 0
  const hist = (p: Checkpoint): number => (p.byPrefix.get('epoch') ?? 0) + (p.byPrefix.get('report') ?? 0)
  console.log('| epoch | ops so far | op bytes so far | live agreements | state entries | state bytes | attestations (pruned after 24 epochs) | epoch records + reports (kept) | the rest | the rest per live agreement |')
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |')
  for (const p of points) {
    const at = `epoch ${p.epoch}`
    const rest = p.stateBytes - attest(p) - hist(p)
    console.log(`| ${p.epoch} | ${fmt(p.ops)} | ${fig(`op bytes at ${at}`, p.opBytes, 'B').v} | ${p.live} | ${fmt(p.entries)} | ${fig(`state bytes at ${at}`, p.stateBytes, 'B').v} | ` +
      `${fig(`state bytes in attestations at ${at}`, attest(p), 'B').v} | ${fig(`state bytes in epoch records and reports at ${at}`, hist(p), 'B').v} | ` +
      `${fig(`state bytes, the rest, at ${at}`, rest, 'B').v} | ${fig(`state bytes, the rest, per live agreement at ${at}`, rest / Math.max(1, p.live), 'B').v} |`)
  }
  const first = points[0] as Checkpoint
  const last = points.at(-1) as Checkpoint
  const growth = fig('state growth, first → last checkpoint', last.stateBytes, 'B', { baseline: { name: `state bytes at epoch ${first.epoch}`, value: first.stateBytes } })
  const histGrowth = last.opBytes / first.opBytes
  const prev = points.at(-2) as Checkpoint
  const histPerEpoch = (hist(last) - hist(prev)) / (last.epoch - prev.epoch)
  console.log(`history ×${histGrowth.toFixed(2)} (epoch ${first.epoch} → ${last.epoch}), state ${growth.r} with live agreements ${first.live} → ${last.live}; ` +
    `attestations ${fmt(attest(prev))} → ${fmt(attest(last))} B between epochs ${prev.epoch} and ${last.epoch} (bounded once past 24 epochs); ` +
    `epoch records + reports grow ${fig('state bytes kept per epoch (epoch records + reports)', histPerEpoch, 'B').vu} per epoch (${fmt(histPerEpoch / agreements)} B per agreement-epoch): the part that follows history`)
  const prefixes = [...last.byPrefix.entries()].sort((x, y) => y[1] - x[1]).slice(0, 8)
  console.log(`largest key prefixes at epoch ${last.epoch} (bytes; at epoch ${first.epoch}): ${prefixes.map(([k, v]) => `${k} ${fmt(v)} (${fmt(first.byPrefix.get(k) ?? 0)})`).join(', ')}`)

  console.log('\n## Bytes appended per agreement-epoch (encoded ops; Autobase adds its node framing on top)')
  const perAE = (last.opBytes - first.opBytes) / (agreements * (last.epoch - first.epoch))
  const opsPerEpoch = (last.ops - first.ops) / (last.epoch - first.epoch)
  console.log(`${fig('op bytes per agreement-epoch', perAE, 'B').vu} (epochs ${first.epoch}–${last.epoch}); ${fig('ops per epoch', opsPerEpoch, 'ops').v} ops per epoch, ${fmt((last.opBytes - first.opBytes) / (last.ops - first.ops))} B per op`)

  console.log('\n## Replay through the contract over a MemoryKV (the computation of `favor ledger verify`)')
  let best = 0
  // the state digest where the last catch-up stops, to compare the catching-up nodes' views with
  const digestAt = (points.find((p) => p.epoch === catchUpAt.at(-1)) as Checkpoint).ops
  let memDigest = ''
  for (let r = 0; r < (quick ? 1 : 2); r++) {
    const kv = new MemoryKV()
    let paused = 0
    const t = performance.now()
    for (let i = 0; i < log.length; i++) {
      const op = log[i] as LoggedOp
      await apply(kv, op.bytes, { writerKey: op.writerKey, opId: op.opId })
      if (i + 1 === digestAt) {
        const d = performance.now()
        memDigest = digest(kv).toString('hex')
        paused = performance.now() - d
      }
    }
    best = Math.max(best, log.length / ((performance.now() - t - paused) / 1000))
  }
  const ae = (agreements * last.epoch) / (log.length / best)
  console.log(`${fig('replay ops per s (MemoryKV)', best, 'ops/s').v} ops/s = ${fig('replay agreement-epochs per s (MemoryKV)', ae, '/s').v} agreement-epochs/s over ${fmt(log.length)} ops`)

  console.log('\n## A new node catching up, real Autobase + Hyperbee on corestores, direct stream (one writer carrying the log)')
  console.log('| epoch | ops | source append + apply | new node, full replay | ops/s | new node, fast-forward | ops it applied | view digest = MemoryKV replay |')
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |')
  const src = await openSource()
  const xs: number[] = []
  const replayS: number[] = []
  const ffS: number[] = []
  const ffApplied: number[] = []
  const ffOps: number[] = []
  try {
    let done = 0
    for (const p of points.filter((x) => catchUpAt.includes(x.epoch))) {
      const buildMs = await extend(src, log, done, p.ops)
      done = p.ops
      const full = await catchUp(src, false, p.ops)
      const ff = await catchUp(src, true, p.ops)
      xs.push(p.epoch)
      replayS.push(full.ms / 1000)
      ffS.push(ff.ms / 1000)
      ffApplied.push(ff.applied)
      ffOps.push(p.ops)
      const at = `epoch ${p.epoch}`
      let same = '—'
      if (p.epoch === catchUpAt.at(-1)) same = full.digest === memDigest && ff.digest === memDigest ? 'yes (both)' : `NO (replay ${full.digest === memDigest}, ff ${ff.digest === memDigest})`
      console.log(`| ${p.epoch} | ${fmt(p.ops)} | ${fig(`source append+apply to ${at}`, buildMs / 1000, 's').vu} | ${fig(`catch-up full replay at ${at}`, full.ms / 1000, 's').vu} | ${fig(`catch-up full replay ops per s at ${at}`, p.ops / (full.ms / 1000), 'ops/s').v} | ${fig(`catch-up fast-forward at ${at}`, ff.ms / 1000, 's').vu} | ${fmt(ff.applied)} | ${same} |`)
    }
  } finally {
    await src.base.close()
    await src.store.close()
    await removeDir(src.dir)
  }
  const scale = 1000 / agreements // a tick settles every agreement: time per epoch grows with the agreements
  const fr = fit(xs, replayS)
  // Autobase fast-forwards only when far enough behind: fit only the checkpoints where it did
  const ffPoints = xs.map((x, i) => ({ x, y: ffS[i] as number, ff: (ffApplied[i] as number) < (ffOps[i] as number) })).filter((p) => p.ff)
  const note = `extrapolated: least-squares line through the ${xs.length} measured checkpoints (epochs ${xs.join(', ')})${scale !== 1 ? `, × ${scale} for 1,000 agreements (linear in agreements, assumed)` : ''}`
  const full1000 = fig('catch-up full replay, 1,000 agreements × 1,000 epochs', (fr.a + fr.b * 1000) * scale, 's', { note })
  console.log(`\nfull replay: ${(fr.b * 1000).toFixed(0)} ms per epoch at ${agreements} agreements → 1,000 agreements × 1,000 epochs ≈ ${full1000.vu} (${(full1000.figure.value as number / 60).toFixed(1)} min; EXTRAPOLATED)`)
  if (ffPoints.length >= 2) {
    const ffit = fit(ffPoints.map((p) => p.x), ffPoints.map((p) => p.y))
    const worst = Math.max(...ffPoints.map((p) => p.y))
    // no growth with history in the measured range (slope ≤ 0: noise): the slowest measured, not a line
    const flat = ffit.b <= 0
    const ff1000 = fig('catch-up fast-forward, 1,000 agreements × 1,000 epochs', flat ? worst : (ffit.a + ffit.b * 1000) * scale, 's', {
      note: flat ? 'the slowest measured fast-forward: it did not grow with history in the measured range' : `${note}; only checkpoints where Autobase fast-forwarded`
    })
    console.log(flat
      ? `fast-forward: no growth with history measured (${ffPoints.map((p) => `${p.y.toFixed(2)} s`).join(', ')}): ≈ ${ff1000.vu} at 1,000 epochs (the slowest measured; it reads the signed view, which follows the state)`
      : `fast-forward: ${(ffit.b * 1000).toFixed(1)} ms per epoch of history → 1,000 agreements × 1,000 epochs ≈ ${ff1000.vu} (EXTRAPOLATED from ${ffPoints.length} checkpoints that fast-forwarded)`)
  } else {
    fig('catch-up fast-forward, 1,000 agreements × 1,000 epochs', null, 's', { note: 'not extrapolated: fewer than 2 checkpoints fast-forwarded' })
    console.log(`fast-forward: ${ffPoints.length} checkpoint(s) fast-forwarded (Autobase replays when only a little behind): not extrapolated`)
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runLedgerGrowthBench({ quick: process.argv.includes('--quick') })
}
