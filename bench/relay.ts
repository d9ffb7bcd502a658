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
//   npm run bench:relay [-- --quick]        or   node --import tsx bench/relay.ts [--quick] [--epochs N]
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import { createDht, createLoopbackTestnet, keyPair, openStore, seedFromName } from '../src/stack/index.js'
import type { Core, Dht, Store, Testnet } from '../src/stack/index.js'
import { makeTempDir, removeDir } from '../test/harness/tmp.js'
import { startDelayProxy } from './relay-delay.js'
import { connectProofSource, startProofSource } from './relay-source.js'
import type { ProofClient } from './relay-source.js'
import { CHALLENGE_PROTOCOL, challengeOnce, startHonestHoster, startRelayHoster } from './relay-protocol.js'
import type { BenchHoster, ChallengeSample } from './relay-protocol.js'
import { percentile, statsAt } from './relay-outcomes.js'
import { startHogs } from './relay-hog.js'

const MiB = 1024 * 1024
const ATTESTORS = 3

export interface RelayBenchOptions {
  quick?: boolean
  /** Epochs per configuration (default 12; quick 3). */
  epochs?: number
  out?: (line: string) => void
}

interface CoreSpec { label: string; bytes: number; blockSize: number }

interface RunResult {
  kind: 'honest' | 'honest+hog' | 'relay'
  core: string
  samples: number
  /** Nominal added round trip (relay only). */
  distanceMs: number | null
  /** Round trip measured through the delay line (relay only): min / p50 / max of the pings. */
  rtt: { min: number; p50: number; max: number } | null
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

export async function runRelayBench(opts: RelayBenchOptions = {}): Promise<RunResult[]> {
  const out = opts.out ?? ((l: string) => { process.stdout.write(l + '\n') })
  const quick = opts.quick === true
  const epochsPer = opts.epochs ?? (quick ? 3 : 12)
  const cores: CoreSpec[] = quick
    ? [{ label: '16 MiB / 64 KiB', bytes: 16 * MiB, blockSize: 64 * 1024 }]
    : [
        { label: '64 MiB / 64 KiB', bytes: 64 * MiB, blockSize: 64 * 1024 },
        { label: '64 MiB / 4 KiB', bytes: 64 * MiB, blockSize: 4 * 1024 }
      ]
  const sampleCounts = quick ? [16] : [16, 32]
  const distances = [0, 5, 20, 50, 100]
  const deadlines = [25, 50, 100, 150, 250, 500, 1000]
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
    const honest: BenchHoster = await startHonestHoster(bootstrap, 'h', holderStore, held)
    closers.push(() => honest.close())
    const source = await startProofSource((hex) => held.find((c) => c.key.toString('hex') === hex))
    closers.push(() => source.close())
    let client: ProofClient | null = null
    const relay: BenchHoster = await startRelayHoster(bootstrap, 'r', (coreKey, indices) => {
      if (!client) return Promise.reject(new Error('relay has no source'))
      return client.prove(coreKey, indices)
    })
    closers.push(() => relay.close())
    const attestors: Dht[] = []
    for (let i = 0; i < ATTESTORS; i++) {
      const d = createDht({ bootstrap, keyPair: keyPair(seedFromName(`relay-bench-attestor-${i}`)) })
      attestors.push(d)
      closers.push(() => d.destroy())
    }
    await Promise.all(attestors.map((d) => d.fullyBootstrapped()))

    let epoch = 0
    const runEpochs = async (hosterNodeKey: Buffer, core: Core, samples: number): Promise<ChallengeSample[][]> => {
      // one unrecorded warm-up challenge (first DHT lookups, page cache)
      await challengeOnce(attestors[0] as Dht, { hosterNodeKey, coreKey: core.key, length: core.length, agreementId: 'warmup', epoch: 0, samples })
      const epochs: ChallengeSample[][] = []
      for (let e = 0; e < epochsPer; e++) {
        epoch++
        const one: ChallengeSample[] = []
        for (const a of attestors) {
          one.push(await challengeOnce(a, { hosterNodeKey, coreKey: core.key, length: core.length, agreementId: `relay-bench-${core.key.toString('hex').slice(0, 8)}`, epoch, samples }))
        }
        epochs.push(one)
      }
      return epochs
    }
    const line = (r: RunResult): string => {
      const times = r.epochs.flat().filter((s) => s.outcome === 'pass').map((s) => s.timeMs)
      const bad = r.epochs.flat().filter((s) => s.outcome !== 'pass').map((s) => `${s.outcome}/${s.code}`)
      return `${r.kind.padEnd(10)} ${r.core.padEnd(16)} s=${String(r.samples).padEnd(3)} d=${r.distanceMs === null ? '  —' : String(r.distanceMs).padStart(3)}` +
        `${r.rtt ? ` rtt(line) p50 ${f1(r.rtt.p50)}` : ''}  time p50 ${f1(percentile(times, 50))} p95 ${f1(percentile(times, 95))} max ${f1(percentile(times, 100))} ms` +
        `${bad.length ? `  invalid: ${bad.join(', ')}` : ''}`
    }

    out(`\nprotocol ${CHALLENGE_PROTOCOL}; ${ATTESTORS} attestors per epoch, ${epochsPer} epochs per row; ${os.cpus().length} cores\n`)
    for (const [ci, spec] of cores.entries()) {
      const core = held[ci] as Core
      for (const samples of sampleCounts) {
        const h: RunResult = { kind: 'honest', core: spec.label, samples, distanceMs: null, rtt: null, epochs: await runEpochs(honest.nodeKey, core, samples) }
        results.push(h)
        out(line(h))
        for (const d of distances) {
          const proxy = await startDelayProxy(source.port, d / 2)
          client = await connectProofSource(proxy.port)
          try {
            const pings: number[] = []
            for (let i = 0; i < 20; i++) pings.push(await client.ping())
            const rtt = { min: percentile(pings, 0), p50: percentile(pings, 50), max: percentile(pings, 100) }
            const r: RunResult = { kind: 'relay', core: spec.label, samples, distanceMs: d, rtt, epochs: await runEpochs(relay.nodeKey, core, samples) }
            results.push(r)
            out(line(r))
          } finally {
            client.close()
            client = null
            await proxy.close()
          }
        }
      }
    }

    // --- honest hosters under a CPU hog on both cores ---
    const hogs = startHogs(2, 10 * 60_000)
    try {
      await new Promise((resolve) => setTimeout(resolve, 500))
      for (const [ci, spec] of cores.entries()) {
        for (const samples of sampleCounts) {
          const r: RunResult = { kind: 'honest+hog', core: spec.label, samples, distanceMs: null, rtt: null, epochs: await runEpochs(honest.nodeKey, held[ci] as Core, samples) }
          results.push(r)
          out(line(r))
        }
      }
    } finally {
      await hogs.stop()
    }

    // --- tables ---
    out('\nPer-epoch detection of the relay (epochs failed by the rules; in brackets: epochs not paid), and')
    out('the same rates for honest hosters (false failures), for candidate deadlines D:\n')
    out(`| hoster | core | samples | d (ms) | RTT through line p50 (ms) | time p50 / p99 (ms) | ${deadlines.map((d) => `D=${d}`).join(' | ')} |`)
    out(`|---|---|---|---|---|---|${deadlines.map(() => '---').join('|')}|`)
    for (const r of results) {
      const times = r.epochs.flat().map((s) => s.timeMs)
      const cells = deadlines.map((D) => {
        const s = statsAt(r.epochs, D)
        return `${pct(s.epochFailed)} (${pct(s.epochUnpaid)})`
      })
      out(`| ${r.kind} | ${r.core} | ${r.samples} | ${r.distanceMs ?? '—'} | ${r.rtt ? f1(r.rtt.p50) : '—'} | ${f1(percentile(times, 50))} / ${f1(percentile(times, 99))} | ${cells.join(' | ')} |`)
    }
    out('\nPer-challenge rate over the deadline (honest: false failures; relay: detections per challenge):\n')
    out(`| hoster | core | samples | d (ms) | challenges | ${deadlines.map((d) => `D=${d}`).join(' | ')} |`)
    out(`|---|---|---|---|---|${deadlines.map(() => '---').join('|')}|`)
    for (const r of results) {
      const cells = deadlines.map((D) => pct(statsAt(r.epochs, D).challengeFail))
      out(`| ${r.kind} | ${r.core} | ${r.samples} | ${r.distanceMs ?? '—'} | ${r.epochs.flat().length} | ${cells.join(' | ')} |`)
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
  const { values } = parseArgs({ options: { quick: { type: 'boolean' }, epochs: { type: 'string' } } })
  await runRelayBench({ quick: values.quick === true, ...(values.epochs ? { epochs: Number(values.epochs) } : {}) })
}
