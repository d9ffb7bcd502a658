// Challenge receipts (favor/challenge/2): what a hoster signs with its node key over its whole answer to
// one challenge, and the pure checks anyone — the attestor, the contract in apply, an outside auditor —
// runs on it. No I/O, no clock, integers only: the contract calls these inside apply.
//
//   indices     = PRNG('favor/challenge/2' ‖ beacon_e ‖ agreementId ‖ attestorKey ‖ nonce) over the
//                 challenged length: the hoster learns them only when the attestor's fresh nonce arrives.
//   item_i      = H('favor/challenge/2/item' ‖ position ‖ index ‖ kind ‖ payload)
//                 payload = the hoster's wire proof bytes (kind proof) or one error code byte (kind error)
//   answerHash  = H('favor/challenge/2/answer' ‖ H(manifest bytes) ‖ item_0 ‖ … ‖ item_{k−1})
//   receipt     = ed25519 over H('favor/challenge/2/receipt' ‖ networkId ‖ agreementId ‖ epoch ‖
//                 attestorKey ‖ nonce ‖ answerHash ‖ fork ‖ length)
//
// Committing to each item separately lets an attestor show ONE item (an admitted error, or a proof that
// does not verify) together with the other items' hashes, and anyone can check that the hoster signed it.
import { blake2b, sign, verify } from '../stack/crypto.js'
import { ProofError } from './errors.js'
import type { ProofErrorCode } from './errors.js'
import { Prng } from './prng.js'
import { verifyBlockProofs } from './verify.js'

export const CHALLENGE_VERSION = 2
export const NONCE_BYTES = 32
/** Most blocks one challenge may ask for. */
export const MAX_CHALLENGE_SAMPLES = 64

/**
 * Per-index errors a hoster may sign instead of a proof. Only `NOT_HELD` and `NOT_HOSTED` admit lost
 * data (they make a `missing`); `BUSY` and `INTERNAL` are the hoster's own trouble, judged like silence
 * (`slow`), never `missing`.
 */
export const ItemError = { NOT_HELD: 1, NOT_HOSTED: 2, BUSY: 3, INTERNAL: 4 } as const
export type ItemErrorCode = (typeof ItemError)[keyof typeof ItemError]
export const ITEM_ERROR_CODES: readonly number[] = Object.values(ItemError)
export const ITEM_ERROR_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(ItemError).map(([k, v]) => [v, k]))

/** Whether a signed per-index error admits that the data is not there. */
export function admitsLoss(code: number): boolean {
  return code === ItemError.NOT_HELD || code === ItemError.NOT_HOSTED
}

export type AnswerItem = { kind: 'proof'; proof: Uint8Array } | { kind: 'error'; code: number }

const ITEM_TAG = Buffer.from('favor/challenge/2/item')
const ANSWER_TAG = Buffer.from('favor/challenge/2/answer')
const RECEIPT_TAG = Buffer.from('favor/challenge/2/receipt')

function u64(n: number): Buffer {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a u64: ${n}`)
  const b = Buffer.allocUnsafe(8)
  b.writeBigUInt64BE(BigInt(n))
  return b
}

/**
 * The block indices of a version-2 challenge: `samples` distinct indices in [0, length), in draw order;
 * every index in order when length ≤ samples; none when either is 0.
 */
export function challengeIndicesV2(beacon: Uint8Array, agreementId: number, attestorKey: Uint8Array, nonce: Uint8Array, length: number, samples: number): number[] {
  if (length <= 0 || samples <= 0) return []
  if (length <= samples) return Array.from({ length }, (_, i) => i)
  return Prng.from('favor/challenge/2', beacon, agreementId, attestorKey, nonce).sampleDistinct(length, samples)
}

/** H(item): one answered position, committed separately so it can be shown alone. */
export function itemHash(position: number, index: number, item: AnswerItem): Buffer {
  const kind = Buffer.from([item.kind === 'proof' ? 0 : 1])
  const payload = item.kind === 'proof' ? item.proof : Buffer.from([item.code & 0xff])
  return blake2b([ITEM_TAG, u64(position), u64(index), kind, payload])
}

/** H(answer) over the manifest the hoster sent (empty if none) and every item's hash, in order. */
export function answerHash(manifest: Uint8Array, itemHashes: readonly Uint8Array[]): Buffer {
  return blake2b([ANSWER_TAG, blake2b(manifest), ...itemHashes])
}

export interface ReceiptFields {
  /** The network's id (its genesis beacon): a receipt from one network means nothing in another. */
  networkId: Uint8Array
  agreementId: number
  epoch: number
  /** The attestor's account key (its ledger writer key). */
  attestorKey: Uint8Array
  nonce: Uint8Array
  answerHash: Uint8Array
  /** The fork and signed length of the head the hoster answered from. */
  fork: number
  length: number
}

/** The 32 bytes a hoster signs. */
export function receiptSignable(f: ReceiptFields): Buffer {
  if (f.networkId.byteLength !== 32 || f.attestorKey.byteLength !== 32 || f.nonce.byteLength !== NONCE_BYTES || f.answerHash.byteLength !== 32) {
    throw new RangeError('receipt fields: networkId, attestorKey, nonce and answerHash are 32 bytes')
  }
  return blake2b([RECEIPT_TAG, f.networkId, u64(f.agreementId), u64(f.epoch), f.attestorKey, f.nonce, f.answerHash, u64(f.fork), u64(f.length)])
}

export function signReceipt(f: ReceiptFields, secretKey: Uint8Array): Buffer {
  return sign(receiptSignable(f), secretKey)
}

/** Never throws: malformed fields verify as false. */
export function verifyReceipt(f: ReceiptFields, signature: Uint8Array, hosterNodeKey: Uint8Array): boolean {
  let msg: Buffer
  try {
    msg = receiptSignable(f)
  } catch (err) {
    // fields of the wrong length (receiptSignable's RangeError) verify as false
    if (!(err instanceof RangeError)) throw err
    return false
  }
  return verify(msg, signature, hosterNodeKey)
}

/** Why one item of a signed answer shows lost data, or null when it does not. */
export type ItemJudgement =
  | { failed: true; code: ProofErrorCode | 'ADMITTED' }
  | { failed: false; code: 'VALID' | 'NOT_ADMITTED' }

/**
 * Judges one answered item against the core key alone: an error item fails when it admits loss; a proof
 * item fails when it does not verify for `index` at a fork ≥ minFork and a signed length ≥ minLength.
 * `manifest` is the manifest the hoster committed to in its answer (a wrong one is the hoster's fault).
 */
export function judgeItem(coreKey: Uint8Array, manifest: Uint8Array, index: number, item: AnswerItem, opts: { minFork: number; minLength: number; multiSigner?: boolean }): ItemJudgement {
  if (item.kind === 'error') return admitsLoss(item.code) ? { failed: true, code: 'ADMITTED' } : { failed: false, code: 'NOT_ADMITTED' }
  try {
    verifyBlockProofs(coreKey, { manifest, proofs: [item.proof] }, { expectedIndices: [index], minFork: opts.minFork, minLength: opts.minLength, multiSigner: opts.multiSigner === true })
    return { failed: false, code: 'VALID' }
  } catch (err) {
    if (err instanceof ProofError) return { failed: true, code: err.code }
    throw err
  }
}

/**
 * Why an attestor judged a challenge `slow` or `unreachable` (a report's informational `code`). These are
 * judgements the hoster cannot disprove, so the contract counts them only by a strict majority.
 */
export const JudgementCode = {
  NONE: 0,
  /** unreachable: no connection within the connect timeout. */
  CONNECT_TIMEOUT: 1,
  /** unreachable: the connection failed or closed before the challenge channel opened. */
  CONNECTION_FAILED: 2,
  /** unreachable: the hoster never opened the challenge channel. */
  NO_CHANNEL: 3,
  /** slow: a valid answer after the deadline (response time minus round trip). */
  LATE: 4,
  /** slow: no answer to the nonce before the hard timeout (silence after seeing the indices). */
  NO_ANSWER: 5,
  /** slow: the hoster said BUSY or INTERNAL for some index, and admitted no loss. */
  HOSTER_TROUBLE: 6,
  /** slow: the connection or channel closed after the nonce was sent, before the answer was complete. */
  CLOSED_AFTER_REQUEST: 7,
  /** slow: the hoster did not answer the round-trip ping. */
  NO_PONG: 8
} as const
export type JudgementCodeValue = (typeof JudgementCode)[keyof typeof JudgementCode]
export const JUDGEMENT_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(JudgementCode).map(([k, v]) => [v, k]))
