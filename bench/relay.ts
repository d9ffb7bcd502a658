// Relay detection benchmark (issue 10 item 8). A measurement, not a test: it never runs in `npm test`.
//
// A relay is a hoster identity that keeps NO blocks: when challenged it learns the indices, fetches the
// proofs from an honest holder d ms of round trip away (a user-space delay line on 127.0.0.1, see
// relay-delay.ts and relay-source.ts), and answers them as its own. The same attestor runner challenges
// the relay at d = 0, 5, 20, 50, 100 ms and an honest hoster that holds the data, idle and under a CPU
// hog on both cores. Every challenge is timed once; candidate deadlines are applied afterwards, and the
// epoch rules (3 attestors, docs/challenges.md §3) turn the verdicts into per-epoch outcomes.
//
// Everything runs in this process on a loopback @hyperswarm/testnet, except the hogs.
//   npm run bench:relay [-- --quick]   or   node --import tsx bench/relay.ts [--quick] [--epochs N]
//     [--distances 0,5,20,50,100] [--deadlines 25,50,…,1000]
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import { createLoopbackTestnet, openStore } from '../src/stack/index.js'
import type { Core, Store, Testnet } from '../src/stack/index.js'
import { makeTempDir, removeDir } from '../test/harness/tmp.js'
import { startDelayProxy } from './relay-delay.js'
import { connectProofSource, startProofSource } from './relay-source.js'
import type { ProofClient } from './relay-source.js'
import type { DelayProxy } from './relay-delay.js'
import { BenchLedger, CHALLENGE_PROTOCOL, challengeOnce, startAttestor, startHonestHoster, startRelayHoster } from './relay-protocol.js'
import type { BenchAgreement, BenchAttestor, BenchHoster, ChallengeSample } from './relay-protocol.js'
import { percentile, statsAt } from './relay-outcomes.js'
import { startHogs } from './relay-hog.js'
import { fig } from './figures.js'

const MiB = 1024 * 1024
const ATTESTORS = 3

export interface RelayBenchOptions {
  quick?: boolean
  /** Rounds (default 16; quick 5): one epoch per idle row and two per row under the hog, each round. */
  epochs?: number
  /** Round trips (ms) the relay's source is away; default 0, 5, 20, 50, 100. */
  distances?: number[]
  /** Candidate deadlines (ms) applied to the measured times; default 25 … 1000. */
  deadlines?: number[]
  out?: (line: string) => void
}

interface CoreSpec { label: string; bytes: number; blockSize: number }

interface RunResult {
  kind: 'honest' | 'honest+hog' | 'relay'
  core: string
  coreIndex: number
  samples: number
  /** Nominal added round trip (relay only). */
  distanceMs: number | null
  /** One entry per epoch: the samples of its attestors. */
  epochs: ChallengeSample[][]
}

function block(i: number, size: number): Buffer {
  const b = Buffer.alloc(size, i % 251)
  b.writeUInt32LE(i, 0)
  return b
}

async function makeCore(store: Store, name: string, spec: CoreSpec): Promise<Core> {
  const core = store.get({ name })
  await core.ready()
  const blocks = spec.bytes / spec.blockSize
  for (let i = 0; i < blocks; i += 256) {
    const batch: Buffer[] = []
    for (let j = i; j < Math.min(blocks, i + 256); j++) batch.push(block(j, spec.blockSize))
    await core.append(batch)
  }
  return core
}

/** Copies `src` into `dst` over an in-process replication stream; resolves when every block is held. */
async function mirror(srcStore: Store, dstStore: Store, src: Core): Promise<Core> {
  const a = srcStore.replicate(true)
  const b = dstStore.replicate(false)
  a.pipe(b).pipe(a)
  const copy = dstStore.get({ key: src.key })
  await copy.ready()
  await copy.update({ wait: true })
  await copy.download({ start: 0, end: src.length }).done()
  a.destroy()
  b.destroy()
  if (copy.contiguousLength !== src.length) throw new Error(`mirror incomplete: ${copy.contiguousLength}/${src.length}`)
  return copy
}

const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '—')
const pct = (x: number): string => `${(100 * x).toFixed(x > 0 && x < 0.1 ? 1 : 0)} %`
/** A fraction recorded as a percentage figure; printed as `pct` prints it. */
const pctF = (name: string, x: number): string => { fig(name, 100 * x, '%'); return pct(x) }
const msF = (name: string, x: number): string => { fig(name, Number.isFinite(x) ? x : null, 'ms'); return f1(x) }

export async function runRelayBench(opts: RelayBenchOptions = {}): Promise<RunResult[]> {
  const out = opts.out ?? ((l: string) => { process.stdout.write(l + '\n') })
  const quick = opts.quick === true
  const epochsPer = opts.epochs ?? (quick ? 5 : 16)
  const cores: CoreSpec[] = quick
    ? [{ label: '16 MiB / 64 KiB', bytes: 16 * MiB, blockSize: 64 * 1024 }]
    : [
        { label: '64 MiB / 64 KiB', bytes: 64 * MiB, blockSize: 64 * 1024 },
        { label: '64 MiB / 4 KiB', bytes: 64 * MiB, blockSize: 4 * 1024 }
      ]
  const sampleCounts = quick ? [16] : [16, 32]
  const distances = opts.distances ?? [0, 5, 20, 50, 100]
  const deadlines = opts.deadlines ?? [25, 50, 75, 100, 150, 250, 500, 1000]
  const t0 = performance.now()

  const dir = await makeTempDir('relay-bench')
  let testnet: Testnet | null = null
  const closers: (() => Promise<void> | void)[] = []
  const results: RunResult[] = []
  try {
    // --- data: a publisher makes the cores, the holder mirrors them (the publisher then goes away) ---
    const holderStore = openStore(path.join(dir, 'holder'))
    closers.push(() => holderStore.close())
    const held: Core[] = []
    {
      const pub = openStore(path.join(dir, 'publisher'))
      for (const [i, spec] of cores.entries()) {
        const t = performance.now()
        const src = await makeCore(pub, `relay-bench-${i}`, spec)
        held.push(await mirror(pub, holderStore, src))
        out(`core ${spec.label}: ${src.length} blocks, made and mirrored to the holder in ${((performance.now() - t) / 1000).toFixed(1)} s`)
      }
      await pub.close()
    }

    // --- network: testnet, honest hoster (the holder), relay, its source behind a delay line, attestors ---
    testnet = await createLoopbackTestnet(3)
    const bootstrap = testnet.bootstrap
    // One agreement per core × samples (the samples are the attestation record's, as on the ledger).
    const ledger = new BenchLedger()
    const agreementOf = (coreIndex: number, samples: number): BenchAgreement => {
      const agreementId = 100 * (coreIndex + 1) + samples
      const core = held[coreIndex] as Core
      return ledger.agreements.get(agreementId) ?? ledger.add({ agreementId, coreKey: core.key, length: core.length, samples })
    }
    const honest: BenchHoster = await startHonestHoster(bootstrap, 'h', holderStore, held, ledger)
    closers.push(() => honest.close())
    const source = await startProofSource((hex) => held.find((c) => c.key.toString('hex') === hex))
    closers.push(() => source.close())
    // One delay line (and one long-lived source connection) per distance; the relay uses `current`.
    const lines = new Map<number, { proxy: DelayProxy; client: ProofClient; pings: number[] }>()
    for (const d of distances) {
      const proxy = await startDelayProxy(source.port, d / 2)
      closers.push(() => proxy.close())
      const client = await connectProofSource(proxy.port)
      closers.push(() => client.close())
      lines.set(d, { proxy, client, pings: [] })
    }
    let current: ProofClient | null = null
    const relay: BenchHoster = await startRelayHoster(bootstrap, 'r', ledger, (coreKey, indices) => {
      if (!current) return Promise.reject(new Error('relay has no source'))
      return current.prove(coreKey, indices)
    })
    closers.push(() => relay.close())
    const attestors: BenchAttestor[] = []
    for (let i = 0; i < ATTESTORS; i++) {
      const a = startAttestor(bootstrap, String(i))
      attestors.push(a)
      closers.push(() => a.dht.destroy())
    }
    await Promise.all(attestors.map((a) => a.dht.fullyBootstrapped()))

    // Rows: per core × samples, the honest hoster idle, the relay at each distance, the honest hoster
    // under the hog. Rounds interleave them (one epoch of every idle row, then the hog rows with the hog
    // on), so that the other load on this shared machine falls on every row alike.
    for (const [ci, spec] of cores.entries()) {
      for (const samples of sampleCounts) {
        const row = (kind: RunResult['kind'], distanceMs: number | null): RunResult => ({ kind, core: spec.label, coreIndex: ci, samples, distanceMs, epochs: [] })
        results.push(row('honest', null))
        for (const d of distances) results.push(row('relay', d))
        results.push(row('honest+hog', null))
      }
    }
    let epoch = 0
    const challenge = (r: RunResult, attestor: BenchAttestor, ep: number): Promise<ChallengeSample> =>
      challengeOnce(attestor, ledger, r.kind === 'relay' ? relay.nodeKey : honest.nodeKey, agreementOf(r.coreIndex, r.samples), ep)
    const select = async (r: RunResult, ping: boolean): Promise<void> => {
      if (r.distanceMs === null) return
      const l = lines.get(r.distanceMs) as { client: ProofClient; pings: number[] }
      current = l.client
      if (ping) l.pings.push(await l.client.ping())
    }
    const oneEpoch = async (r: RunResult): Promise<void> => {
      await select(r, true)
      epoch++
      const one: ChallengeSample[] = []
      for (const a of attestors) one.push(await challenge(r, a, epoch))
      r.epochs.push(one)
    }
    // one unrecorded warm-up challenge per idle row (first DHT lookups, page cache)
    for (const r of results) {
      if (r.kind === 'honest+hog') continue
      await select(r, false)
      await challenge(r, attestors[0] as BenchAttestor, 0)
    }

    const load = (): string => os.loadavg().map((x) => x.toFixed(2)).join(' ')
    const hogEpochs = 2
    out(`\nprotocol ${CHALLENGE_PROTOCOL}; ${ATTESTORS} attestors per epoch; ${epochsPer} rounds of one epoch per idle row and ${hogEpochs} per row under the hog; ${os.cpus().length} cores; load average at start ${load()}`)
    const loads: string[] = []
    for (let round = 0; round < epochsPer; round++) {
      for (const r of results) if (r.kind !== 'honest+hog') await oneEpoch(r)
      const hogs = startHogs(2, 5 * 60_000)
      try {
        await new Promise((resolve) => setTimeout(resolve, 300))
        for (const r of results) if (r.kind === 'honest+hog') for (let i = 0; i < hogEpochs; i++) await oneEpoch(r)
        if (round === 0 || round === epochsPer - 1) loads.push(load())
      } finally {
        await hogs.stop()
      }
      process.stderr.write(`round ${round + 1}/${epochsPer} done at ${((performance.now() - t0) / 1000).toFixed(0)} s\r`)
    }
    process.stderr.write('\n')
    out(`load average (1/5/15 min) with the hog on, first and last round: ${loads.join(' | ')}; at the end ${load()}\n`)
    for (const d of distances) {
      const pings = (lines.get(d) as { pings: number[] }).pings
      const dl = `delay line d=${d} ms round trip`
      out(`delay line d=${d} ms: round trip through it (one ping before each relay epoch, n=${pings.length}): min ${msF(`${dl} min`, percentile(pings, 0))} p50 ${msF(`${dl} p50`, percentile(pings, 50))} p95 ${msF(`${dl} p95`, percentile(pings, 95))} max ${msF(`${dl} max`, percentile(pings, 100))} ms`)
    }
    const rtts = results.flatMap((r) => r.epochs.flat().map((x) => x.rttMs))
    out(`attestor↔hoster round trip measured by the runner's pings (subtracted from the time judged), all challenges: p50 ${msF('attestor rtt p50', percentile(rtts, 50))} p95 ${msF('attestor rtt p95', percentile(rtts, 95))} max ${msF('attestor rtt max', percentile(rtts, 100))} ms`)
    out('')
    for (const r of results) {
      const bad = r.epochs.flat().filter((x) => x.outcome !== 'pass').map((x) => `${x.outcome}/${x.code}`)
      if (bad.length) out(`${r.kind} ${r.core} s=${r.samples} d=${r.distanceMs ?? '—'}: invalid or failed answers: ${bad.join(', ')}`)
    }

    // --- tables ---
    const count = (rows: RunResult[], D: number): { over: number; n: number; failed: number; unpaid: number; epochs: number } => {
      const epochs = rows.flatMap((r) => r.epochs)
      const st = statsAt(epochs, D)
      return { over: Math.round(st.challengeFail * st.challenges), n: st.challenges, failed: Math.round(st.epochFailed * st.epochs), unpaid: Math.round(st.epochUnpaid * st.epochs), epochs: st.epochs }
    }
    for (const spec of cores) {
      const of = (kind: RunResult['kind'], d: number | null = null): RunResult[] => results.filter((r) => r.core === spec.label && r.kind === kind && r.distanceMs === d)
      out(`\n### ${spec.label} blocks, samples ${sampleCounts.join(' and ')} per attestor (pooled), 3 attestors per epoch\n`)
      out('Relay columns: epochs failed by the rules (in brackets: epochs not paid). Honest columns: challenges over the deadline, and epochs failed [not paid].\n')
      out(`| deadline | honest idle: challenges over | honest+hog: challenges over | honest+hog: epochs failed [unpaid] | ${distances.map((d) => `relay d=${d}`).join(' | ')} |`)
      out(`|---|---|---|---|${distances.map(() => '---').join('|')}|`)
      for (const D of deadlines) {
        const hi = count(of('honest'), D)
        const hh = count(of('honest+hog'), D)
        const relays = distances.map((d) => {
          const c = count(of('relay', d), D)
          const at = `${spec.label} D=${D} ms relay d=${d} ms epochs`
          return `${pctF(`${at} failed`, c.failed / c.epochs)} (${pctF(`${at} unpaid`, c.unpaid / c.epochs)})`
        })
        const h = `${spec.label} D=${D} ms honest`
        fig(`${h} idle challenges over`, hi.over, 'challenges', { baseline: { name: 'challenges', value: hi.n } })
        fig(`${h}+hog challenges over`, hh.over, 'challenges', { baseline: { name: 'challenges', value: hh.n } })
        fig(`${h}+hog epochs failed`, hh.failed, 'epochs', { baseline: { name: 'epochs', value: hh.epochs } })
        out(`| ${D} ms | ${hi.over}/${hi.n} | ${hh.over}/${hh.n} | ${hh.failed}/${hh.epochs} [${hh.unpaid}] | ${relays.join(' | ')} |`)
      }
    }

    out('\nPer row (core × samples): time = response time judged against the deadline, ms; then epochs failed (not paid) at each deadline.\n')
    out(`| hoster | core | samples | d (ms) | epochs | time p50 / p95 / max | ${deadlines.map((d) => `D=${d}`).join(' | ')} |`)
    out(`|---|---|---|---|---|---|${deadlines.map(() => '---').join('|')}|`)
    for (const r of results) {
      const times = r.epochs.flat().map((x) => x.timeMs)
      const row = `${r.kind} ${r.core} s=${r.samples} d=${r.distanceMs ?? '—'}`
      const cells = deadlines.map((D) => {
        const st = statsAt(r.epochs, D)
        return `${pctF(`${row} D=${D} ms epochs failed`, st.epochFailed)} (${pctF(`${row} D=${D} ms epochs unpaid`, st.epochUnpaid)})`
      })
      out(`| ${r.kind} | ${r.core} | ${r.samples} | ${r.distanceMs ?? '—'} | ${r.epochs.length} | ${msF(`${row} time p50`, percentile(times, 50))} / ${msF(`${row} time p95`, percentile(times, 95))} / ${msF(`${row} time max`, percentile(times, 100))} | ${cells.join(' | ')} |`)
    }
    out(`\n(${new Date().toISOString()}, ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? '?'}, node ${process.version}, total ${((performance.now() - t0) / 1000).toFixed(1)} s)`)
    return results
  } finally {
    for (const c of closers.reverse()) {
      try {
        await c()
      } catch (err) {
        console.error(`relay bench teardown: ${(err as Error).message}`)
      }
    }
    if (testnet) await testnet.destroy()
    await removeDir(dir)
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean' }, epochs: { type: 'string' }, distances: { type: 'string' }, deadlines: { type: 'string' } } })
  const list = (v: string): number[] => v.split(',').map((x) => {
    const n = Number(x.trim())
    if (!Number.isFinite(n) || n < 0) throw new Error(`not a number of ms: ${x}`)
    return n
  })
  await runRelayBench({
    quick: values.quick === true,
    ...(values.epochs ? { epochs: Number(values.epochs) } : {}),
    ...(values.distances ? { distances: list(values.distances) } : {}),
    ...(values.deadlines ? { deadlines: list(values.deadlines) } : {})
  })
}
