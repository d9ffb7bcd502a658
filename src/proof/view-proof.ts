// A proof of some blocks of a multi-signer core (an Autobase view) against one signed head, and its
// verifier. Compact and canonical: tree-node indices are implied by the block index and the signed
// length (only sizes and hashes are stored), so any change to any byte either fails to decode, fails
// to re-encode identically, or changes a hash or a signature.
//
//   viewProof v1 = uint version(=1) ‖ buffer manifest ‖ uint length ‖ uint fork
//                ‖ fullRoots(length) × node ‖ buffer signature
//                ‖ uint k ‖ k × (uint index ‖ buffer value ‖ pathLength(index, length) × node)
//   node = uint size ‖ fixed32 hash; block indices strictly increasing.
import c from 'compact-encoding'
import { fullRoots, leafHash } from '../stack/merkle.js'
import type { TreeNode } from '../stack/merkle.js'
import { flatParent, flatSibling } from '../stack/multisig.js'
import { ProofError } from './errors.js'
import { MAX_BLOCK_BYTES, MAX_MANIFEST_BYTES } from './format.js'
import { checkMultisigManifest, verifyBlockPath, verifyMultisigHead } from './multisig.js'
import type { CheckedMultisigManifest } from './multisig.js'

export const VIEW_PROOF_VERSION = 1
/** An envelope holds ≤ one 64-byte signature per indexer plus patch nodes; Favor has ≤ 5 indexers. */
export const MAX_SIGNATURE_BYTES = 16 * 1024
export const MAX_VIEW_BLOCKS = 4096

export interface ViewBlock {
  index: number
  value: Buffer
  /** Sibling nodes from the leaf up to the block's full root. */
  nodes: TreeNode[]
}

export interface ViewProof {
  manifest: Buffer
  length: number
  fork: number
  roots: TreeNode[]
  signature: Buffer
  blocks: ViewBlock[]
}

export interface VerifiedViewProof {
  length: number
  fork: number
  manifest: CheckedMultisigManifest
  /** Indices of the signers whose signatures verified. */
  signers: number[]
  blocks: Map<number, Buffer>
}

/** Flat-tree indices of the siblings on block `index`'s path to its full root in a tree of `length`. */
export function pathIndices(index: number, length: number): number[] {
  if (!Number.isSafeInteger(index) || index < 0 || index >= length) throw new ProofError('BAD_PATH', `block ${index} is outside a tree of ${length}`)
  const roots = new Set(fullRoots(length))
  const out: number[] = []
  let node = 2 * index
  while (!roots.has(node)) {
    out.push(flatSibling(node))
    node = flatParent(node)
    if (out.length > 64) throw new ProofError('BAD_PATH', `block ${index}: path longer than 64`)
  }
  return out
}

type EncState = { start: number; end: number; buffer: Uint8Array | null }
type DecState = { start: number; end: number; buffer: Uint8Array }

function encNode(state: EncState, n: TreeNode, pre: boolean): void {
  if (pre) {
    c.uint.preencode(state, n.size)
    state.end += 32
  } else {
    c.uint.encode(state, n.size)
    c.fixed32.encode(state, n.hash)
  }
}

function encBuf(state: EncState, b: Uint8Array, pre: boolean): void {
  if (pre) c.buffer.preencode(state, b)
  else c.buffer.encode(state, b)
}

function encodeInto(state: EncState, p: ViewProof, pre: boolean): void {
  const u = (n: number): void => (pre ? c.uint.preencode(state, n) : c.uint.encode(state, n))
  u(VIEW_PROOF_VERSION)
  encBuf(state, p.manifest, pre)
  u(p.length)
  u(p.fork)
  for (const r of p.roots) encNode(state, r, pre)
  encBuf(state, p.signature, pre)
  u(p.blocks.length)
  for (const b of p.blocks) {
    u(b.index)
    encBuf(state, b.value, pre)
    for (const n of b.nodes) encNode(state, n, pre)
  }
}

export function encodeViewProof(p: ViewProof): Buffer {
  const want = fullRoots(p.length)
  if (want.length !== p.roots.length) throw new RangeError('roots do not match the length')
  for (const b of p.blocks) {
    if (pathIndices(b.index, p.length).length !== b.nodes.length) throw new RangeError(`block ${b.index}: path of the wrong length`)
  }
  const state: EncState = { start: 0, end: 0, buffer: null }
  encodeInto(state, p, true)
  state.buffer = Buffer.allocUnsafe(state.end)
  encodeInto(state, p, false)
  return state.buffer as Buffer
}

function readBuf(state: DecState, max: number, what: string): Buffer {
  const len = c.uint.decode(state)
  if (len > max) throw new ProofError('OVERSIZED', `${what} of ${len} bytes exceeds ${max}`)
  if (state.end - state.start < len) throw new ProofError('MALFORMED', `${what} truncated`)
  const b = state.buffer.subarray(state.start, state.start + len)
  state.start += len
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength)
}

function readNode(state: DecState, index: number): TreeNode {
  return { index, size: c.uint.decode(state), hash: Buffer.from(c.fixed32.decode(state)) }
}

function decodeFrom(state: DecState): ViewProof {
  const version = c.uint.decode(state)
  if (version !== VIEW_PROOF_VERSION) throw new ProofError('MALFORMED', `unknown view proof version ${version}`)
  const manifest = readBuf(state, MAX_MANIFEST_BYTES, 'manifest')
  const length = c.uint.decode(state)
  const fork = c.uint.decode(state)
  if (length < 1 || length > Number.MAX_SAFE_INTEGER / 4) throw new ProofError('MALFORMED', `bad signed length ${length}`)
  const roots = fullRoots(length).map((r) => readNode(state, r))
  const signature = readBuf(state, MAX_SIGNATURE_BYTES, 'signature')
  const k = c.uint.decode(state)
  if (k > MAX_VIEW_BLOCKS) throw new ProofError('OVERSIZED', `${k} blocks exceed ${MAX_VIEW_BLOCKS}`)
  const blocks: ViewBlock[] = []
  let last = -1
  for (let i = 0; i < k; i++) {
    const index = c.uint.decode(state)
    if (index <= last) throw new ProofError('MALFORMED', `block indices must increase (${index} after ${last})`)
    last = index
    const value = readBuf(state, MAX_BLOCK_BYTES, `block ${index}`)
    const nodes = pathIndices(index, length).map((ni) => readNode(state, ni))
    blocks.push({ index, value, nodes })
  }
  return { manifest, length, fork, roots, signature, blocks }
}

/** Decodes a view proof strictly: bounded, no trailing bytes, canonical (re-encodes to the same bytes). */
export function decodeViewProof(bytes: Uint8Array): ViewProof {
  const state: DecState = { start: 0, end: bytes.byteLength, buffer: bytes }
  let p: ViewProof
  try {
    p = decodeFrom(state)
  } catch (err) {
    if (err instanceof ProofError) throw err
    throw new ProofError('MALFORMED', `view proof does not decode: ${(err as Error).message}`, { cause: err })
  }
  if (state.start !== state.end) throw new ProofError('MALFORMED', `view proof has ${state.end - state.start} trailing bytes`)
  if (!encodeViewProof(p).equals(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))) {
    throw new ProofError('MALFORMED', 'view proof is not in canonical form')
  }
  return p
}

/**
 * Verifies a view proof against the core key alone: the manifest hashes to the key, a quorum of its
 * signers signed the head, every block's path ends at a signed root. Throws ProofError.
 */
export function verifyViewProof(key: Uint8Array, proof: ViewProof | Uint8Array): VerifiedViewProof {
  const p = proof instanceof Uint8Array ? decodeViewProof(proof) : proof
  const manifest = checkMultisigManifest(key, p.manifest)
  const { signers } = verifyMultisigHead(key, manifest, { length: p.length, fork: p.fork, roots: p.roots, signature: p.signature })
  const blocks = new Map<number, Buffer>()
  for (const b of p.blocks) {
    verifyBlockPath(b.index, leafHash(b.value), b.value.byteLength, b.nodes, p.roots)
    blocks.set(b.index, b.value)
  }
  return { length: p.length, fork: p.fork, manifest, signers, blocks }
}
