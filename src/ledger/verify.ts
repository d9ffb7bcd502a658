// `favor ledger verify`: replay every writer's log from scratch into a fresh view (no fast-forward)
// and compare its state, entry by entry, with the state a node claims at the same final version.
import { rm } from 'node:fs/promises'
import { pipeline } from 'node:stream'
import { openStore, type BeeReader, type Store } from '../stack/index.js'
import { Ledger } from './autobase.js'
import { beeEntries } from './bee-kv.js'
import { digestEntries } from './kv.js'

export interface VerifyOptions {
  /** The store holding the network's writer cores (the node's own store). */
  source: Store
  /** The network key. */
  key: Uint8Array
  /** Empty temp directory for the replay; removed afterwards. */
  scratchDir: string
  /** View version to compare at; must be final on the live node. */
  version: number
  /** The claimed state at `version` (default: read from `live`). */
  claimed: [string, Buffer][]
  timeoutMs?: number
}

export interface VerifyReport {
  ok: boolean
  version: number
  claimedDigest: string
  replayDigest: string
  entries: number
  /** The first key whose value differs (or exists on one side only). */
  firstDifference: string | null
  ms: number
}

export class VerifyTimeoutError extends Error {
  override name = 'VerifyTimeoutError'
  readonly code = 'E_VERIFY_TIMEOUT'
}

/** The entries of a view at a version. */
export async function entriesAt(bee: { checkout(v: number): BeeReader & { close(): Promise<void> } }, version: number): Promise<[string, Buffer][]> {
  const snap = bee.checkout(Math.max(1, version))
  try {
    return await beeEntries(snap)
  } finally {
    await snap.close()
  }
}

function firstDifference(a: [string, Buffer][], b: [string, Buffer][]): string | null {
  const n = Math.max(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a[i]
    const y = b[i]
    if (!x || !y) return (x ?? y)?.[0] ?? null
    if (x[0] !== y[0]) return x[0] < y[0] ? x[0] : y[0]
    if (!x[1].equals(y[1])) return x[0]
  }
  return null
}

export async function verifyLedger(opts: VerifyOptions): Promise<VerifyReport> {
  const started = Date.now()
  const timeoutMs = opts.timeoutMs ?? 60_000
  const scratch = openStore(opts.scratchDir)
  const a = opts.source.replicate(true)
  const b = scratch.replicate(false)
  pipeline(a, b, a, () => { /* closed on teardown */ })
  let replica: Ledger | null = null
  try {
    replica = await Ledger.open({ store: scratch, bootstrap: opts.key, fastForward: false })
    const deadline = Date.now() + timeoutMs
    while (replica.finalVersion < opts.version) {
      if (Date.now() > deadline) {
        throw new VerifyTimeoutError(`replay reached final version ${replica.finalVersion} of ${opts.version} within ${timeoutMs} ms`)
      }
      await replica.update()
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const replayed = await entriesAt(replica.view, opts.version)
    const difference = firstDifference(opts.claimed, replayed)
    return {
      ok: difference === null,
      version: opts.version,
      claimedDigest: digestEntries(opts.claimed).toString('hex'),
      replayDigest: digestEntries(replayed).toString('hex'),
      entries: replayed.length,
      firstDifference: difference,
      ms: Date.now() - started
    }
  } finally {
    if (replica) await replica.close()
    a.destroy()
    b.destroy()
    await scratch.close()
    await rm(opts.scratchDir, { recursive: true, force: true })
  }
}

/** Verifies a live ledger's own final state against a replay from its store. */
export async function verifyLive(ledger: Ledger, source: Store, scratchDir: string, timeoutMs?: number): Promise<VerifyReport> {
  await ledger.update()
  const version = ledger.finalVersion
  const claimed = await entriesAt(ledger.view, version)
  return verifyLedger({ source, key: ledger.key, scratchDir, version, claimed, ...(timeoutMs ? { timeoutMs } : {}) })
}
