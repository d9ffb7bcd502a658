// Two stores replicating over an in-process stream (no swarm): for Autobase tests that cut and heal
// the link between two nodes on purpose.
import { pipeline } from 'node:stream'
import type { Ledger } from '../../src/ledger/index.js'
import { openStore, type Store } from '../../src/stack/index.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'

/** Replicates two stores until the returned function cuts the link. */
export function linkStores(a: Store, b: Store): () => void {
  const sa = a.replicate(true)
  const sb = b.replicate(false)
  pipeline(sa, sb, sa, () => { /* cut on purpose */ })
  return () => {
    sa.destroy()
    sb.destroy()
  }
}

export interface StorePair {
  stores: [Store, Store]
  /** Ledgers opened on the stores: closed before the stores on teardown. */
  ledgers: Ledger[]
  link: () => void
  cut: () => void
}

/** Two stores in temp dirs, not linked yet; everything is closed and removed after the test. */
export async function storePair(t: { after: (fn: () => Promise<void>) => void }, names: [string, string]): Promise<StorePair> {
  const dirs = [await makeTempDir(names[0]), await makeTempDir(names[1])]
  const stores = dirs.map((d) => openStore(d)) as [Store, Store]
  let cutLink = (): void => undefined
  const pair: StorePair = {
    stores,
    ledgers: [],
    link: () => { cutLink = linkStores(stores[0], stores[1]) },
    cut: () => { cutLink() }
  }
  t.after(async () => {
    cutLink()
    for (const l of pair.ledgers) await l.close()
    for (const s of stores) await s.close()
    for (const d of dirs) await removeDir(d)
  })
  return pair
}
