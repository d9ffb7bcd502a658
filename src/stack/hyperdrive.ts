// Typed view of the parts of hyperdrive 13.3.4 that Favor uses: a drive is a Hyperbee file index on
// its own hypercore (the "metadata" core, whose key is the drive key) plus a Hyperblobs core holding
// the file contents (the "blobs" core). Both are plain hypercores in the node's corestore.
import Hyperdrive from 'hyperdrive'
import beeMessages from 'hyperbee/lib/messages.js'
import type { Readable, Writable } from 'node:stream'
import type { Core } from './hypercore.js'
import type { Store } from './corestore.js'

export interface BlobRef {
  blockOffset: number
  blockLength: number
  byteOffset: number
  byteLength: number
}

export interface DriveEntry {
  /** Path inside the drive, always starting with '/'. */
  key: string
  seq: number
  value: {
    executable: boolean
    linkname: string | null
    blob: BlobRef | null
    metadata: unknown
  }
}

export interface Drive {
  readonly key: Buffer
  readonly discoveryKey: Buffer
  /** The metadata core (the Hyperbee file index). */
  readonly core: Core
  readonly version: number
  readonly writable: boolean
  ready(): Promise<void>
  /** The blobs core's Hyperblobs; null for a reader that does not know the blobs key yet. */
  getBlobs(): Promise<{ core: Core } | null>
  entry(path: string, opts?: { wait?: boolean; timeout?: number }): Promise<DriveEntry | null>
  get(path: string, opts?: { wait?: boolean; timeout?: number }): Promise<Buffer | null>
  put(path: string, data: Buffer, opts?: { executable?: boolean; metadata?: unknown }): Promise<void>
  del(path: string): Promise<void>
  list(folder?: string, opts?: { recursive?: boolean }): AsyncIterable<DriveEntry>
  createReadStream(path: string, opts?: { wait?: boolean; timeout?: number }): Readable
  createWriteStream(path: string, opts?: { executable?: boolean; metadata?: unknown }): Writable
  /** A batch: writes to the file index become visible together on `flush()`; `close()` discards them. */
  batch(): Drive
  flush(): Promise<void>
  update(opts?: { wait?: boolean }): Promise<boolean>
  close(): Promise<void>
}

export interface DriveOptions {
  /**
   * Block encryption of both cores (hypercore's default encryption). Every open of a drive that may
   * write must pass it again: hypercore does not persist it, and a write without it is plaintext.
   */
  encryptionKey?: Uint8Array
}

/**
 * Opens a drive on a store: a writable one (new or existing) when `key` is absent, else the drive with
 * that key (read-only unless this store holds its key pair). Use a namespaced store to keep several
 * writable drives apart. The drive gets its own session of the store: Hyperdrive closes the store it
 * is given when it closes.
 */
export function openDrive(store: Store, key?: Uint8Array, opts: DriveOptions = {}): Drive {
  // The session keeps the store's namespace: a bare `session()` falls back to the default one, where
  // every writable drive would be the same 'db' core (and a second one would wait on its exclusive lock).
  const session = store.session({ namespace: store.ns })
  // hyperdrive 13 passes `encryptionKey` to both of its cores (each derives its own block key from it).
  const o = opts.encryptionKey === undefined ? {} : { encryptionKey: Buffer.from(opts.encryptionKey) }
  return (key === undefined ? new Hyperdrive(session, o) : new Hyperdrive(session, key, o)) as Drive
}

/**
 * Whether a core's first block is a Hyperdrive file index header (a Hyperbee header; hyperdrive 13
 * derives the blobs key from the manifest, so the header need not name it). Checked before opening a
 * drive: hyperdrive 13 fails to open on other cores in ways that leave later opens of that key stuck.
 */
export function isDriveHeader(block0: Uint8Array): boolean {
  try {
    const h = beeMessages.Header.decode(block0) as { protocol?: unknown }
    return h.protocol === 'hyperbee'
  } catch {
    return false
  }
}
