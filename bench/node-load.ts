// One node's load (issue 15 item 5). A hoster node in a process of its own (bench/node-load-hoster.ts)
// holds 1,000 small agreements (16 blocks of 4 KiB each; --quick: 100) and, every epoch, answers the
// challenges of 3 attestors per agreement (3,000 per epoch) and applies the ledger (the tick that settles
// 1,000 agreements, the attestors' reports). Inside that process, perf_hooks' monitorEventLoopDelay
// measures the event-loop delay (its values include the 10 ms sampling interval: an idle loop reads about
// 10 ms); CPU time and RSS come from the same process; the driver asks for them
// over the IPC channel at each window's end. Windows: idle (the hoster's offer on the ledger, nothing
// hosted: the baseline), mirroring every core, and whole epochs of steady load.
// The rest of the network (indexer, publisher, 3 more attestors) runs in the driver process, on a
// loopback testnet; epochs are compressed (150 s; --quick 20 s): the challenge rate is 24 × (quick: 180 ×)
// that of one-hour epochs. Aim: event-loop delay p99 < 100 ms.
// Standalone: node --import tsx bench/node-load.ts [--quick]
import { fork, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { listAgreements } from '../src/ledger/index.js'
import type { FavorNode } from '../src/node.js'
import type { Core } from '../src/stack/index.js'
import type { ChallengeRecord } from '../src/roles/types.js'
import { makeTempDir, removeDir } from '../test/harness/tmp.js'
import { waitFor, withTimeout } from '../test/harness/wait.js'
import { E2ENet, E2E_CHALLENGE, TEST_PARAMS } from '../test/e2e/helpers.js'
import { fig, type Printed } from './figures.js'
import type { HosterReply, HosterRequest, HosterSample } from './node-load-hoster.js'

const AIM_P99_MS = 100
const BLOCKS = 16
const BLOCK_BYTES = 4096

class Hoster {
  private readonly waiting: { type: HosterReply['type']; resolve: (m: HosterReply) => void }[] = []
  readonly errors: string[] = []

  constructor(readonly child: ChildProcess) {
    child.on('message', (m: HosterReply) => {
      if (m.type === 'error') { this.errors.push(m.message); process.stderr.write(`load hoster: ${m.message}\n`); return }
      const i = this.waiting.findIndex((w) => w.type === m.type)
      if (i >= 0) this.waiting.splice(i, 1)[0]?.resolve(m)
    })
  }

  request<T extends HosterReply['type']>(msg: HosterRequest | null, reply: T, ms = 120_000): Promise<Extract<HosterReply, { type: T }>> {
    const p = new Promise<HosterReply>((resolve) => { this.waiting.push({ type: reply, resolve }) })
    if (msg !== null) this.child.send(msg)
    return withTimeout(p, ms, `load hoster: ${reply}`) as Promise<Extract<HosterReply, { type: T }>>
  }

  sample(reset = true): Promise<HosterSample> {
    return this.request({ type: 'sample', reset }, 'sample')
  }
}

function hosterScript(): { path: string; execArgv: string[] } {
  const self = fileURLToPath(import.meta.url)
  // built: dist/bench/node-load.js beside node-load-hoster.js; under tsx: the .ts files (tsx's loader is in execArgv)
  return { path: self.replace(/node-load\.(ts|js)$/, 'node-load-hoster.$1'), execArgv: process.execArgv }
}

async function makeCores(pub: FavorNode, n: number): Promise<Core[]> {
  const cores: Core[] = []
  for (let i = 0; i < n; i++) {
    const core = await pub.localCore(`load-${i}`)
    const blocks = Array.from({ length: BLOCKS }, (_, j) => {
      const b = Buffer.alloc(BLOCK_BYTES, (i + j) % 251)
      b.writeUInt32LE(i, 0)
      b.writeUInt32LE(j, 4)
      return b
    })
    await core.append(blocks)
    cores.push(core)
  }
  return cores
}

const mib = (b: number): number => b / 2 ** 20
const progress = (line: string): void => { process.stderr.write(`  … ${line}\n`) }

export async function runNodeLoadBench(opts: { quick?: boolean } = {}): Promise<void> {
  const quick = opts.quick === true
  const agreements = quick ? 100 : 1000
  // compressed: 3,000 challenges in 150 s are 20 per second, 24 × what a one-hour epoch asks
  const epochMs = quick ? 20_000 : 150_000
  const steadyEpochs = 2
  const common = { epochMs, challenge: { ...E2E_CHALLENGE, concurrency: 16 }, params: { ...TEST_PARAMS, attestors: 3 } }
  console.log(`# One node's load${quick ? ' (quick)' : ''}: a hoster process with ${agreements} agreements × ${BLOCKS} blocks of ${BLOCK_BYTES / 1024} KiB, 3 attestors each, epochs of ${epochMs / 1000} s, loopback`)
  const net = await E2ENet.create()
  const dir = await makeTempDir('bench-load-hoster')
  const script = hosterScript()
  const child = fork(script.path, [], { execArgv: script.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const hoster = new Hoster(child)
  const exited = once(child, 'exit')
  let closing = false
  child.on('exit', (code, signal) => { if (!closing) process.stderr.write(`load hoster: exited early (code ${code}, signal ${signal})\n`) })
  try {
    const idx = await net.addNode({ name: 'idx' }, common)
    const pub = await net.addNode({ name: 'pub' }, common)
    const attestors = [idx]
    for (const name of ['a1', 'a2', 'a3']) attestors.push(await net.addNode({ name }, common))
    const opened = hoster.request({ type: 'start', dataDir: dir, bootstrap: net.testnet.bootstrap, networkKey: idx.networkKey, epochMs, capacityBytes: 4 * 2 ** 30 }, 'opened')
    const { account } = await opened
    const writable = hoster.request(null, 'writable')
    await idx.admit(account, { indexer: false })
    await writable
    await waitFor(async () => (await pub.ledger.kv.get(`offer/${account}`)) !== null, 60_000, 'the hoster\'s offer')

    // challenges run by the driver's attestors, by epoch
    const byEpoch = new Map<number, { n: number; pass: number; ms: number[] }>()
    const onChallenge = (rec: ChallengeRecord): void => {
      const e = byEpoch.get(rec.epoch) ?? { n: 0, pass: 0, ms: [] }
      e.n++
      if (rec.outcome === 'pass') e.pass++
      e.ms.push(rec.latencyMs)
      byEpoch.set(rec.epoch, e)
    }
    for (const a of attestors) a.on('challenge', onChallenge)

    // idle window (baseline): the hoster with its offer, nothing hosted
    await hoster.sample(true)
    await new Promise((resolve) => setTimeout(resolve, quick ? 5000 : 10_000))
    const idle = await hoster.sample(true)

    progress(`idle window done (p99 ${idle.p99.toFixed(1)} ms); making ${agreements} cores`)
    const cores = await makeCores(pub, agreements)
    const t0 = performance.now()
    for (let i = 0; i < cores.length; i += 50) await pub.publisher.publishCores(cores.slice(i, i + 50), { replicas: 1 })
    const tPublished = performance.now()
    await waitFor(async () => (await listAgreements(pub.ledger.kv, { hoster: account, state: 'active' })).length >= agreements, quick ? 300_000 : 1_200_000, `${agreements} agreements active`, 1000)
    const tActive = performance.now()
    const mirroring = await hoster.sample(true)
    progress(`${agreements} agreements active after ${((tActive - t0) / 1000).toFixed(1)} s (p99 ${mirroring.p99.toFixed(1)} ms)`)

    // steady epochs: from the next epoch start, whole epochs
    const startEpoch = (await pub.epoch()) + 1
    await waitFor(async () => (await pub.epoch()) >= startEpoch, 2 * epochMs + 30_000, `epoch ${startEpoch}`, 50)
    await hoster.sample(true)
    const steady: { epoch: number; s: HosterSample; live: number }[] = []
    for (let e = startEpoch; e < startEpoch + steadyEpochs; e++) {
      try {
        await waitFor(async () => (await pub.epoch()) > e, 2 * epochMs + 30_000, `epoch ${e + 1}`, 50)
      } catch (err) {
        // print what was measured; say why the run stopped
        console.log(`stopped before the end of epoch ${e}: ${(err as Error).message}; the hoster process is ${child.exitCode === null && child.signalCode === null ? 'running' : `gone (${child.exitCode ?? child.signalCode})`}`)
        break
      }
      const s = await hoster.sample(true)
      steady.push({ epoch: e, s, live: (await listAgreements(pub.ledger.kv, { hoster: account, liveOnly: true })).length })
      progress(`epoch ${e}: p99 ${s.p99.toFixed(1)} ms, challenges so far ${byEpoch.get(e)?.n ?? 0}`)
    }
    // challenges of the last measured epoch may still be reporting: give them a moment to be counted
    await new Promise((resolve) => setTimeout(resolve, 2000))
    for (const a of attestors) a.off('challenge', onChallenge)

    const row = (label: string, s: HosterSample, baseline: HosterSample | null, aim: boolean): string => {
      const p50 = fig(`${label}: event-loop delay p50`, s.p50, 'ms', baseline ? { baseline: { name: 'idle: event-loop delay p50', value: baseline.p50 } } : {})
      const p99: Printed = fig(`${label}: event-loop delay p99`, s.p99, 'ms', {
        ...(baseline ? { baseline: { name: 'idle: event-loop delay p99', value: baseline.p99 } } : {}),
        ...(aim ? { aim: { on: 'value' as const, cmp: '<' as const, limit: AIM_P99_MS, comparable: !quick } } : {})
      })
      const cpu = fig(`${label}: CPU`, (s.cpuMs / s.wallMs) * 100, '%', { digits: 0 })
      return `| ${label} | ${(s.wallMs / 1000).toFixed(1)} s | ${p50.v} | ${p99.v} | ${fig(`${label}: event-loop delay max`, s.max, 'ms').v} | ${cpu.v} % | ${fig(`${label}: RSS`, mib(s.rss), 'MiB').v} MiB | ${fig(`${label}: held cores`, s.held, 'cores').v} | ${aim ? p99.verdict : ''} |`
    }
    console.log('\n## The hoster process (event-loop delay from monitorEventLoopDelay, resolution 10 ms; CPU = its CPU time / wall time, 100 % = one core)')
    console.log('| window | wall | delay p50 ms | delay p99 ms | delay max ms | CPU | RSS | cores held | aim (p99 < 100 ms) |')
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |')
    console.log(row('idle (offer only)', idle, null, false))
    console.log(row(`mirroring ${agreements} cores`, mirroring, idle, true))
    for (const { epoch, s } of steady) console.log(row(`epoch ${epoch}`, s, idle, true))
    console.log(`\npublish (${Math.ceil(agreements / 50)} requests of ≤ 50 cores) ${fig('publish requests', (tPublished - t0) / 1000, 's').vu}; publish → all ${agreements} active ${fig('publish → all active', (tActive - t0) / 1000, 's').vu}`)
    console.log('| epoch | live agreements | challenges run (aim 3 per agreement) | pass | challenge latency p50 / p99 ms (attestor side) |')
    console.log('| --- | --- | --- | --- | --- |')
    for (const { epoch, live } of steady) {
      const c = byEpoch.get(epoch) ?? { n: 0, pass: 0, ms: [] }
      const ms = [...c.ms].sort((a, b) => a - b)
      const q = (p: number): number | null => (ms.length === 0 ? null : (ms[Math.min(ms.length - 1, Math.floor((p / 100) * ms.length))] as number))
      const run = fig(`epoch ${epoch}: challenges run`, c.n, 'challenges', { baseline: { name: 'challenges due (3 per live agreement)', value: 3 * live } })
      console.log(`| ${epoch} | ${live} | ${run.v} of ${3 * live} (${run.r}) | ${fig(`epoch ${epoch}: challenges passed`, c.pass, 'challenges').v} | ${fig(`epoch ${epoch}: challenge latency p50`, q(50), 'ms').v} / ${fig(`epoch ${epoch}: challenge latency p99`, q(99), 'ms').v} |`)
    }
    if (hoster.errors.length > 0) console.log(`hoster process errors: ${hoster.errors.length}`)
  } finally {
    closing = true
    if (child.connected) {
      await hoster.request({ type: 'close' }, 'closed', 60_000).catch(() => { child.kill() })
    }
    await withTimeout(exited, 30_000, 'load hoster exit').catch(() => { child.kill('SIGKILL') })
    await net.close()
    await removeDir(dir)
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runNodeLoadBench({ quick: process.argv.includes('--quick') })
}
