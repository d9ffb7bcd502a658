// The multi-signer verifier's patch path (indexers that signed longer trees than the head verified),
// which real view cores on loopback rarely produce: a Merkle tree built from scratch with the same
// hashes hypercore uses, a 3-signer allowPatch manifest, signatures at different lengths.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { keyPair, sign, type KeyPair } from '../../src/stack/crypto.js'
import { encodeManifest, fullRoots, leafHash, parentHash, treeSignable, type Manifest, type TreeNode } from '../../src/stack/merkle.js'
import { encodeMultiSignature, manifestKey, type MultisigProof } from '../../src/stack/multisig.js'
import { ProofError, checkMultisigManifest, extendRoots, verifyMultisigHead } from '../../src/proof/index.js'

/** Every node of the Merkle tree over `blocks` whose subtree is complete (flat-tree indices). */
function treeNodes(blocks: Buffer[]): Map<number, TreeNode> {
  const nodes = new Map<number, TreeNode>()
  blocks.forEach((b, i) => nodes.set(2 * i, { index: 2 * i, size: b.byteLength, hash: leafHash(b) }))
  for (let depth = 1; (1 << depth) <= blocks.length; depth++) {
    const half = 1 << (depth - 1)
    for (let x = (1 << depth) - 1; x < 2 * blocks.length; x += 1 << (depth + 1)) {
      const l = nodes.get(x - half)
      const r = nodes.get(x + half)
      if (l && r) nodes.set(x, { index: x, size: l.size + r.size, hash: parentHash(l, r) })
    }
  }
  return nodes
}

function rootsAt(nodes: Map<number, TreeNode>, length: number): TreeNode[] {
  return fullRoots(length).map((i) => {
    const n = nodes.get(i)
    assert.ok(n, `root ${i} of ${length}`)
    return n
  })
}

function code(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    if (err instanceof ProofError) return err.code
    throw err
  }
  return 'OK'
}

const blocks = Array.from({ length: 40 }, (_, i) => Buffer.from(`block ${i} `.repeat(1 + (i % 5))))
const nodes = treeNodes(blocks)

test('extendRoots reproduces the roots of every longer tree (all 1 ≤ L < N ≤ 40), using only the nodes it needs', () => {
  for (let n = 2; n <= 40; n++) {
    for (let l = 1; l < n; l++) {
      const used = new Set<number>()
      const got = extendRoots(rootsAt(nodes, l), l, n - l, nodes, used)
      assert.deepEqual(got.map((r) => [r.index, r.size, r.hash.toString('hex')]), rootsAt(nodes, n).map((r) => [r.index, r.size, r.hash.toString('hex')]), `${l} → ${n}`)
      for (const u of used) assert.ok(u < 2 * n && !fullRoots(l).includes(u), `node ${u} is new in ${l} → ${n}`)
    }
  }
})

interface Setup {
  key: Buffer
  manifest: Buffer
  signers: KeyPair[]
}

function setup(allowPatch: boolean): Setup {
  const signers = [0, 1, 2].map(() => keyPair())
  const m: Manifest = {
    version: 1, hash: 'blake2b', quorum: 2, allowPatch, prologue: null, linked: null, userData: null,
    signers: signers.map((s) => ({ signature: 'ed25519', namespace: Buffer.alloc(32, 7), publicKey: s.publicKey }))
  }
  return { key: manifestKey(m), manifest: Buffer.from(encodeManifest(m)), signers }
}

/** A signer's proof over the tree of `length + patch` blocks, and the patch nodes it needs. */
function proofBy(s: Setup, signer: number, length: number, patch: number, fork = 0): { proof: MultisigProof; needs: Set<number> } {
  const n = length + patch
  const needs = new Set<number>()
  if (patch > 0) extendRoots(rootsAt(nodes, length), length, patch, nodes, needs)
  const kp = s.signers[signer] as KeyPair
  return { proof: { signer, signature: sign(treeSignable(s.key, rootsAt(nodes, n), n, fork), kp.secretKey), patch }, needs }
}

function envelope(parts: { proof: MultisigProof; needs: Set<number> }[], extra: number[] = []): Buffer {
  const idx = new Set<number>(extra)
  for (const p of parts) for (const i of p.needs) idx.add(i)
  return encodeMultiSignature({ proofs: parts.map((p) => p.proof), patch: [...idx].sort((a, b) => a - b).map((i) => nodes.get(i) as TreeNode) })
}

test('quorum signatures at different lengths verify through their patches; tampering fails with stable codes', () => {
  const s = setup(true)
  const checked = checkMultisigManifest(s.key, s.manifest)
  const L = 20
  const head = (signature: Buffer): { length: number; fork: number; roots: TreeNode[]; signature: Buffer } => ({ length: L, fork: 0, roots: rootsAt(nodes, L), signature })

  const a = proofBy(s, 0, L, 0)
  const b = proofBy(s, 2, L, 13)
  const c = proofBy(s, 1, L, 17)
  assert.deepEqual(verifyMultisigHead(s.key, checked, head(envelope([a, b]))).signers, [0, 2])
  assert.deepEqual(verifyMultisigHead(s.key, checked, head(envelope([b, c]))).signers, [1, 2])
  assert.deepEqual(verifyMultisigHead(s.key, checked, head(envelope([a, b, c]))).signers, [0, 1, 2])

  // Below the quorum; one signer twice; a signer the manifest does not have.
  assert.equal(code(() => verifyMultisigHead(s.key, checked, head(envelope([b])))), 'BAD_SIGNATURE')
  assert.equal(code(() => verifyMultisigHead(s.key, checked, head(envelope([b, b])))), 'BAD_SIGNATURE')
  assert.equal(code(() => verifyMultisigHead(s.key, checked, head(envelope([a, { proof: { ...b.proof, signer: 3 }, needs: b.needs }])))), 'BAD_SIGNATURE')
  // Any proof that does not verify fails, even beyond the quorum (hypercore would ignore it).
  const bad = { proof: { ...c.proof, signature: Buffer.from(c.proof.signature).fill(1, 0, 1) }, needs: c.needs }
  assert.equal(code(() => verifyMultisigHead(s.key, checked, head(envelope([a, b, bad])))), 'BAD_SIGNATURE')
  // A wrong patch length, a missing patch node, a changed patch node, an unused one.
  assert.equal(code(() => verifyMultisigHead(s.key, checked, head(envelope([a, { proof: { ...b.proof, patch: 12 }, needs: b.needs }])))), 'BAD_SIGNATURE')
  const needed = [...b.needs]
  const missing = encodeMultiSignature({ proofs: [a.proof, b.proof], patch: needed.slice(1).sort((x, y) => x - y).map((i) => nodes.get(i) as TreeNode) })
  assert.equal(code(() => verifyMultisigHead(s.key, checked, head(missing))), 'BAD_SIGNATURE')
  const changed = encodeMultiSignature({
    proofs: [a.proof, b.proof],
    patch: needed.sort((x, y) => x - y).map((i, k) => { const n = nodes.get(i) as TreeNode; return k === 0 ? { ...n, size: n.size + 1 } : n })
  })
  assert.equal(code(() => verifyMultisigHead(s.key, checked, head(changed))), 'BAD_SIGNATURE')
  const unused = [...Array(80).keys()].find((i) => nodes.has(i) && !b.needs.has(i) && !fullRoots(L).includes(i)) as number
  assert.equal(code(() => verifyMultisigHead(s.key, checked, head(envelope([a, b], [unused])))), 'MALFORMED')
  // The head itself: another fork, or roots of another shape.
  assert.equal(code(() => verifyMultisigHead(s.key, checked, { ...head(envelope([a, b])), fork: 1 })), 'BAD_SIGNATURE')
  assert.equal(code(() => verifyMultisigHead(s.key, checked, { ...head(envelope([a, b])), roots: rootsAt(nodes, L).slice(1) })), 'BAD_PATH')

  // Without allowPatch, a patched signature is refused even when it is genuine.
  const np = setup(false)
  const npChecked = checkMultisigManifest(np.key, np.manifest)
  const npHead = { length: L, fork: 0, roots: rootsAt(nodes, L) }
  assert.deepEqual(verifyMultisigHead(np.key, npChecked, { ...npHead, signature: envelope([proofBy(np, 0, L, 0), proofBy(np, 1, L, 0)]) }).signers, [0, 1])
  assert.equal(code(() => verifyMultisigHead(np.key, npChecked, { ...npHead, signature: envelope([proofBy(np, 0, L, 0), proofBy(np, 1, L, 5)]) })), 'BAD_SIGNATURE')
  // And another core's key does not take this manifest.
  assert.equal(code(() => checkMultisigManifest(np.key, s.manifest)), 'BAD_MANIFEST')
})
