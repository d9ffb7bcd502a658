// Mirroring benchmark (issue 5). One run prints, side by side, for the same core (100 MiB in 64 KiB
// blocks; --quick: 16 MiB) on the same machine:
//  - Favor: time from `publish` to the core being fully held by both hosters, split into waiting for
//    the next epoch's matching and mirroring proper;
//  - Holepunch's blind-peer (3.8.1) mirroring the same core: a blind-peer server (own corestore in a
//    temp dir, own DHT node on the loopback testnet) and a blind-peering client (2.0.1) over the
//    publisher's corestore; time from the client's `addCore(core, { announce: false })` call until the
//    blind peer holds every block (contiguousLength === length, polled every 10 ms like Favor's);
//  - a plain hyperswarm + corestore reader replicating the same core (join → done);
//  - the demo's time from start to the first passing challenge.
// Everything runs in this one process (the Favor nodes, the blind peer, its client, the plain reader),
// on 127.0.0.1 only. The baselines run after Favor, against the same publisher (its data is then warm
// in the page cache, which, if anything, favours the baselines).
// Standalone: node --import tsx bench/mirror.ts [--quick]
import { pathToFileURL } from 'node:url'
import { createDht, createSwarm, openStore } from '../src/stack/index.js'
// Not part of src/stack/index.ts: blind-peer/blind-peering are devDependencies, for this benchmark only.
import { blindPeeringClient, startBlindPeer, type BlindPeerServer, type BlindPeeringClient } from '../src/stack/blind-peer.js'
import { listAgreements } from '../src/ledger/index.js'
import { FavorNode } from '../src/node.js'
import { runDemo } from '../src/demo/index.js'
import { makeTempDir, removeDir } from '../test/harness/tmp.js'
import { waitFor, withTimeout } from '../test/harness/wait.js'
import { E2ENet } from '../test/e2e/helpers.js'
import { fig } from './figures.js'

export interface MirrorBenchResult {
  bytes: number
  blockSize: number
  /** publish → both hosters hold every block, ms. */
  favorMs: number
  /** publish → agreements created (waiting for the next epoch start), ms. */
  favorMatchMs: number
  /** agreements created → both hosters hold every block, ms. */
  favorMirrorMs: number
  /** publish → both agreements active on the ledger, ms. */
  favorActiveMs: number
  /** blind-peer mirroring the same core: blind-peering `addCore` call → blind peer holds every block, ms. */
  blindPeerMs: number
  /** blind-peering `addCore` call → it resolved (connection up, request sent), ms. */
  blindPeerAddCoreMs: number
  /** plain hyperswarm replication of the same core, join → done, ms. */
  plainMs: number
  /** demo start → first passing challenge, ms (null if none). */
  demoFirstPassMs: number | null
}

const MiB = 1024 * 1024

export async function runMirrorBench(opts: { quick?: boolean; out?: (line: string) => void } = {}): Promise<MirrorBenchResult> {
  const out = opts.out ?? ((l: string) => { process.stdout.write(l + '\n') })
  const bytes = (opts.quick === true ? 16 : 100) * MiB
  const blockSize = 64 * 1024
  const blocks = bytes / blockSize
  const net = await E2ENet.create()
  let favorMs: number
  let favorMatchMs: number
  let favorActiveMs: number
  let plainMs: number
  let blindPeerMs: number
  let blindPeerAddCoreMs: number
  try {
    const idx = await net.addNode({ name: 'idx' }, { epochMs: 1000 })
    const pub = await net.addNode({ name: 'pub' }, { epochMs: 1000 })
    const hosters: FavorNode[] = []
    for (const name of ['h1', 'h2']) hosters.push(await net.addNode({ name, hoster: { capacityBytes: 2 * bytes } }, { epochMs: 1000 }))
    await waitFor(async () => {
      const offers = await Promise.all(hosters.map((h) => h.status()))
      return offers.every((s) => s.offer !== null)
    }, 20_000, 'offers on the ledger')
    const core = await pub.localCore('bench')
    for (let i = 0; i < blocks; i += 256) {
      const batch: Buffer[] = []
      for (let j = i; j < Math.min(blocks, i + 256); j++) {
        const b = Buffer.alloc(blockSize, j % 251)
        b.writeUInt32LE(j, 0)
        batch.push(b)
      }
      await core.append(batch)
    }
    out(`core: ${blocks} blocks × ${blockSize / 1024} KiB = ${bytes / MiB} MiB; epochs of 1000 ms (matching waits for the next epoch start)`)

    const t0 = performance.now()
    let tMatched = 0
    const { requestId } = await pub.publishCore(core, { replicas: 2 })
    await waitFor(async () => {
      if (tMatched === 0 && (await listAgreements(pub.ledger.kv, { requestId })).length >= 2) tMatched = performance.now()
      return hosters.every((h) => h.mirrors().some((m) => m.coreKey === core.key.toString('hex') && m.have >= blocks))
    }, 300_000, 'both hosters hold the core', 10)
    favorMs = performance.now() - t0
    favorMatchMs = (tMatched || performance.now()) - t0
    await waitFor(async () => (await listAgreements(pub.ledger.kv, { requestId })).filter((a) => a.state === 'active').length >= 2, 60_000, 'active', 10)
    favorActiveMs = performance.now() - t0
    void idx

    // Baseline: a plain peer replicating the same core over hyperswarm (publisher and hosters serve it).
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
      await withTimeout(waitFor(async () => { await rc.update({ wait: true }); return rc.length >= blocks }, 30_000, 'baseline length', 10), 31_000, 'baseline length')
      await withTimeout(rc.download({ start: 0, end: rc.length }).done(), 300_000, 'baseline download')
      plainMs = performance.now() - t1
    } finally {
      await swarm.destroy()
      await dht.destroy()
      await store.close()
      await removeDir(dir)
    }

    // Baseline: Holepunch's blind-peer mirroring the same core, in this process. The server has its own
    // corestore and DHT node; the client lives beside the publisher (its corestore, the "writer's
    // process") on a DHT node of its own, and must stay up while the blind peer pulls over its connection.
    const bpDir = await makeTempDir('bench-blind-peer')
    const bpDht = createDht({ bootstrap: net.testnet.bootstrap })
    const clientDht = createDht({ bootstrap: net.testnet.bootstrap })
    let server: BlindPeerServer | null = null
    let client: BlindPeeringClient | null = null
    try {
      await Promise.all([bpDht.fullyBootstrapped(), clientDht.fullyBootstrapped()])
      server = await startBlindPeer({ dir: bpDir, dht: bpDht })
      client = await blindPeeringClient({ dht: clientDht, store: pub.store, keys: [server.publicKey] })
      const held = server.waitHeld(core.key, blocks, { timeoutMs: 300_000, intervalMs: 10 })
      held.catch(() => undefined) // awaited below; avoids an unhandled rejection if addCore throws first
      const t2 = performance.now()
      await client.addCore(core)
      blindPeerAddCoreMs = performance.now() - t2
      await held
      blindPeerMs = performance.now() - t2
    } finally {
      await client?.close()
      await server?.close()
      await clientDht.destroy()
      await bpDht.destroy()
      await removeDir(bpDir)
    }
  } finally {
    await net.close()
  }
  const demo = await runDemo({ nodes: 5, epochs: 5, epochMs: opts.quick === true ? 1500 : 3000, out: () => undefined })
  const r: MirrorBenchResult = {
    bytes, blockSize, favorMs, favorMatchMs, favorMirrorMs: favorMs - favorMatchMs, favorActiveMs,
    blindPeerMs, blindPeerAddCoreMs, plainMs, demoFirstPassMs: demo.firstPassMs
  }
  const sec = (name: string, ms: number, opts: Parameters<typeof fig>[3] = {}): ReturnType<typeof fig> => fig(name, ms / 1000, 's', { digits: 2, ...opts })
  const rate = (ms: number): string => (bytes / MiB / (ms / 1000)).toFixed(0) + ' MiB/s'
  const bp = sec('blind-peer addCore → held', r.blindPeerMs)
  const plain = sec('plain reader join → done', r.plainMs)
  const favor = sec('Favor publish → held by 2', r.favorMs, { baseline: bp, aim: { on: 'ratio', cmp: '<=', limit: 1 } })
  const mirror = sec('Favor mirroring proper (2)', r.favorMirrorMs, { baseline: bp })
  out('all in this one process, 127.0.0.1 only; same core, same machine, same run:')
  out(`Favor publish → fully held by 2 hosters:   ${favor.vu}  (matching wait ${sec('Favor matching wait', r.favorMatchMs).vu} + mirroring ${mirror.vu}); → active on the ledger ${sec('Favor publish → active (2)', r.favorActiveMs).vu}`)
  out(`blind-peer 3.8.1, addCore → fully held:    ${bp.vu}  (${rate(r.blindPeerMs)}; 1 blind peer; addCore resolved after ${sec('blind-peer addCore resolved', r.blindPeerAddCoreMs).vu})`)
  out(`plain hyperswarm replication, 1 reader:    ${plain.vu}  (${rate(r.plainMs)}; join → done)`)
  out('ratios (Favor / baseline; aim ≤ 1.00×):')
  out(`  Favor end-to-end / blind-peer:           ${favor.r}  (${favor.verdict}; but 2 replicas against 1)`)
  out(`  Favor mirroring proper / blind-peer:     ${mirror.r}  (excludes the wait for matching)`)
  out(`  Favor end-to-end / plain reader:         ${(r.favorMs / r.plainMs).toFixed(2)}×`)
  out(`  blind-peer / plain reader:               ${(r.blindPeerMs / r.plainMs).toFixed(2)}×`)
  out(`demo start → first passing challenge:      ${r.demoFirstPassMs === null ? 'none' : sec('demo first pass', r.demoFirstPassMs).vu} (5 nodes, epochs of ${opts.quick === true ? 1500 : 3000} ms)`)
  return r
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runMirrorBench({ quick: process.argv.includes('--quick') }).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
    process.exitCode = 1
  })
}
