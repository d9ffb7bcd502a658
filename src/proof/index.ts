// Block proofs: made by a hoster from its core, verified by anyone from the core key and bytes alone.
export { ProofError, isProofError } from './errors.js'
export type { ProofErrorCode } from './errors.js'
export {
  BUNDLE_VERSION,
  MAX_BLOCK_BYTES,
  MAX_BUNDLE_BYTES,
  MAX_MANIFEST_BYTES,
  MAX_PROOF_BYTES,
  MAX_PROOFS,
  boundedArray,
  boundedBuffer,
  boundedString,
  bundleCodec,
  decodeBundle,
  decodeStrict,
  encodeBundle,
  encodeWith
} from './format.js'
export type { BlockProofBundle } from './format.js'
export { makeBlockProof, makeBlockProofBytes, makeBlockProofs } from './make.js'
export { verifyBlockProof, verifyBlockProofs } from './verify.js'
export type { VerifiedBlock, VerifiedProofs, VerifyOptions } from './verify.js'
export { sampleIndices } from './sampling.js'
