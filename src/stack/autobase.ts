// Typed view of autobase 7 with a Hyperbee view (utf-8 keys, binary values): the ledger's substrate.
import Autobase from 'autobase'
import Hyperbee from 'hyperbee'
import type { EventEmitter } from 'node:events'
import type { Duplex } from 'node:stream'
import type { Store } from './corestore.js'
import type { Core } from './hypercore.js'

export interface BeeEntry {
  key: string
  value: Buffer
}

export interface BeeRange {
  gt?: string
  gte?: string
  lt?: string
  lte?: string
  limit?: number
  reverse?: boolean
}

export interface BeeReader {
  get(key: string): Promise<BeeEntry | null>
  createReadStream(range?: BeeRange): AsyncIterable<BeeEntry>
}

export interface BeeBatch extends BeeReader {
  put(key: string, value: Uint8Array): Promise<void>
  del(key: string): Promise<void>
  flush(): Promise<void>
  close(): Promise<void>
}

export interface Bee extends BeeReader {
  readonly version: number
  readonly core: Core
  ready(): Promise<void>
  batch(): BeeBatch
  put(key: string, value: Uint8Array): Promise<void>
  del(key: string): Promise<void>
  /** A read-only snapshot of the view at a version. */
  checkout(version: number): Bee
  snapshot(): Bee
  close(): Promise<void>
}

/** One op as Autobase hands it to apply: `value` is null for acks. */
export interface ApplyNode {
  value: Buffer | null
  from: { key: Buffer }
  /** Length of the author's writer log up to and including this op (so `length - 1` is its seq). */
  length: number
}

export interface ApplyHost {
  addWriter(key: Uint8Array, opts?: { indexer?: boolean }): Promise<void>
  removeWriter(key: Uint8Array): Promise<void>
  ackWriter(key: Uint8Array): Promise<void>
  /**
   * Stops applying for good (until the Autobase is reopened): throws Autobase's interrupt signal out of
   * apply, so this apply call's writes are dropped; the Autobase then emits `interrupt` with `reason`.
   */
  interrupt(reason: unknown): never
}

export type ApplyHandler = (nodes: ApplyNode[], view: Bee, host: ApplyHost) => Promise<void>

export interface AutobaseOptions {
  apply: ApplyHandler
  /** ms between automatic acks by indexers (autobase's code default is 10 s; always set it). */
  ackInterval: number
  bigBatches?: boolean
  /** False forces a full replay from the writers' logs (used by verify). */
  fastForward?: boolean
}

/** A view as the system records it: its core key and its length at that point of the system. */
export interface ViewInfo {
  key: Buffer
  length: number
}

/** Autobase's system state at a length (the fields the ledger reads). */
export interface IndexedInfo {
  views: ViewInfo[]
}

/** Autobase's system view as applied so far (its tip, not only the indexed prefix). */
export interface SystemState {
  /** The system core (its key: the core a fast-forwarding reader needs first). */
  readonly core: { readonly length: number; readonly key: Buffer }
  /** The views as of the last system flush (Autobase replaces entries in place on each flush). */
  readonly views: readonly ViewInfo[]
}

export interface Base extends EventEmitter {
  readonly key: Buffer
  readonly discoveryKey: Buffer
  readonly local: Core
  readonly writable: boolean
  readonly isIndexer: boolean
  readonly view: Bee
  readonly length: number
  /** System length the indexers' multisig covers, as this node's own system session sees it. */
  readonly signedLength: number
  /** System length the indexers' acks have ordered for good (the linearizer's indexed prefix). */
  readonly indexedLength: number
  readonly closed: boolean
  /** The reason apply was interrupted with (host.interrupt), else null. */
  readonly interrupted: unknown
  ready(): Promise<void>
  append(value: Buffer | Buffer[]): Promise<unknown>
  update(): Promise<void>
  ack(bg?: boolean): Promise<void>
  hash(): Promise<Buffer>
  /** The system as applied (null before the apply state opens). Not in Autobase's README; 7.28.1 is pinned. */
  readonly system: SystemState | null
  /**
   * The system state at `indexedLength` (null before the apply state opens); deprecated in Autobase,
   * kept in 7.28.1 (pinned). When the system holds exactly `indexedLength` entries it answers with its
   * live in-memory state, which the next flush changes: read that case from `system` at once instead.
   */
  getIndexedInfo(): Promise<IndexedInfo | null>
  /**
   * Drops this node's applied state for the latest the indexers signed (system and views) and applies
   * on from there: Autobase's own repair. Not in Autobase's README; 7.28.1 is pinned.
   */
  forceFastForward(): Promise<void>
  replicate(isInitiator: boolean | Duplex, opts?: unknown): Duplex
  close(): Promise<void>
}

export function openViewBee(core: Core): Bee {
  return new Hyperbee(core, { keyEncoding: 'utf-8', valueEncoding: 'binary', extension: false }) as Bee
}

/** Opens (or creates, when `bootstrap` is null) an Autobase whose view is a Hyperbee named `view`. */
export function openAutobase(store: Store, bootstrap: Uint8Array | null, opts: AutobaseOptions): Base {
  return new Autobase(store, bootstrap, {
    valueEncoding: 'binary',
    ackInterval: opts.ackInterval,
    bigBatches: opts.bigBatches ?? false,
    fastForward: opts.fastForward ?? true,
    open: (viewStore: Store) => openViewBee(viewStore.get({ name: 'view' })),
    apply: opts.apply
  }) as Base
}
