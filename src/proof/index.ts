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
export { checkMultisigManifest, checkRootShape, extendRoots, isMultiSignerManifest, verifyBlockPath, verifyMultisigHead } from './multisig.js'
export { makeMultisigWireProof } from './make-multisig.js'
export type { CheckedMultisigManifest, MultisigHead, VerifiedMultisigHead } from './multisig.js'
export { MAX_SIGNATURE_BYTES, MAX_VIEW_BLOCKS, VIEW_PROOF_VERSION, decodeViewProof, encodeViewProof, pathIndices, verifyViewProof } from './view-proof.js'
export type { VerifiedViewProof, ViewBlock, ViewProof } from './view-proof.js'
export { makeViewProof } from './make-view.js'
export { Prng, PrngError, toBytes } from './prng.js'
export {
  CHALLENGE_VERSION,
  ITEM_ERROR_CODES,
  ITEM_ERROR_NAMES,
  JUDGEMENT_NAMES,
  JudgementCode,
  ItemError,
  MAX_CHALLENGE_SAMPLES,
  NONCE_BYTES,
  admitsLoss,
  answerHash,
  challengeIndicesV2,
  itemHash,
  judgeItem,
  receiptSignable,
  signReceipt,
  verifyReceipt
} from './receipt.js'
export type { AnswerItem, ItemErrorCode, ItemJudgement, JudgementCodeValue, ReceiptFields } from './receipt.js'
