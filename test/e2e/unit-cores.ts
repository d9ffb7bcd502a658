// Units with several cores for the challenge tests: a two-indexer Autobase (its view core signed under a
// two-signer manifest with a prologue, the one kind of core a single-signer verifier cannot check) built
// in a publisher node's store with a second writer in a side store, and a small folder for a drive.
import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { FavorNode } from '../../src/node.js'
import { decodeManifest, encodeManifest, openAutobase, openSignedView, openStore, signedHead } from '../../src/stack/index.js'
import type { ApplyHandler, Base, Core, Manifest, Store } from '../../src/stack/index.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'
import { waitFor } from '../harness/wait.js'

const ADD = 'add-indexer:'

/** Puts `key=value` ops into the view; `add-indexer:<hex>` makes that writer an indexer. */
const apply: ApplyHandler = async (nodes, view, host) => {
  for (const node of nodes) {
    if (node.value === null) continue
    const s = node.value.toString('utf8')
    if (s.startsWith(ADD)) {
      await host.addWriter(Buffer.from(s.slice(ADD.length), 'hex'), { indexer: true })
      continue
    }
    const eq = s.indexOf('=')
    await view.put(s.slice(0, eq), Buffer.from(s.slice(eq + 1)))
  }
}

export interface TwoIndexerBase {
  a: Base
  b: Base
  /** A session on the signed state of the view core (in the publisher's store). */
  view: Core
  manifest: Manifest
  /** The publisher's sessions on the two writer cores and the view core, for a request. */
  cores: Core[]
  close(): Promise<void>
}

/**
 * An Autobase with two indexers: `a` in `pub`'s store, `b` in a side store replicating with it over a
 * direct stream. Returns once the view core has a signed head of at least `minBlocks` past the prologue
 * under the two-signer manifest.
 */
export async function twoIndexerBase(pub: FavorNode, minBlocks: number): Promise<TwoIndexerBase> {
  const sideDir = await makeTempDir('ab-side')
  const side: Store = openStore(sideDir)
  const a = openAutobase(pub.store.namespace('test-autobase'), null, { apply, ackInterval: 200 })
  await a.ready()
  const b = openAutobase(side, a.key, { apply, ackInterval: 200 })
  await b.ready()
  const s1 = pub.store.replicate(true)
  const s2 = side.replicate(false)
  s1.pipe(s2).pipe(s1)
  const opened: Core[] = []
  const close = async (): Promise<void> => {
    for (const c of opened) await c.close()
    await b.close()
    await a.close()
    s1.destroy()
    s2.destroy()
    await side.close()
    await removeDir(sideDir)
  }
  try {
    await a.append(Buffer.from(ADD + b.local.key.toString('hex')))
    await waitFor(async () => { await b.update(); return b.writable }, 30_000, 'the second writer is admitted')
    let n = 0
    const view = await waitFor(async () => {
      // both write (1 KiB values), so both ack and the view moves to the two-signer manifest and grows past its prologue
      for (const base of [a, b]) await base.append(Array.from({ length: 8 }, () => Buffer.from(`k${n++}=${randomBytes(512).toString('hex')}`)))
      await a.update()
      await b.update()
      const c = await openSignedView(a)
      const head = signedHead(c)
      const m = c.manifest as Manifest | null
      const prologue = (m?.prologue ?? null) as { length: number } | null
      if (head !== null && m !== null && m.signers.length === 2 && prologue !== null && head.length >= prologue.length + minBlocks) return c
      await c.close()
      return null
    }, 90_000, `a view signed by two indexers with ≥ ${minBlocks} blocks past its prologue`, 200)
    opened.push(view)
    const writerB = pub.store.get({ key: b.local.key })
    await writerB.ready()
    opened.push(writerB)
    await waitFor(async () => { await writerB.update({ wait: true }); return writerB.length >= b.local.length }, 30_000, 'the publisher holds the second writer\'s log')
    return { a, b, view, manifest: decodeManifest(encodeManifest(view.manifest)), cores: [a.local, writerB, view], close }
  } catch (err) {
    await close()
    throw err
  }
}

/** A folder with a 4 MiB file (64 blocks of the blobs core) and a small one. */
export async function smallFolder(): Promise<string> {
  const dir = await makeTempDir('unit-folder')
  await mkdir(join(dir, 'sub'), { recursive: true })
  await writeFile(join(dir, 'sub', 'big.bin'), randomBytes(4 * 1024 * 1024))
  await writeFile(join(dir, 'note.txt'), 'a small file\n')
  return dir
}
