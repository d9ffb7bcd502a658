// Typed access to hypercore's Merkle-tree primitives and wire encodings, so that a block proof can be
// made and verified independently of a Hypercore instance. These are internal modules of hypercore,
// which is why hypercore is pinned exactly (11.37.1).
import c from 'compact-encoding'
import hypercoreCrypto from 'hypercore-crypto'
import flat from 'flat-tree'
import caps from 'hypercore/lib/caps.js'
import messages from 'hypercore/lib/messages.js'
import type { CoreProof, TreeNode } from './hypercore.js'

export type { TreeNode } from './hypercore.js'

export interface Manifest {
  version: number
  hash: string
  quorum: number
  allowPatch: boolean
  signers: { signature: string; namespace: Buffer; publicKey: Buffer }[]
  prologue: unknown
  linked: unknown
  userData: unknown
}

/** The parts of a wire `data` message a block proof uses. */
export interface WireProof {
  fork: number
  block: { index: number; value: Buffer; nodes: TreeNode[] } | null
  upgrade: { start: number; length: number; nodes: TreeNode[]; additionalNodes: TreeNode[]; signature: Buffer } | null
}

export function encodeManifest(manifest: unknown): Uint8Array {
  return c.encode(messages.manifest, manifest)
}

/** Throws on malformed bytes (caller maps to a typed error). */
export function decodeManifest(bytes: Uint8Array): Manifest {
  return c.decode<Manifest>(messages.manifest, bytes)
}

export function encodeWireProof(proof: CoreProof): Uint8Array {
  return c.encode(messages.wire.data, { request: 0, ...proof })
}

/** Throws on malformed bytes (caller maps to a typed error). */
export function decodeWireProof(bytes: Uint8Array): WireProof {
  const d = c.decode<Partial<WireProof> & { fork: number }>(messages.wire.data, bytes)
  return { fork: d.fork, block: d.block ?? null, upgrade: d.upgrade ?? null }
}

/** Single-signer (v1 manifest) signature out of hypercore's multi-signature envelope. */
export function decodeSingleSignature(envelope: Uint8Array): { signer: number; signature: Buffer } {
  const multi = c.decode<{ proofs: { signer: number; signature: Buffer }[] }>(messages.multiSignature, envelope)
  const first = multi.proofs[0]
  if (!first) throw new Error('empty signature envelope')
  return { signer: first.signer, signature: first.signature }
}

/** The bytes the core's signer signs for a tree of `length` blocks with these full roots. */
export function treeSignable(key: Uint8Array, roots: readonly TreeNode[], length: number, fork: number): Buffer {
  return caps.treeSignable(key, hypercoreCrypto.tree(roots), length, fork) as Buffer
}

export function leafHash(block: Uint8Array): Buffer {
  return hypercoreCrypto.data(block) as Buffer
}

export function parentHash(a: TreeNode, b: TreeNode): Buffer {
  return hypercoreCrypto.parent(a, b) as Buffer
}

/** Flat-tree indices of the full roots of a tree covering `length` blocks (2 × length leaves space). */
export function fullRoots(length: number): number[] {
  return flat.fullRoots(2 * length) as number[]
}

export interface TreeIterator {
  readonly index: number
  sibling(): number
  parent(): number
}

export function treeIterator(blockIndex: number): TreeIterator {
  return flat.iterator(2 * blockIndex) as TreeIterator
}
