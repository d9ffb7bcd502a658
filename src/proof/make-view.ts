// Maker side of view proofs: blocks of a multi-signer core (an Autobase view) with their Merkle paths
// against the head its signers last signed.
import { blockPath, signedHead } from '../stack/index.js'
import type { Core } from '../stack/index.js'
import { ProofError } from './errors.js'
import { encodeManifest } from '../stack/index.js'
import { pathIndices } from './view-proof.js'
import type { ViewProof } from './view-proof.js'

const HEAD_RETRIES = 5

/**
 * A view proof for `indices` against `core`'s current signed head. `core` must be a session on the
 * signed state (see openSignedView); if the head moves while the paths are read, it tries again.
 * Throws ProofError('NOT_HELD') when the core has no signed head or lacks a block.
 */
export async function makeViewProof(core: Core, indices: readonly number[], opts: { blockTimeoutMs?: number } = {}): Promise<ViewProof> {
  await core.ready()
  const sorted = [...new Set(indices)].sort((a, b) => a - b)
  for (let attempt = 0; ; attempt++) {
    const head = signedHead(core)
    if (head === null) throw new ProofError('NOT_HELD', 'the core has no signed head yet')
    const blocks = []
    for (const index of sorted) {
      if (index >= head.length) throw new ProofError('NOT_HELD', `block ${index} is beyond the signed length ${head.length}`)
      let path: Awaited<ReturnType<typeof blockPath>>
      try {
        // A signed head can run ahead of what this node applied itself (another indexer's view
        // replicated in): fetch the block from peers first, bounded.
        if ((await core.get(index, { timeout: opts.blockTimeoutMs ?? 10_000 })) === null) throw new Error('not available')
        path = await blockPath(core, index, pathIndices(index, head.length).length)
      } catch (err) {
        throw new ProofError('NOT_HELD', `cannot prove block ${index}: ${(err as Error).message}`, { cause: err })
      }
      blocks.push({ index, value: path.value, nodes: path.nodes })
    }
    const after = signedHead(core)
    const stable = after !== null && after.length === head.length && after.fork === head.fork && after.signature.equals(head.signature) &&
      blocks.every((b) => b.nodes.length === pathIndices(b.index, head.length).length)
    if (stable) {
      return { manifest: Buffer.from(encodeManifest(core.manifest)), length: head.length, fork: head.fork, roots: head.roots, signature: head.signature, blocks }
    }
    if (attempt + 1 >= HEAD_RETRIES) throw new ProofError('HEAD_MISMATCH', 'the signed head kept moving while the proof was made')
  }
}
