// LedgerKV over a Hyperbee: a write batch inside Autobase's apply, and read-only views for queries.
import { FavorError } from '../errors.js'
import type { BeeBatch, BeeReader } from '../stack/index.js'
import type { LedgerKV } from './kv.js'
import { digestEntries, prefixEnd } from './kv.js'

/**
 * The contract's store during one Autobase apply call. Reads and writes are cached for the length of
 * the call (the batch is the only writer), so repeated reads of hot keys do not walk the B-tree again.
 */
export class BeeBatchKV implements LedgerKV {
  private readonly cache = new Map<string, Uint8Array | null>()

  constructor(private readonly batch: BeeBatch) {}

  async get(key: string): Promise<Uint8Array | null> {
    if (this.cache.has(key)) return this.cache.get(key) ?? null
    const entry = await this.batch.get(key)
    const value = entry ? entry.value : null
    this.cache.set(key, value)
    return value
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.cache.set(key, value)
    await this.batch.put(key, value)
  }

  async del(key: string): Promise<void> {
    this.cache.set(key, null)
    await this.batch.del(key)
  }

  /** The batch's own range read: it sees the writes of this apply call's earlier ops. */
  scan(prefix: string): AsyncIterable<[string, Uint8Array]> {
    return scanBee(this.batch, prefix)
  }
}

async function* scanBee(bee: BeeReader, prefix: string): AsyncIterable<[string, Uint8Array]> {
  for await (const { key, value } of bee.createReadStream({ gte: prefix, lt: prefixEnd(prefix) })) yield [key, value]
}

export class ReadOnlyLedgerError extends FavorError {
  declare readonly code: 'E_READ_ONLY'
  constructor(message: string) {
    super(message, 'E_READ_ONLY')
  }
}

/** Queries run over this: the ledger state is changed by ops only. */
export class BeeReadKV implements LedgerKV {
  constructor(private readonly bee: BeeReader) {}

  async get(key: string): Promise<Uint8Array | null> {
    const entry = await this.bee.get(key)
    return entry ? entry.value : null
  }

  put(key: string): Promise<void> {
    return Promise.reject(new ReadOnlyLedgerError(`the ledger view is read-only (put ${key}); append an op instead`))
  }

  del(key: string): Promise<void> {
    return Promise.reject(new ReadOnlyLedgerError(`the ledger view is read-only (del ${key}); append an op instead`))
  }

  scan(prefix: string): AsyncIterable<[string, Uint8Array]> {
    return scanBee(this.bee, prefix)
  }
}

/** Every entry of a view, in key order (Hyperbee keys sort bytewise; ledger keys are ASCII). */
export async function beeEntries(bee: BeeReader): Promise<[string, Buffer][]> {
  const out: [string, Buffer][] = []
  for await (const { key, value } of bee.createReadStream()) out.push([key, value])
  return out
}

/** The same digest as `digest(MemoryKV)`, over a Hyperbee view. */
export async function beeDigest(bee: BeeReader): Promise<Buffer> {
  return digestEntries(await beeEntries(bee))
}
