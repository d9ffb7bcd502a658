// Folder benchmark (issue 13). One run prints, side by side, for the same folder (1,000 files, 1 GiB in
// all, in 10 sub-folders; --quick: 100 files, 32 MiB) on the same machine:
//  - Favor: `publishFolder` (scan, import into a Hyperdrive in the node's corestore, one hosting request
//    for both cores) and then until the first replica is held (the one hoster holds every block of the
//    metadata core and of the blobs core), on real FavorNodes on a loopback testnet;
//  - the stock way: plain `hyperdrive` 13.3.4 + `mirror-drive` 1.14.2 from `localdrive` 2.2.1 importing the
//    same folder into a fresh corestore, then a plain reader (own corestore, own swarm) downloading both
//    cores of that drive over hyperswarm (join → every block held).
// The aim is Favor's total within 1.2× of the baseline's total; the line says met or not met.
// Everything runs in this one process, on 127.0.0.1 only. The folder is generated in a temp dir (random
// bytes: nothing compresses) and deleted at the end. Favor runs first, so the baseline reads the folder
// warm from the page cache, which, if anything, favours the baseline.
// Standalone: node --import tsx bench/folder.ts [--quick]
import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createDht, createSwarm, openDrive, openStore } from '../src/stack/index.js'
import type { Core, Drive } from '../src/stack/index.js'
// Not part of src/stack/index.ts: localdrive/mirror-drive are devDependencies, for this benchmark only.
import { mirrorFolderInto } from '../src/stack/mirror-drive.js'
import type { FavorNode } from '../src/node.js'
import { listAgreements } from '../src/ledger/index.js'
import { makeTempDir, removeDir } from '../test/harness/tmp.js'
import { waitFor, withTimeout } from '../test/harness/wait.js'
import { E2ENet, TEST_PARAMS } from '../test/e2e/helpers.js'

const MiB = 1024 * 1024
const AIM = 1.2

export interface FolderBenchResult {
  files: number
  bytes: number
  /** publishFolder call → resolved (scan, import, request applied), ms. */
  favorPublishMs: number
  /** publishFolder resolved → the hoster holds every block of both cores, ms. */
  favorReplicaMs: number
  favorMs: number
  /** mirror-drive from localdrive into a fresh hyperdrive, ms. */
  baseImportMs: number
  /** a plain reader: join → every block of both cores held, ms. */
  baseReadMs: number
  baseMs: number
  ratio: number
  met: boolean
}

/** `files` files of random bytes, `bytes` in all, spread over 10 sub-folders. */
async function makeFolder(dir: string, files: number, bytes: number): Promise<void> {
  const each = Math.floor(bytes / files)
  for (let d = 0; d < 10; d++) await mkdir(join(dir, `d${d}`), { recursive: true })
  for (let i = 0; i < files; i++) {
    const size = i === files - 1 ? bytes - each * (files - 1) : each
    await writeFile(join(dir, `d${i % 10}`, `file-${String(i).padStart(4, '0')}.bin`), randomBytes(size))
  }
}

function holds(node: FavorNode, cores: { key: string; length: number }[]): boolean {
  return cores.every((c) => node.mirrors().some((m) => m.coreKey === c.key && m.have >= c.length))
}

async function runFavor(folder: string, bytes: number, out: (line: string) => void): Promise<{ publishMs: number; replicaMs: number }> {
  const net = await E2ENet.create()
  try {
    const timing = { epochMs: 1000 }
    // 1 s epochs (as bench/mirror.ts) with a pinning window of an hour: the default 6 epochs would end a
    // 1 GiB agreement as not-ready long before any hoster could fetch it
    await net.addNode({ name: 'idx' }, { ...timing, params: { ...TEST_PARAMS, welcomeCreditMicro: 1_000_000_000n, pinningEpochs: 3600 } })
    const pub = await net.addNode({ name: 'pub' }, timing)
    const hoster = await net.addNode({ name: 'h1', hoster: { capacityBytes: 2 * bytes + 256 * MiB } }, timing)
    await waitFor(async () => (await hoster.status()).offer !== null, 20_000, 'the offer on the ledger')
    const t0 = performance.now()
    const published = await pub.publishFolder(folder, { replicas: 1 })
    const t1 = performance.now()
    out(`  Favor: publishFolder done in ${((t1 - t0) / 1000).toFixed(1)} s (request ${published.requestId}; cores ${published.cores.map((c) => `${c.kind} ${c.length} blocks`).join(', ')})`)
    // a line every 10 s while the replica is being made (what the hoster holds, the agreements' states)
    const progress = setInterval(() => {
      void listAgreements(pub.ledger.kv, { requestId: published.requestId }).then((agrs) => {
        const have = published.cores.map((c) => `${c.kind} ${hoster.mirrors().find((m) => m.coreKey === c.key)?.have ?? 0}/${c.length}`).join(', ')
        out(`  Favor: +${((performance.now() - t1) / 1000).toFixed(0)} s: hoster holds ${have}; agreements ${agrs.map((a) => a.state).join(', ') || 'none yet'}`)
      }, () => undefined)
    }, 10_000)
    try {
      await waitFor(() => holds(hoster, published.cores), 1_800_000, 'the hoster holds both cores', 10)
    } finally {
      clearInterval(progress)
    }
    return { publishMs: t1 - t0, replicaMs: performance.now() - t1 }
  } finally {
    await net.close()
  }
}

/** Every block of `core` held locally, once its length is at least `length`. */
async function downloadAll(core: Core, length: number, ms: number): Promise<void> {
  await waitFor(async () => { await core.update({ wait: true }); return core.length >= length }, ms, 'the reader learns the length', 10)
  await withTimeout(core.download({ start: 0, end: core.length }).done(), ms, 'download')
}

async function runBaseline(folder: string, files: number): Promise<{ importMs: number; readMs: number }> {
  const net = await E2ENet.create()
  const wdir = await makeTempDir('bench-folder-writer')
  const rdir = await makeTempDir('bench-folder-reader')
  const wstore = openStore(wdir)
  const rstore = openStore(rdir)
  const wdht = createDht({ bootstrap: net.testnet.bootstrap })
  const rdht = createDht({ bootstrap: net.testnet.bootstrap })
  const wswarm = createSwarm({ dht: wdht })
  const rswarm = createSwarm({ dht: rdht })
  wswarm.on('connection', (c) => { wstore.replicate(c) })
  rswarm.on('connection', (c) => { rstore.replicate(c) })
  let writer: Drive | null = null
  let reader: Drive | null = null
  try {
    writer = openDrive(wstore)
    await writer.ready()
    const t0 = performance.now()
    const count = await mirrorFolderInto(folder, writer)
    const importMs = performance.now() - t0
    if (count.add !== files) throw new Error(`mirror-drive added ${count.add} files, expected ${files}`)
    const wblobs = await writer.getBlobs()
    if (wblobs === null) throw new Error('the baseline drive has no blobs core')
    const lengths = { meta: writer.core.length, blobs: wblobs.core.length }
    wswarm.join(writer.discoveryKey, { server: true, client: false })
    wswarm.join(wblobs.core.discoveryKey, { server: true, client: false })
    await wswarm.flush()

    const t1 = performance.now()
    reader = openDrive(rstore, writer.key)
    await reader.ready()
    rswarm.join(reader.discoveryKey, { server: false, client: true })
    await downloadAll(reader.core, lengths.meta, 1_800_000)
    const rblobs = await withTimeout(reader.getBlobs(), 60_000, 'the reader opens the blobs core')
    if (rblobs === null) throw new Error('the reader found no blobs core')
    rswarm.join(rblobs.core.discoveryKey, { server: false, client: true })
    await downloadAll(rblobs.core, lengths.blobs, 1_800_000)
    return { importMs, readMs: performance.now() - t1 }
  } finally {
    await reader?.close()
    await writer?.close()
    await rswarm.destroy()
    await wswarm.destroy()
    await rdht.destroy()
    await wdht.destroy()
    await rstore.close()
    await wstore.close()
    await net.close()
    await removeDir(rdir)
    await removeDir(wdir)
  }
}

export async function runFolderBench(opts: { quick?: boolean; out?: (line: string) => void } = {}): Promise<FolderBenchResult> {
  const out = opts.out ?? ((l: string) => { process.stdout.write(l + '\n') })
  const files = opts.quick === true ? 100 : 1000
  const bytes = (opts.quick === true ? 32 : 1024) * MiB
  const folder = await makeTempDir('bench-folder')
  let favor: { publishMs: number; replicaMs: number }
  let base: { importMs: number; readMs: number }
  try {
    const tg = performance.now()
    await makeFolder(folder, files, bytes)
    out(`folder: ${files} files, ${bytes / MiB} MiB of random bytes in 10 sub-folders (generated in ${((performance.now() - tg) / 1000).toFixed(1)} s)`)
    favor = await runFavor(folder, bytes, out)
    base = await runBaseline(folder, files)
  } finally {
    await removeDir(folder)
  }
  const favorMs = favor.publishMs + favor.replicaMs
  const baseMs = base.importMs + base.readMs
  const ratio = favorMs / baseMs
  const r: FolderBenchResult = {
    files, bytes, favorPublishMs: favor.publishMs, favorReplicaMs: favor.replicaMs, favorMs,
    baseImportMs: base.importMs, baseReadMs: base.readMs, baseMs, ratio, met: ratio <= AIM
  }
  const s = (ms: number): string => (ms / 1000).toFixed(2) + ' s'
  const rate = (ms: number): string => (bytes / MiB / (ms / 1000)).toFixed(0) + ' MiB/s'
  out('all in this one process, 127.0.0.1 only; same folder, same machine, same run:')
  out(`Favor import + publish + first replica held: ${s(favorMs)}  (${rate(favorMs)}; publishFolder ${s(favor.publishMs)} + hoster holds both cores ${s(favor.replicaMs)})`)
  out(`hyperdrive + mirror-drive + plain reader:    ${s(baseMs)}  (${rate(baseMs)}; mirror-drive import ${s(base.importMs)} + reader downloads both cores ${s(base.readMs)})`)
  out(`ratio Favor / baseline: ${ratio.toFixed(2)}×  (aim ≤ ${AIM.toFixed(1)}×: ${r.met ? 'met' : 'NOT met'})`)
  out(`  import alone: Favor publishFolder / mirror-drive ${(favor.publishMs / base.importMs).toFixed(2)}×; transfer alone: Favor hoster / plain reader ${(favor.replicaMs / base.readMs).toFixed(2)}×`)
  return r
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runFolderBench({ quick: process.argv.includes('--quick') }).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
    process.exitCode = 1
  })
}
