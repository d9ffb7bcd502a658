// Hoster side of challenge proofs for cores signed under a multi-signer manifest (Autobase view cores:
// one signer per indexer, a quorum, patches, a prologue once the indexer set changed). hypercore's
// `core.proof` cannot prove a block from 0 past a prologue (see src/stack/view-head.ts), so the proof is
// assembled from the core's signed head and the block's Merkle path into the SAME `wire.data` shape a
// single-signer proof has (block + upgrade from 0, the other full roots, the signature envelope): the
// challenge wire, item hashes and receipts do not change, and the verifier (verify.ts) tells the two
// kinds apart by the manifest. It never fetches: a block this node lacks is NOT_HELD.
import { blockPath, encodeWireProof, flatParent, signedHead } from '../stack/index.js'
import type { Core } from '../stack/index.js'
import { ProofError } from './errors.js'
import { pathIndices } from './view-proof.js'

const HEAD_RETRIES = 3

/** Flat index of the full root whose subtree holds block `index`, from its path of `depth` siblings. */
function rootOf(index: number, depth: number): number {
  let node = 2 * index
  for (let i = 0; i < depth; i++) node = flatParent(node)
  return node
}

/**
 * One block's proof against the core's current signed head, as hypercore's wire `data` bytes. Throws
 * ProofError('NOT_HELD') when there is no signed head, the block is beyond it or not held locally.
 */
export async function makeMultisigWireProof(core: Core, index: number): Promise<Uint8Array> {
  if (!Number.isSafeInteger(index) || index < 0) throw new ProofError('WRONG_INDEX', `bad block index ${index}`)
  await core.ready()
  for (let attempt = 0; ; attempt++) {
    const head = signedHead(core)
    if (head === null) throw new ProofError('NOT_HELD', 'the core has no signed head')
    if (index >= head.length) throw new ProofError('NOT_HELD', `block ${index} is beyond the signed length ${head.length}`)
    // has() first: blockPath must not wait for (or fetch) a block this node does not hold
    if (!(await core.has(index))) throw new ProofError('NOT_HELD', `block ${index} is not held locally`)
    const depth = pathIndices(index, head.length).length
    let path: Awaited<ReturnType<typeof blockPath>>
    try {
      path = await blockPath(core, index, depth)
    } catch (err) {
      throw new ProofError('NOT_HELD', `cannot prove block ${index}: ${(err as Error).message}`, { cause: err })
    }
    const after = signedHead(core)
    const stable = after !== null && after.length === head.length && after.fork === head.fork && after.signature.equals(head.signature)
    if (stable && path.nodes.length === depth) {
      const root = rootOf(index, depth)
      return encodeWireProof({
        fork: head.fork,
        block: { index, value: path.value, nodes: path.nodes },
        hash: null,
        seek: null,
        upgrade: { start: 0, length: head.length, nodes: head.roots.filter((r) => r.index !== root), additionalNodes: [], signature: head.signature },
        manifest: null
      })
    }
    if (attempt + 1 >= HEAD_RETRIES) throw new ProofError('HEAD_MISMATCH', 'the signed head kept moving while the proof was made')
  }
}
