// Typed view of the parts of hypercore 11.37.1 that Favor uses. The objects are real Hypercore
// instances; these interfaces only describe them.
import Hypercore from 'hypercore'
import type { EventEmitter } from 'node:events'

export interface TreeNode {
  index: number
  size: number
  hash: Buffer
}

/** What `core.proof(...)` resolves to (hypercore's TreeProof, settled). */
export interface CoreProof {
  fork: number
  block: { index: number; value: Buffer | null; nodes: TreeNode[] } | null
  hash: unknown
  seek: unknown
  upgrade: {
    start: number
    length: number
    nodes: TreeNode[]
    additionalNodes: TreeNode[]
    signature: Buffer
  } | null
  manifest: unknown
}

export interface ProofRequest {
  block?: { index: number; nodes: number }
  upgrade?: { start: number; length: number }
}

export interface Download {
  done(): Promise<void>
  destroy(): void
}

export interface Core extends EventEmitter {
  readonly key: Buffer
  readonly discoveryKey: Buffer
  readonly length: number
  readonly contiguousLength: number
  readonly byteLength: number
  readonly fork: number
  /** Length covered by the latest signature (for Autobase views: what indexers made final). */
  readonly signedLength: number
  readonly writable: boolean
  readonly closed: boolean
  readonly opened: boolean
  readonly manifest: unknown
  readonly peers: readonly unknown[]
  /**
   * Bytes of block-encryption padding per block this session strips (8 with a key, 0 without).
   * `byteLength` excludes it; what is stored and replicated includes it (see `storedByteLength`).
   */
  readonly padding: number
  ready(): Promise<void>
  /**
   * Sets this session's block-encryption key: appends through it are encrypted, reads decrypted.
   * Hypercore keeps the key per session and never stores it.
   */
  setEncryptionKey(key: Uint8Array): Promise<void>
  append(blocks: Buffer | Buffer[]): Promise<{ length: number; byteLength: number }>
  /** A block (decrypted on a keyed session unless `raw`: then the bytes as stored). */
  get(index: number, opts?: { timeout?: number; wait?: boolean; raw?: boolean }): Promise<Buffer | null>
  has(start: number, end?: number): Promise<boolean>
  update(opts?: { wait?: boolean }): Promise<boolean>
  download(range?: { start?: number; end?: number; linear?: boolean }): Download
  proof(request: ProofRequest): Promise<CoreProof>
  /** The Merkle tree hash at `length` (default: this session's length): equal hashes, equal blocks. */
  treeHash(length?: number): Promise<Buffer>
  /** Deletes local block data. Never call it on single odd blocks (hypercore 11.37.1 bug, see notes). */
  clear(start: number, end?: number): Promise<unknown>
  truncate(length: number, opts?: { fork?: number }): Promise<void>
  info(opts?: { storage?: boolean }): Promise<{ byteLength: number; length: number; contiguousLength: number; storage?: { oplog: number; tree: number; blocks: number; bitfield: number } | null }>
  close(): Promise<void>
}

/** Bytes of a block-encryption key (hypercore's default encryption: XSalsa20 with keys derived per core). */
export const ENCRYPTION_KEY_BYTES = 32

/** Padding hypercore's default block encryption prefixes to every block (the blinded fork id). */
export const ENCRYPTION_PADDING_BYTES = Hypercore.DefaultEncryption.PADDING as number

/**
 * The bytes a core takes as stored and replicated: its blocks including the encryption padding. A
 * keyed session's `byteLength` leaves the padding out; a session without the key sees it in the block
 * bytes. Hosters store (and are paid for) what this returns, whichever session asks.
 */
export function storedByteLength(core: Core): number {
  return core.byteLength + core.length * core.padding
}

/**
 * Hypercore's SNAPSHOT_NOT_AVAILABLE: the core was truncated below what a read of it had reached (an
 * Autobase reorder rewrote it under the reader). Reading again later sees the new blocks.
 */
export function isTruncatedUnderRead(err: unknown): boolean {
  return err instanceof Error && (err as { code?: unknown }).code === 'SNAPSHOT_NOT_AVAILABLE'
}

/** The core key of a default (v1, single ed25519 signer) manifest for a signer public key. */
export function coreKeyForSigner(publicKey: Uint8Array): Buffer {
  return Hypercore.key(publicKey) as Buffer
}

/** The core key a manifest hashes to. */
export function coreKeyForManifest(manifest: unknown): Buffer {
  return Hypercore.key(manifest) as Buffer
}

export function asCore(value: unknown): Core {
  return value as Core
}
