// Mirroring benchmark (issue 5; equal work, issue 15 item 2). One run prints, side by side, for cores
// of the same bytes (100 MiB in 64 KiB blocks; --quick: 16 MiB) on the same machine:
//  - Favor with 1 replica against 1 blind-peer, and Favor with 2 replicas against 2 blind-peers: time
//    from `publish` to the first replica held and to every replica held (contiguous on the hosters,
//    polled every 10 ms), against Holepunch's blind-peer (3.8.1) servers mirroring the SAME core for one
//    blind-peering client (2.0.1; its `pick` is 2, so with 2 keys it asks both) from the client's
//    `addCore(core, { announce: false })` call to the first and every blind peer holding every block;
//  - the time to the first replica on a network with REAL one-hour epochs (no compressed clock): a
//    matching round, not an epoch start, creates the agreement, so it must not depend on the epoch;
//  - a plain hyperswarm + corestore reader replicating the 1-replica core (join → done);
//  - the demo's time from start to the first passing challenge.
// Each scenario is a fresh network (its own publisher, core and hosters: one hoster per replica, so the
// matching has no choice to make); the blind peers run after Favor, against the same publisher and core
// (its data is then warm in the page cache, which, if anything, favours the baselines; the plain reader
// runs before the blind peers). Everything runs
// in this one process on 127.0.0.1.
// Standalone: node --import tsx bench/mirror.ts [--quick]
import { pathToFileURL } from 'node:url'
import { createDht, createSwarm, openStore } from '../src/stack/index.js'
import type { Core } from '../src/stack/index.js'
// Not part of src/stack/index.ts: blind-peer/blind-peering are devDependencies, for this benchmark only.
import { blindPeeringClient, startBlindPeer, type BlindPeerServer, type BlindPeeringClient } from '../src/stack/blind-peer.js'
import { listAgreements } from '../src/ledger/index.js'
import type { FavorNode } from '../src/node.js'
import { runDemo } from '../src/demo/index.js'
import { makeTempDir, removeDir } from '../test/harness/tmp.js'
import { waitFor, withTimeout } from '../test/harness/wait.js'
import { E2ENet } from '../test/e2e/helpers.js'
import { fig, type FigureOptions, type Printed } from './figures.js'

export interface Times {
  /** start → first replica holds every block, ms. */
  firstMs: number
  /** start → every replica holds every block, ms. */
  allMs: number
}

export interface FavorTimes extends Times {
  /** publish → first agreement on the publisher's view, ms. */
  matchMs: number
  /** publish → every agreement active on the publisher's view, ms. */
  activeMs: number
}

export interface Scenario {
  replicas: number
  /** Real epoch length of the Favor network; null: the network's own (1 hour). */
  epochMs: number | null
  favor: FavorTimes
  blindPeer: (Times & { addCoreMs: number }) | null
  plainMs: number | null
}

export interface MirrorBenchResult {
  bytes: number
  blockSize: number
  scenarios: Scenario[]
  /** demo start → first passing challenge, ms (null if none). */
  demoFirstPassMs: number | null
}

const MiB = 1024 * 1024
const POLL_MS = 10

async function fillCore(core: Core, blocks: number, blockSize: number): Promise<void> {
  for (let i = 0; i < blocks; i += 256) {
    const batch: Buffer[] = []
    for (let j = i; j < Math.min(blocks, i + 256); j++) {
      const b = Buffer.alloc(blockSize, j % 251)
      b.writeUInt32LE(j, 0)
      batch.push(b)
    }
    await core.append(batch)
  }
}

/** Favor on a fresh network with one hoster per replica: publish → first / every replica held. */
async function favorScenario(net: E2ENet, replicas: number, bytes: number, blockSize: number, epochMs: number | null): Promise<{ times: FavorTimes; pub: FavorNode; core: Core }> {
  const blocks = bytes / blockSize
  const clock = epochMs === null ? {} : { epochMs }
  await net.addNode({ name: 'idx' }, clock)
  const pub = await net.addNode({ name: 'pub' }, clock)
  const hosters: FavorNode[] = []
  for (let i = 1; i <= replicas; i++) hosters.push(await net.addNode({ name: `h${i}`, hoster: { capacityBytes: 2 * bytes } }, clock))
  await waitFor(async () => {
    for (const h of hosters) if ((await pub.ledger.kv.get(`offer/${h.account}`)) === null) return false
    return true
  }, 20_000, 'offers on the publisher\'s view')
  const core = await pub.localCore('bench')
  await fillCore(core, blocks, blockSize)
  const hex = core.key.toString('hex')
  const t0 = performance.now()
  let tMatched = 0
  let tFirst = 0
  const { requestId } = await pub.publishCore(core, { replicas })
  await waitFor(async () => {
    if (tMatched === 0 && (await listAgreements(pub.ledger.kv, { requestId })).length >= 1) tMatched = performance.now()
    const held = hosters.filter((h) => h.mirrors().some((m) => m.coreKey === hex && m.have >= blocks)).length
    if (held >= 1 && tFirst === 0) tFirst = performance.now()
    return held >= replicas
  }, 600_000, `${replicas} hosters hold the core`, POLL_MS)
  const tAll = performance.now()
  await waitFor(async () => (await listAgreements(pub.ledger.kv, { requestId })).filter((a) => a.state === 'active').length >= replicas, 300_000, 'active', POLL_MS)
  const tActive = performance.now()
  return { times: { firstMs: tFirst - t0, allMs: tAll - t0, matchMs: (tMatched || tFirst) - t0, activeMs: tActive - t0 }, pub, core }
}

/** `n` blind peers (own corestore and DHT node each) and one blind-peering client over the publisher's store. */
async function blindPeerScenario(net: E2ENet, pub: FavorNode, core: Core, n: number): Promise<Times & { addCoreMs: number }> {
  const dirs: string[] = []
  const dhts = [createDht({ bootstrap: net.testnet.bootstrap })] // [0]: the client's
  const servers: BlindPeerServer[] = []
  let client: BlindPeeringClient | null = null
  try {
    for (let i = 0; i < n; i++) {
      dirs.push(await makeTempDir(`bench-blind-peer-${i}`))
      dhts.push(createDht({ bootstrap: net.testnet.bootstrap }))
    }
    await Promise.all(dhts.map((d) => d.fullyBootstrapped()))
    for (let i = 0; i < n; i++) servers.push(await startBlindPeer({ dir: dirs[i] as string, dht: dhts[i + 1] as ReturnType<typeof createDht> }))
    client = await blindPeeringClient({ dht: dhts[0] as ReturnType<typeof createDht>, store: pub.store, keys: servers.map((s) => s.publicKey) })
    let t0 = 0
    const done: number[] = []
    const held = servers.map((s) => s.waitHeld(core.key, core.length, { timeoutMs: 180_000, intervalMs: POLL_MS }).then(() => { done.push(performance.now()) }))
    const all = Promise.all(held)
    all.catch(() => undefined) // awaited below; avoids an unhandled rejection if addCore throws first
    t0 = performance.now()
    await client.addCore(core)
    const addCoreMs = performance.now() - t0
    await all
    const sorted = done.sort((a, b) => a - b)
    return { firstMs: (sorted[0] as number) - t0, allMs: (sorted.at(-1) as number) - t0, addCoreMs }
  } finally {
    progress('closing the blind peers')
    await client?.close()
    for (const s of servers) await s.close()
    for (const d of dhts) await d.destroy()
    for (const d of dirs) await removeDir(d)
  }
}

/** A plain peer replicating the same core over hyperswarm (publisher and hosters serve it): join → done. */
async function plainReader(net: E2ENet, core: Core): Promise<number> {
  const dir = await makeTempDir('bench-plain')
  const store = openStore(dir)
  const dht = createDht({ bootstrap: net.testnet.bootstrap })
  const swarm = createSwarm({ dht })
  swarm.on('connection', (c) => { store.replicate(c) })
  try {
    const t1 = performance.now()
    const rc = store.get({ key: core.key })
    await rc.ready()
    swarm.join(rc.discoveryKey, { server: false, client: true })
    await withTimeout(waitFor(async () => { await rc.update({ wait: true }); return rc.length >= core.length }, 30_000, 'baseline length', POLL_MS), 31_000, 'baseline length')
    await withTimeout(rc.download({ start: 0, end: rc.length }).done(), 300_000, 'baseline download')
    return performance.now() - t1
  } finally {
    await swarm.destroy()
    await dht.destroy()
    await store.close()
    await removeDir(dir)
  }
}

const progress = (line: string): void => { process.stderr.write(`  … ${line}\n`) }

async function scenario(replicas: number, bytes: number, blockSize: number, epochMs: number | null, baselines: { blindPeer: boolean; plain: boolean }): Promise<Scenario> {
  const net = await E2ENet.create()
  try {
    const { times, pub, core } = await favorScenario(net, replicas, bytes, blockSize, epochMs)
    progress(`Favor ${replicas} replica(s), epochs of ${epochMs === null ? '1 h' : `${epochMs} ms`}: first ${(times.firstMs / 1000).toFixed(2)} s, all ${(times.allMs / 1000).toFixed(2)} s`)
    // the plain reader first: after a blind-peering client closed on the publisher's store, a 100 MiB
    // plain download from it stalled (seen once; not investigated)
    const plainMs = baselines.plain ? await plainReader(net, core) : null
    const blindPeer = baselines.blindPeer ? await blindPeerScenario(net, pub, core, replicas) : null
    if (blindPeer !== null) progress(`blind-peer ×${replicas}: first ${(blindPeer.firstMs / 1000).toFixed(2)} s, all ${(blindPeer.allMs / 1000).toFixed(2)} s`)
    return { replicas, epochMs, favor: times, blindPeer, plainMs }
  } finally {
    for (const n of [...net.nodes].reverse()) {
      progress(`closing ${n.name}`)
      await withTimeout(net.closeNode(n), 60_000, `closing ${n.name}`).catch((err: unknown) => { progress(`${(err as Error).message}: left open`) })
    }
    // After the 100 MiB blind-peer run the testnet's destroy did not finish (seen three times, not with
    // 16 MiB; not investigated): bounded, then the data directories are removed here.
    await withTimeout(net.close(), 30_000, 'closing the testnet').catch(async (err: unknown) => {
      progress(`${(err as Error).message}: left open`)
      for (const d of net.dirs) await removeDir(d)
    })
  }
}

export async function runMirrorBench(opts: { quick?: boolean; out?: (line: string) => void } = {}): Promise<MirrorBenchResult> {
  const out = opts.out ?? ((l: string) => { process.stdout.write(l + '\n') })
  const quick = opts.quick === true
  const bytes = (quick ? 16 : 100) * MiB
  const blockSize = 64 * 1024
  const compressed = 1000
  out(`cores: ${bytes / blockSize} blocks × ${blockSize / 1024} KiB = ${bytes / MiB} MiB; a fresh network per scenario; all in this one process, 127.0.0.1 only`)
  const scenarios: Scenario[] = []
  for (const replicas of [1, 2]) {
    const sc = await scenario(replicas, bytes, blockSize, compressed, { blindPeer: true, plain: replicas === 1 })
    scenarios.push(sc)
  }
  const hour = await scenario(1, bytes, blockSize, null, { blindPeer: false, plain: false })
  scenarios.push(hour)
  const demo = await runDemo({ nodes: 5, epochs: 5, epochMs: quick ? 1500 : 3000, out: () => undefined })
  const r: MirrorBenchResult = { bytes, blockSize, scenarios, demoFirstPassMs: demo.firstPassMs }

  const sec = (name: string, ms: number | null, o: FigureOptions = {}): Printed => fig(name, ms === null ? null : ms / 1000, 's', { digits: 2, ...o })
  const rate = (ms: number): string => `${(bytes / MiB / (ms / 1000)).toFixed(0)} MiB/s`
  const equal: FigureOptions['aim'] = { on: 'ratio', cmp: '<=', limit: 1 }
  const [one, two] = scenarios as [Scenario, Scenario, Scenario]
  const bp1 = one.blindPeer as Times & { addCoreMs: number }
  const bp2 = two.blindPeer as Times & { addCoreMs: number }
  out('\n## Equal work: Favor with n replicas against n blind peers, same core (epochs of 1000 ms)')
  out('| replicas | Favor publish → first held | blind-peer addCore → first held | ratio | Favor publish → all held | blind-peer → all held | ratio | Favor → matched / → all active |')
  out('| --- | --- | --- | --- | --- | --- | --- | --- |')
  const verdicts: string[] = []
  for (const [sc, bp] of [[one, bp1], [two, bp2]] as const) {
    const n = sc.replicas
    const bFirst = sec(`blind-peer ${n}: addCore → first held`, bp.firstMs)
    const bAll = sec(`blind-peer ${n}: addCore → all held`, bp.allMs)
    const fFirst = sec(`Favor ${n}: publish → first held`, sc.favor.firstMs, { baseline: bFirst, aim: equal })
    const fAll = sec(`Favor ${n}: publish → all held`, sc.favor.allMs, { baseline: bAll, aim: equal })
    sec(`blind-peer ${n}: addCore resolved`, bp.addCoreMs)
    out(`| ${n} | ${fFirst.vu} | ${bFirst.vu} | ${fFirst.r} | ${fAll.vu} | ${bAll.vu} | ${fAll.r} | ${sec(`Favor ${n}: publish → matched`, sc.favor.matchMs).vu} / ${sec(`Favor ${n}: publish → all active`, sc.favor.activeMs).vu} |`)
    verdicts.push(`${n} replica(s): first ${fFirst.verdict}; all ${fAll.verdict}`)
  }
  out(`equal-work ratios (Favor / blind-peer): ${verdicts.join(' | ')}`)
  out(`rates: Favor 1 replica ${rate(one.favor.allMs)}, blind-peer 1 ${rate(bp1.allMs)}, plain reader ${rate(one.plainMs as number)}`)
  const plain = sec('plain reader join → done', one.plainMs)
  out(`plain hyperswarm replication, 1 reader:  ${plain.vu} (join → done); blind-peer 1 / plain ${(bp1.allMs / (one.plainMs as number)).toFixed(2)}×, Favor 1 / plain ${(one.favor.allMs / (one.plainMs as number)).toFixed(2)}×`)

  out('\n## Time to the first replica, whatever the epoch length (aim ≤ 1.5 × blind-peer\'s mirror time + 5 s)')
  const limit = (1.5 * bp1.allMs + 5000) / 1000
  const aim = { on: 'value' as const, cmp: '<=' as const, limit }
  const note = `aim: 1.5 × blind-peer 1's addCore → held (${(bp1.allMs / 1000).toFixed(2)} s, this run) + 5 s`
  const c = sec('first replica, epochs of 1000 ms', one.favor.firstMs, { aim, note })
  const h = sec('first replica, epochs of 1 hour', hour.favor.firstMs, { aim, note, baseline: c })
  out('| epochs | publish → matched | publish → first held | aim | ')
  out('| --- | --- | --- | --- |')
  out(`| 1000 ms (compressed) | ${(one.favor.matchMs / 1000).toFixed(2)} s | ${c.vu} | ${c.verdict} |`)
  out(`| 1 hour (real clock, 5 s rounds) | ${sec('first replica, epochs of 1 hour: matched', hour.favor.matchMs).vu} | ${h.vu} | ${h.verdict} |`)
  out(`1-hour / 1000 ms epochs: ${h.r} (the epoch length does not enter: a matching round creates the agreement)`)
  out(`\ndemo start → first passing challenge: ${r.demoFirstPassMs === null ? 'none' : sec('demo first pass', r.demoFirstPassMs).vu} (5 nodes, epochs of ${quick ? 1500 : 3000} ms)`)
  return r
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runMirrorBench({ quick: process.argv.includes('--quick') }).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
    process.exitCode = 1
  })
}
