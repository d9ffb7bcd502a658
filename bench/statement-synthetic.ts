// A ledger view of many accounts written straight into a real Autobase (one indexer, Hyperbee view
// named like the ledger's), bypassing the contract: the contract's admissions are quadratic today, so a
// 100,000-account ledger cannot be built through it here. The records have the fields a statement reads
// (network meta, accounts, the current epoch); the view is signed by its indexer exactly as the ledger's.
import { encodeRecord } from '../src/ledger/record.js'
import { keys } from '../src/ledger/state.js'
import { keyPair, openAutobase, openStore, type Base, type Store } from '../src/stack/index.js'
import { makeTempDir, removeDir } from '../test/harness/tmp.js'

export interface SyntheticLedger {
  key: Buffer
  base: Base
  accounts: string[]
  close(): Promise<void>
}

const PER_OP = 2000

/** `n` accounts with random balances, written in ops of 2,000 records. */
export async function syntheticLedger(n: number): Promise<SyntheticLedger> {
  const dir = await makeTempDir('bench-synthetic')
  const store: Store = openStore(dir, { beeCacheEntries: 256 })
  const base = openAutobase(store, null, {
    ackInterval: 200,
    apply: async (nodes, view) => {
      const batch = view.batch()
      for (const node of nodes) {
        if (node.value === null || node.value.byteLength === 0) continue
        for (const [k, v] of JSON.parse(node.value.toString()) as [string, string][]) await batch.put(k, Buffer.from(v))
      }
      await batch.flush()
    }
  })
  await base.ready()
  const close = async (): Promise<void> => {
    await base.close()
    await store.close()
    await removeDir(dir)
  }
  const key = base.key
  const me = key.toString('hex')
  const rec = (v: unknown): string => Buffer.from(encodeRecord(v)).toString()
  const accounts: string[] = []
  let ops: [string, string][] = [
    [keys.meta, rec({ admin: me, epoch: 1, indexers: [me] })],
    [keys.epoch(1), rec({ epoch: 1, time: Date.now(), started: true })]
  ]
  for (let i = 0; i < n; i++) {
    const id = keyPair().publicKey.toString('hex')
    accounts.push(id)
    ops.push([keys.account(id), rec({ id, balance: BigInt(i * 1000), credit: 0n, given: BigInt(i), received: BigInt(2 * i), heldBack: BigInt(i % 7), alpha: 1_000_000 + i, beta: 1_000_000 })])
    if (ops.length >= PER_OP || i === n - 1) {
      await base.append(Buffer.from(JSON.stringify(ops)))
      ops = []
    }
  }
  // One last small op so that the root block is an ordinary record.
  await base.append(Buffer.from(JSON.stringify([['meta/last', rec({ n })]])))
  return { key, base, accounts, close }
}
