// A one-indexer ledger (a real Autobase over a real corestore, no swarm) with many accounts, and the
// ledger's own view of an account at a version, for the statement tests and the benchmark.
import { Ledger, BeeReadKV, getAccount, getEpoch, getMeta, reputationPpm } from '../../src/ledger/index.js'
import { keyPair, openSignedView, openStore, signedHead, type Store } from '../../src/stack/index.js'
import { makeStatement, StatementError } from '../../src/statement/index.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'
import { waitFor } from '../harness/wait.js'
import { testParams } from '../ledger/helpers.js'

export interface SoloLedger {
  ledger: Ledger
  store: Store
  dir: string
  /** Account ids (writer keys, hex) admitted, in order. */
  accounts: string[]
  close(): Promise<void>
}

const BATCH = 500

/** A new network whose bootstrap writer admits `n` further accounts (in batches of 500 ops). */
export async function soloLedger(label: string, n: number, ackIntervalMs = 100, progress?: (done: number) => void): Promise<SoloLedger> {
  const dir = await makeTempDir(label)
  // A small shared block cache: Hyperbee's default (65,536 entries per bee) would keep hundreds of MB of
  // blocks for a ledger of 100,000 accounts.
  const store = openStore(dir, { beeCacheEntries: 256 })
  const ledger = await Ledger.open({ store, bootstrap: null, ackIntervalMs })
  const accounts: string[] = []
  const close = async (): Promise<void> => {
    await ledger.close()
    await store.close()
    await removeDir(dir)
  }
  try {
    await ledger.append({ type: 'init-network', time: Date.now(), params: testParams({ admissionsPerEpoch: 1_000_000 }) })
    for (let i = 0; i < n; i += BATCH) {
      const keys = Array.from({ length: Math.min(BATCH, n - i) }, () => keyPair().publicKey)
      await ledger.append(keys.map((k) => ({ type: 'add-writer' as const, time: Date.now(), writerKey: k, indexer: false })))
      for (const k of keys) accounts.push(k.toString('hex'))
      progress?.(accounts.length)
    }
  } catch (err) {
    await close()
    throw err
  }
  return { ledger, store, dir, accounts, close }
}

/** Waits until the indexers signed everything this node applied, then makes a statement. */
export async function settledStatement(ledger: Ledger, account: string, ms = 60_000): Promise<Buffer> {
  await waitFor(async () => {
    await ledger.update()
    const core = await openSignedView(ledger.base)
    try {
      const head = signedHead(core)
      return head !== null && head.length === ledger.view.core.length
    } finally {
      await core.close()
    }
  }, ms, 'the view signed up to its length', 50)
  return waitFor(async () => {
    try {
      return await makeStatement(ledger, account)
    } catch (err) {
      if (err instanceof StatementError && err.code === 'NOT_READY') return null
      throw err
    }
  }, ms, `a statement for ${account}`, 50)
}

export interface LedgerValues {
  balance: bigint
  given: bigint
  received: bigint
  heldBack: bigint
  reputationPpm: number
  epoch: number
  epochTime: number | null
}

/** What the ledger itself says about `account` at view version `version` (a Hyperbee checkout). */
export async function ledgerValuesAt(ledger: Ledger, version: number, account: string): Promise<LedgerValues | null> {
  const snap = ledger.view.checkout(version)
  try {
    const kv = new BeeReadKV(snap)
    const a = await getAccount(kv, account)
    const meta = await getMeta(kv)
    if (a === null || meta === null) return null
    const e = meta.epoch > 0 ? await getEpoch(kv, meta.epoch) : null
    return {
      balance: a.balance, given: a.given, received: a.received, heldBack: a.heldBack, reputationPpm: reputationPpm(a),
      epoch: meta.epoch, epochTime: e === null ? null : e.time
    }
  } finally {
    await snap.close()
  }
}
