// Typed view of corestore 7: one RocksDB-backed store per node directory.
import { FavorError } from '../errors.js'
import Corestore from 'corestore'
import Rache from 'rache'
import type { Duplex } from 'node:stream'
import type { Core } from './hypercore.js'
import type { KeyPair } from './crypto.js'

/**
 * Hypercore's default block encryption for a session: blocks are encrypted on append and decrypted on
 * read with keys derived from `key` and the core key. Peers without it replicate, store and prove the
 * ciphertext. Not persisted: every session that may append must be given it again.
 */
export interface BlockEncryption {
  key: Uint8Array
}

export type CoreOpts =
  | { key: Uint8Array; valueEncoding?: 'binary'; wait?: boolean; encryption?: BlockEncryption }
  | { name: string; valueEncoding?: 'binary'; encryption?: BlockEncryption }
  | { keyPair: KeyPair; valueEncoding?: 'binary'; encryption?: BlockEncryption }

export interface Store {
  readonly closed: boolean
  readonly opened: boolean
  ready(): Promise<void>
  get(opts: CoreOpts): Core
  /** Replicates every core of the store over a connection (or creates a stream for an initiator flag). */
  replicate(stream: Duplex | boolean): Duplex
  namespace(name: string): Store
  /** This store's namespace (names of `get({ name })` are resolved in it). */
  readonly ns: Buffer
  /**
   * Another session on the same storage. Corestore 7 puts it in the DEFAULT namespace unless told
   * otherwise: pass `{ namespace: store.ns }` to keep a namespaced store's names.
   */
  session(opts?: { namespace?: Buffer }): Store
  close(): Promise<void>
}

export interface StoreOptions {
  /**
   * Entries of one cache shared by every Hyperbee on this store's cores (the ledger view, its
   * apply-time batches, Autobase's system bee, every snapshot). Without it each bee keeps its own
   * cache of up to 65,536 entries, which grows with the ledger for hundreds of epochs.
   */
  beeCacheEntries?: number
}

export function openStore(dir: string, opts: StoreOptions = {}): Store {
  const cacheEntries = opts.beeCacheEntries
  // Hyperbee takes `Rache.from(core.globalCache)`, so this must be set before any core is opened.
  return new Corestore(dir, cacheEntries === undefined ? {} : { globalCache: new Rache({ maxSize: cacheEntries }) }) as Store
}

/**
 * Whether the store's storage holds a core with this discovery key, without opening (or creating) it.
 * Corestore 7 keeps its hypercore-storage as `storage`; `hasCore` reads one RocksDB key.
 */
export async function hasStoredCore(store: Store, discoveryKey: Uint8Array): Promise<boolean> {
  const storage = (store as unknown as { storage: { hasCore(d: Uint8Array): Promise<boolean> } }).storage
  return storage.hasCore(discoveryKey)
}

/** Another process holds the store's directory (RocksDB's lock). */
export class StoreLockedError extends FavorError {
  static override readonly code = 'STORE_LOCKED'
  constructor(dir: string, cause: unknown) {
    super(`another process holds the store in ${dir}`, StoreLockedError.code, { cause })
  }
}

/**
 * Opens the store and names a lock failure. RocksDB reports it with a plain Error without a code, so
 * this adapter is the one place that reads its text; everything above branches on StoreLockedError.
 */
export async function readyStore(store: Store, dir: string): Promise<void> {
  try {
    await store.ready()
  } catch (err) {
    if (err instanceof Error && /could not be locked|ELOCKED/i.test(err.message)) throw new StoreLockedError(dir, err)
    throw err
  }
}
