// Verifier for heads signed under multi-signer manifests — the manifests Autobase 7 gives its view
// cores: one ed25519 signer per indexer, a quorum of ⌊n/2⌋+1, `allowPatch` (an indexer may have signed
// a longer tree; the envelope carries the nodes that extend the verified tree to that length).
//
// Pure and offline: it imports only src/stack's byte-level helpers (no Hypercore instance, no store,
// no network module), and it is stricter than hypercore where a statement needs every byte to count:
//  - the manifest must be canonical and hash to the core key;
//  - EVERY proof in the envelope must verify (hypercore checks only the first `quorum`), signers are
//    distinct, at least `quorum` of them;
//  - every patch node must be used by some proof, the envelope must re-encode to the same bytes;
//  - a head inside the manifest's prologue is refused: the prologue is not a signature, and since the
//    manifest is chosen by whoever presents it, a prologue would let anyone "prove" any tree.
import { verify } from '../stack/crypto.js'
import { fullRoots, parentHash, treeSignable } from '../stack/merkle.js'
import type { Manifest, TreeNode } from '../stack/merkle.js'
import { decodeMultiSignature, encodeMultiSignature, flatParent, flatSibling } from '../stack/multisig.js'
import type { MultiSignature } from '../stack/multisig.js'
import { ProofError } from './errors.js'
import { decodeBoundManifest } from './manifest.js'

/** Whether a manifest is not the plain single-signer kind (one ed25519 signer, quorum 1, no patch, no prologue). */
export function isMultiSignerManifest(m: Pick<Manifest, 'quorum' | 'signers' | 'allowPatch' | 'prologue'> | null | undefined): boolean {
  if (m === null || m === undefined) return false
  return m.signers.length !== 1 || m.quorum !== 1 || m.allowPatch || Boolean(m.prologue)
}

/** A head to check: the full roots of `length` blocks at `fork`, and hypercore's signature bytes. */
export interface MultisigHead {
  length: number
  fork: number
  roots: readonly TreeNode[]
  signature: Uint8Array
}

export interface CheckedMultisigManifest {
  manifest: Manifest
  /** The signers' ed25519 public keys, in manifest order (a proof's `signer` indexes this). */
  publicKeys: Buffer[]
  /** Each signer's namespace (Autobase binds it to the network and the view's name). */
  namespaces: Buffer[]
  quorum: number
  allowPatch: boolean
}

export interface VerifiedMultisigHead {
  /** Indices (into the manifest's signers) of the signers whose signatures verified. */
  signers: number[]
}

function toBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength)
}

/** Decodes and checks a multi-signer manifest against the core key. Throws ProofError('BAD_MANIFEST'). */
export function checkMultisigManifest(key: Uint8Array, bytes: Uint8Array): CheckedMultisigManifest {
  const coreKey = toBuffer(key)
  if (coreKey.byteLength !== 32) throw new ProofError('BAD_MANIFEST', `core key must be 32 bytes, got ${coreKey.byteLength}`)
  const m = decodeBoundManifest(coreKey, bytes)
  if (m.version < 1 || m.hash !== 'blake2b') throw new ProofError('BAD_MANIFEST', `unsupported manifest version ${m.version} / hash ${m.hash}`)
  if (m.signers.length === 0) throw new ProofError('BAD_MANIFEST', 'manifest has no signers')
  if (m.quorum < 1 || m.quorum > m.signers.length) throw new ProofError('BAD_MANIFEST', `quorum ${m.quorum} of ${m.signers.length} signers`)
  const seen = new Set<string>()
  for (const s of m.signers) {
    if (s.signature !== 'ed25519') throw new ProofError('BAD_MANIFEST', `unsupported signature scheme ${s.signature}`)
    const hex = toBuffer(s.publicKey).toString('hex')
    if (seen.has(hex)) throw new ProofError('BAD_MANIFEST', 'a signer appears twice')
    seen.add(hex)
  }
  return {
    manifest: m,
    publicKeys: m.signers.map((s) => toBuffer(s.publicKey)),
    namespaces: m.signers.map((s) => toBuffer(s.namespace)),
    quorum: m.quorum,
    allowPatch: m.allowPatch
  }
}

/** Checks that `roots` are exactly the full roots of a tree of `length` blocks (indices only). */
export function checkRootShape(length: number, roots: readonly TreeNode[]): void {
  const want = fullRoots(length)
  if (want.length !== roots.length) throw new ProofError('BAD_PATH', `a tree of ${length} blocks has ${want.length} full roots, got ${roots.length}`)
  for (let i = 0; i < want.length; i++) {
    if ((roots[i] as TreeNode).index !== want[i]) throw new ProofError('BAD_PATH', `root ${i} is node ${(roots[i] as TreeNode).index}, expected ${want[i]}`)
  }
}

/**
 * The full roots of `length + patch` blocks from the roots of `length` and nodes of the envelope's
 * patch (hypercore's generateUpgrade + verifyUpgrade, written out). Marks the patch nodes it uses.
 */
export function extendRoots(roots: readonly TreeNode[], length: number, patch: number, nodes: ReadonlyMap<number, TreeNode>, used: Set<number>): TreeNode[] {
  const take = (index: number): TreeNode => {
    const n = nodes.get(index)
    if (!n) throw new ProofError('BAD_SIGNATURE', `patch to length ${length + patch} lacks node ${index}`)
    used.add(index)
    return n
  }
  const out: TreeNode[] = []
  let i = 0
  for (const r of fullRoots(length + patch)) {
    const old = roots[i]
    if (old && old.index === r) {
      out.push(old)
      i++
      continue
    }
    // The remaining old roots (if any) lie inside this new root: climb from the last one, taking left
    // siblings from the old roots and right siblings from the patch.
    const stack = roots.slice(i)
    i = roots.length
    let cur = stack.pop() ?? take(r)
    while (cur.index !== r) {
      const sib = flatSibling(cur.index)
      const parent = flatParent(cur.index)
      if (sib < cur.index) {
        const left = stack.pop()
        if (!left || left.index !== sib) throw new ProofError('BAD_PATH', `old root ${sib} missing under new root ${r}`)
        cur = { index: parent, size: left.size + cur.size, hash: parentHash(left, cur) }
      } else {
        const right = take(sib)
        cur = { index: parent, size: cur.size + right.size, hash: parentHash(cur, right) }
      }
    }
    if (stack.length !== 0) throw new ProofError('BAD_PATH', `old roots left outside the new root ${r}`)
    out.push(cur)
  }
  if (i !== roots.length) throw new ProofError('BAD_PATH', 'old roots not covered by the extended tree')
  return out
}

/**
 * Verifies that a quorum of the manifest's signers signed the tree `head` describes (or a longer tree
 * extending it, through the envelope's patch). Throws ProofError: BAD_PATH (root shape), BAD_SIGNATURE
 * (envelope, signature, quorum, patch), MALFORMED (non-canonical envelope, unused patch nodes).
 */
export function verifyMultisigHead(key: Uint8Array, checked: CheckedMultisigManifest, head: MultisigHead): VerifiedMultisigHead {
  const coreKey = toBuffer(key)
  const { length, fork } = head
  if (!Number.isSafeInteger(length) || length < 1) throw new ProofError('MALFORMED', `bad signed length ${length}`)
  const prologue = checked.manifest.prologue as { length: number } | null
  if (prologue && length <= prologue.length) {
    throw new ProofError('BAD_SIGNATURE', `length ${length} is inside the manifest's prologue (${prologue.length}): not signed by anyone`)
  }
  checkRootShape(length, head.roots)

  let env: MultiSignature
  try {
    env = decodeMultiSignature(head.signature)
  } catch (err) {
    throw new ProofError('BAD_SIGNATURE', `signature envelope does not decode: ${(err as Error).message}`, { cause: err })
  }
  let reencoded: Buffer
  try {
    reencoded = encodeMultiSignature(env)
  } catch (err) {
    throw new ProofError('MALFORMED', `signature envelope does not re-encode: ${(err as Error).message}`, { cause: err })
  }
  if (!reencoded.equals(toBuffer(head.signature))) throw new ProofError('MALFORMED', 'signature envelope is not canonical')
  if (env.proofs.length < checked.quorum) {
    throw new ProofError('BAD_SIGNATURE', `${env.proofs.length} signatures, the quorum is ${checked.quorum}`)
  }

  const patchNodes = new Map<number, TreeNode>()
  for (const n of env.patch) {
    if (patchNodes.has(n.index)) throw new ProofError('MALFORMED', `patch node ${n.index} appears twice`)
    patchNodes.set(n.index, n)
  }
  const used = new Set<number>()
  const tried = new Set<number>()
  for (const p of env.proofs) {
    const pk = checked.publicKeys[p.signer]
    if (pk === undefined) throw new ProofError('BAD_SIGNATURE', `signature by signer ${p.signer}, the manifest has ${checked.publicKeys.length}`)
    if (tried.has(p.signer)) throw new ProofError('BAD_SIGNATURE', `signer ${p.signer} signs twice`)
    tried.add(p.signer)
    if (p.patch > 0 && !checked.allowPatch) throw new ProofError('BAD_SIGNATURE', 'a patched signature under a manifest without allowPatch')
    const signedLength = length + p.patch
    const roots = p.patch > 0 ? extendRoots(head.roots, length, p.patch, patchNodes, used) : head.roots
    if (!verify(treeSignable(coreKey, roots, signedLength, fork), p.signature, pk)) {
      throw new ProofError('BAD_SIGNATURE', `signer ${p.signer}'s signature over length ${signedLength} (fork ${fork}) does not verify`)
    }
  }
  if (used.size !== patchNodes.size) throw new ProofError('MALFORMED', `${patchNodes.size - used.size} patch nodes are not used by any signature`)
  return { signers: [...tried].sort((a, b) => a - b) }
}

/**
 * Walks block `index`'s Merkle path (`siblings`, leaf upwards) and checks it ends at one of `roots`
 * with the same hash and size. BAD_PATH for a path of the wrong shape, BAD_SIGNATURE for a block whose
 * hash does not match the signed roots.
 */
export function verifyBlockPath(index: number, leafHash: Buffer, leafSize: number, siblings: readonly TreeNode[], roots: readonly TreeNode[]): void {
  let node: TreeNode = { index: 2 * index, size: leafSize, hash: leafHash }
  for (const sib of siblings) {
    if (sib.index !== flatSibling(node.index)) throw new ProofError('BAD_PATH', `block ${index}: node ${sib.index} is not the sibling of ${node.index}`)
    const parent = flatParent(node.index)
    node = sib.index < node.index
      ? { index: parent, size: sib.size + node.size, hash: parentHash(sib, node) }
      : { index: parent, size: node.size + sib.size, hash: parentHash(node, sib) }
  }
  const root = roots.find((r) => r.index === node.index)
  if (!root) throw new ProofError('BAD_PATH', `block ${index}: path ends at node ${node.index}, not a full root`)
  if (root.size !== node.size || !toBuffer(root.hash).equals(node.hash)) {
    throw new ProofError('BAD_SIGNATURE', `block ${index} does not match the signed head`)
  }
}
