// Block-index sampling for challenges. One PRNG serves the whole project: the ledger's BLAKE2b
// counter-mode `Prng`. The ledger's `challengeIndices` derives the seed from the epoch beacon, the
// agreement and the attestor; this function samples from any seed (tests, benchmarks, tools).
import { Prng } from './prng.js'

/**
 * `samples` distinct block indices in [0, length), uniform over all such sets, in draw order.
 * When samples ≥ length, every index once, in order (as `challengeIndices` does).
 */
export function sampleIndices(seed: Uint8Array, length: number, samples: number): number[] {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`bad length ${length}`)
  if (!Number.isSafeInteger(samples) || samples < 0) throw new RangeError(`bad sample count ${samples}`)
  if (length === 0 || samples === 0) return []
  if (samples >= length) return Array.from({ length }, (_, i) => i)
  return new Prng(seed).sampleDistinct(length, samples)
}
