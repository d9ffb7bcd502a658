// The role side of `prove-size` (src/ledger/size-proof.ts): given one block proof of a hosted core, the
// op that shows the publisher's declared byte length wrong, or null. Hosters check their own copy before
// `ready`; attestors check a proof of every valid answer. Both are outside the publisher's lineage for
// attestors (the contract's rule), so a colluding publisher and hoster cannot keep a false size quiet.
import { correctedSize } from '../ledger/index.js'
import type { Op } from '../ledger/index.js'
import { makeBlockProof, verifyBlockProofs } from '../proof/index.js'
import type { Core } from '../stack/index.js'

export interface RecordedCore {
  requestId: number
  coreKey: Buffer
  length: number
  byteLength: number
  fork: number
}

/** The `prove-size` op a proof supports against `rec`, or null (it does not verify, or shows nothing wrong). */
export function sizeDisproof(rec: RecordedCore, sample: { manifest: Uint8Array; proof: Uint8Array }): Extract<Op, { type: 'prove-size' }> | null {
  let proven: { length: number; byteLength: number; fork: number }
  try {
    proven = verifyBlockProofs(rec.coreKey, { manifest: sample.manifest, proofs: [sample.proof] }, { minFork: rec.fork, minLength: rec.length, multiSigner: true })
  } catch {
    return null // not a proof of this record (a rewrite, a shorter head): nothing to show
  }
  if (proven.fork !== rec.fork || correctedSize(rec, proven) === null) return null
  return { type: 'prove-size', time: Date.now(), requestId: rec.requestId, coreKey: rec.coreKey, manifest: Buffer.from(sample.manifest), proof: Buffer.from(sample.proof) }
}

/** The same from a local copy of the core (a proof of its first block against its current signed head). */
export async function sizeDisproofOf(core: Core, rec: RecordedCore): Promise<Extract<Op, { type: 'prove-size' }> | null> {
  if (core.length < rec.length || core.fork !== rec.fork) return null
  let bundle
  try {
    bundle = await makeBlockProof(core, 0)
  } catch {
    return null // not held (yet), or the head moved: the next check tries again
  }
  const proof = bundle.proofs[0]
  return proof === undefined ? null : sizeDisproof(rec, { manifest: bundle.manifest, proof })
}
