// The contract's check of one report result's evidence (docs/challenges.md §2), with the pure functions
// of src/proof (receipts, item and answer hashes, the proof verifier). Deterministic, no I/O: the caller
// passes what the ledger records. Returns null when the evidence holds, else the RejectCode it fails.
import { answerHash, challengeIndicesV2, itemHash, judgeItem, verifyReceipt } from '../proof/receipt.js'
import type { AnswerItem } from '../proof/receipt.js'
import { RejectCode } from './errors.js'
import type { RejectCodeValue } from './errors.js'
import type { ReportResult } from './ops.js'

export interface EvidenceContext {
  /** The network id (the genesis beacon), 32 bytes. */
  networkId: Uint8Array
  /** The beacon of the challenged epoch. */
  beacon: Uint8Array
  epoch: number
  agreementId: number
  /** The attestor (the report's author), 32 bytes. */
  attestorKey: Uint8Array
  /** The hoster's node key recorded at selection, 32 bytes (empty when the offer had none). */
  nodeKey: Uint8Array
  coreKey: Uint8Array
  /** The challenged length, fork and samples of the attestation record. */
  length: number
  fork: number
  samples: number
  /** Re-verify proofs of multi-signer cores (Autobase views) too: contract version 2 on (v1 refused their manifests). */
  multiSigner?: boolean
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
}

/** Checks one result's evidence; null = accepted. Never throws on bad input. */
export function checkEvidence(r: ReportResult, x: EvidenceContext): RejectCodeValue | null {
  if (r.outcome === 'slow' || r.outcome === 'unreachable') {
    if (r.failing !== null) return RejectCode.EVIDENCE_UNEXPECTED
    if (r.receipt === null) return null
    // a receipt on `slow` is a valid answer after the deadline: it must be the hoster's; nobody reached
    // the hoster on `unreachable`
    if (r.outcome === 'unreachable') return RejectCode.EVIDENCE_UNEXPECTED
  }
  if (r.outcome === 'pass' && r.failing !== null) return RejectCode.EVIDENCE_UNEXPECTED
  const rc = r.receipt
  if (rc === null) return RejectCode.RECEIPT_MISSING
  if (r.outcome === 'missing' && r.failing === null) return RejectCode.ITEM_MISSING
  if (x.nodeKey.byteLength !== 32) return RejectCode.NO_NODE_KEY
  const signed = verifyReceipt(
    { networkId: x.networkId, agreementId: x.agreementId, epoch: x.epoch, attestorKey: x.attestorKey, nonce: rc.nonce, answerHash: rc.answerHash, fork: rc.fork, length: rc.length },
    rc.signature,
    x.nodeKey
  )
  if (!signed) return RejectCode.RECEIPT_BAD_SIGNATURE
  if (r.outcome !== 'missing') {
    if (rc.fork < x.fork) return RejectCode.RECEIPT_STALE_FORK
    if (rc.length < x.length) return RejectCode.RECEIPT_SHORT
    return null
  }
  const f = r.failing
  if (f === null) return RejectCode.ITEM_MISSING
  const indices = challengeIndicesV2(x.beacon, x.agreementId, x.attestorKey, rc.nonce, x.length, x.samples)
  const index = indices[f.position]
  if (f.itemHashes.length !== indices.length || index === undefined) return RejectCode.ITEM_BAD_POSITION
  if (!same(answerHash(f.manifest, f.itemHashes), rc.answerHash)) return RejectCode.ITEM_NOT_IN_ANSWER
  const item: AnswerItem = f.kind === 'proof' ? { kind: 'proof', proof: f.proof } : { kind: 'error', code: f.errorCode }
  if (!same(itemHash(f.position, index, item), f.itemHashes[f.position] as Uint8Array)) return RejectCode.ITEM_NOT_IN_ANSWER
  let failed: boolean
  try {
    failed = judgeItem(x.coreKey, f.manifest, index, item, { minFork: x.fork, minLength: x.length, multiSigner: x.multiSigner === true }).failed
  } catch {
    // bytes the verifier cannot even walk: the hoster signed them, so they show that it could not prove the block
    failed = true
  }
  return failed ? null : RejectCode.ITEM_SHOWS_NO_LOSS
}
