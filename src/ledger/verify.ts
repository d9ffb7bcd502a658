// `favor ledger verify`: replay every writer's log from scratch into a fresh view (no fast-forward)
// and compare its state, entry by entry, with the state a node claims at the same final version.
//
// A node that fast-forwarded (Autobase jumps a new node to a peer's signed view) holds only part of the
// other writers' logs, so `verifyLive` first fetches every writer core in full from the node's peers
// (its store replicates over the swarm), bounded by the same timeout, then replays from its own store.
import { FavorError } from '../errors.js'
import { rm } from 'node:fs/promises'
import { pipeline } from 'node:stream'
import { openStore, type BeeReader, type Core, type Store } from '../stack/index.js'
import { Ledger } from './autobase.js'
import { beeEntries } from './bee-kv.js'
import { digestEntries } from './kv.js'
import { listAccounts } from './queries.js'

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
  onProgress?: (p: VerifyProgress) => void
}

/** Progress of a verification: fetching the writers' logs, then replaying them. */
export interface VerifyProgress {
  stage: 'fetch' | 'replay'
  writers: number
  writersDone: number
  /** Blocks held locally of all writer logs, and their total length. */
  blocks: number
  blocksTotal: number
  /** Replay: the replica's final version and the target version. */
  version: number
  targetVersion: number
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
  /** Writer logs fetched in full before the replay, and the blocks they hold. */
  writers: number
  writerBlocks: number
}

export class VerifyTimeoutError extends FavorError {
  declare readonly code: 'E_VERIFY_TIMEOUT'
  constructor(message: string) {
    super(message, 'E_VERIFY_TIMEOUT')
  }
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

/** Resolves with p, or rejects with VerifyTimeoutError at the deadline. */
async function beforeDeadline<T>(p: Promise<T>, deadline: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new VerifyTimeoutError(`${what}: not done before the verification deadline`)), Math.max(0, deadline - Date.now()))
  })
  try {
    return await Promise.race([p, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Downloads every writer's log in full into `source` from its peers (a fast-forwarded node lacks the
 * older blocks of other writers). Returns the sessions it opened (close them after the replay) and the
 * total number of blocks.
 */
export async function fetchWriterLogs(source: Store, writerKeys: readonly Buffer[], deadline: number, onProgress?: (p: VerifyProgress) => void): Promise<{ cores: Core[]; blocks: number }> {
  const cores = writerKeys.map((key) => source.get({ key }))
  let blocksTotal = 0
  // blocks held, kept as a running sum: summing over every core at each core done was quadratic in the
  // writers (a network of 100,000 members could not be verified)
  let blocks = 0
  let writersDone = 0
  const progress = (): void => {
    onProgress?.({ stage: 'fetch', writers: cores.length, writersDone, blocks, blocksTotal, version: 0, targetVersion: 0 })
  }
  try {
    await beforeDeadline(Promise.all(cores.map((c) => c.ready())), deadline, 'opening the writer logs')
    await beforeDeadline(Promise.all(cores.map((c) => c.update({ wait: true }))), deadline, 'learning the writer logs\' lengths')
    for (const c of cores) {
      blocksTotal += c.length
      blocks += c.contiguousLength
    }
    progress()
    await beforeDeadline(Promise.all(cores.map(async (c) => {
      const held = c.contiguousLength
      if (held < c.length) await c.download({ start: 0, end: c.length }).done()
      blocks += c.contiguousLength - held
      writersDone++
      progress()
    })), deadline, `fetching ${cores.length} writer logs (${blocksTotal} blocks)`)
    return { cores, blocks: blocksTotal }
  } catch (err) {
    await Promise.all(cores.map((c) => c.close()))
    throw err
  }
}

export async function verifyLedger(opts: VerifyOptions): Promise<VerifyReport> {
  return verifyLedgerWith(opts, { writers: 0, blocks: 0 }, opts.timeoutMs ?? 60_000, Date.now())
}

async function verifyLedgerWith(opts: VerifyOptions, fetched: { writers: number; blocks: number }, timeoutMs: number, started: number): Promise<VerifyReport> {
  const scratch = openStore(opts.scratchDir)
  const a = opts.source.replicate(true)
  const b = scratch.replicate(false)
  pipeline(a, b, a, () => { /* closed on teardown */ })
  let replica: Ledger | null = null
  try {
    replica = await Ledger.open({ store: scratch, bootstrap: opts.key, fastForward: false })
    const deadline = started + timeoutMs
    while (replica.indexedVersion < opts.version) {
      if (Date.now() > deadline) {
        throw new VerifyTimeoutError(`the replay ordered version ${replica.indexedVersion} of ${opts.version} within ${timeoutMs} ms`)
      }
      await replica.update()
      opts.onProgress?.({ stage: 'replay', writers: fetched.writers, writersDone: fetched.writers, blocks: fetched.blocks, blocksTotal: fetched.blocks, version: replica.indexedVersion, targetVersion: opts.version })
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
      ms: Date.now() - started,
      writers: fetched.writers,
      writerBlocks: fetched.blocks
    }
  } finally {
    if (replica) await replica.close()
    a.destroy()
    b.destroy()
    await scratch.close()
    await rm(opts.scratchDir, { recursive: true, force: true })
  }
}

/**
 * Verifies a live ledger's own final state against a replay from its store, after fetching every
 * writer's log in full from the node's peers. `timeoutMs` bounds the whole (default 60 s).
 */
export async function verifyLive(ledger: Ledger, source: Store, scratchDir: string, timeoutMs = 60_000, onProgress?: (p: VerifyProgress) => void): Promise<VerifyReport> {
  const started = Date.now()
  await ledger.update()
  const version = ledger.finalVersion
  const claimed = await entriesAt(ledger.view, version)
  const writers = (await ledger.readFinal((kv) => listAccounts(kv))).map((a) => Buffer.from(a.id, 'hex'))
  let fetched: { cores: Core[]; blocks: number }
  try {
    fetched = await fetchWriterLogs(source, writers, started + timeoutMs, onProgress)
  } catch (err) {
    await rm(scratchDir, { recursive: true, force: true })
    throw err
  }
  try {
    const opts: VerifyOptions = { source, key: ledger.key, scratchDir, version, claimed, timeoutMs, ...(onProgress ? { onProgress } : {}) }
    return await verifyLedgerWith(opts, { writers: writers.length, blocks: fetched.blocks }, timeoutMs, started)
  } finally {
    await Promise.all(fetched.cores.map((c) => c.close()))
  }
}
