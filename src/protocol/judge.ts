// The attestor's judgement of one complete signed answer (docs/challenges.md §1, step 4). Pure: the
// runner (challenge.ts) hands it what arrived and when; it returns the outcome and the evidence the
// contract will check. Every item is judged on its own, so one lost block is caught even when the
// other positions carry valid proofs.
import { JudgementCode, answerHash, itemHash, judgeItem, verifyReceipt } from '../proof/index.js'
import type { AnswerItem, JudgementCodeValue } from '../proof/index.js'
import type { FailingItem, Outcome, Receipt } from '../ledger/ops.js'
import type { ReceiptMessage } from './challenge-wire.js'

export interface AnswerContext {
  networkId: Uint8Array
  agreementId: number
  epoch: number
  attestorKey: Uint8Array
  nonce: Uint8Array
  hosterNodeKey: Uint8Array
  coreKey: Uint8Array
  /** The indices the nonce selects, by position. */
  indices: readonly number[]
  /** The ledger's recorded fork of the core, and the challenged length. */
  minFork: number
  minLength: number
  deadlineMs: number
}

export interface Judgement {
  outcome: Outcome
  code: JudgementCodeValue
  /** Why, in words and a stable code (for logs and the node's challenge records). */
  reason: { code: string; message: string } | null
  receipt: Receipt | null
  failing: FailingItem | null
  /**
   * On a valid answer (pass or late): one of its block proofs with the manifest. Its signed tree shows the
   * core's byte length, which the attestor checks against the publisher's declaration (prove-size).
   */
  sizeSample?: { manifest: Buffer; proof: Buffer }
}

const trouble = (code: string, message: string): Judgement =>
  ({ outcome: 'slow', code: JudgementCode.HOSTER_TROUBLE, reason: { code, message }, receipt: null, failing: null })

/** Judges a complete answer: `items` by position, the receipt, and the response time net of the round trip. */
export function judgeAnswer(ctx: AnswerContext, items: readonly (AnswerItem | undefined)[], r: ReceiptMessage, netMs: number): Judgement {
  const k = ctx.indices.length
  if (items.length !== k || items.some((i) => i === undefined)) return trouble('INCOMPLETE', `the receipt came with ${items.filter(Boolean).length} of ${k} items`)
  const answer = items as readonly AnswerItem[]
  const itemHashes = answer.map((item, position) => itemHash(position, ctx.indices[position] as number, item))
  const hash = answerHash(r.manifest, itemHashes)
  const fields = {
    networkId: ctx.networkId, agreementId: ctx.agreementId, epoch: ctx.epoch, attestorKey: ctx.attestorKey, nonce: ctx.nonce,
    answerHash: hash, fork: r.fork, length: r.length
  }
  // An answer the hoster's node key did not sign proves nothing either way.
  if (!verifyReceipt(fields, r.signature, ctx.hosterNodeKey)) return trouble('BAD_RECEIPT', 'the receipt does not verify against the hoster node key')
  const receipt: Receipt = { nonce: Buffer.from(ctx.nonce), fork: r.fork, length: r.length, answerHash: hash, signature: Buffer.from(r.signature) }

  for (let position = 0; position < k; position++) {
    const item = answer[position] as AnswerItem
    // multi-signer cores (Autobase views) are judged too; the contract checks them from version 2 on
    const j = judgeItem(ctx.coreKey, r.manifest, ctx.indices[position] as number, item, { minFork: ctx.minFork, minLength: ctx.minLength, multiSigner: true })
    if (!j.failed) continue
    const failing: FailingItem = {
      position,
      kind: item.kind,
      errorCode: item.kind === 'error' ? item.code : 0,
      proof: item.kind === 'proof' ? Buffer.from(item.proof) : Buffer.alloc(0),
      manifest: Buffer.from(r.manifest),
      itemHashes
    }
    return { outcome: 'missing', code: JudgementCode.NONE, reason: { code: j.code, message: `position ${position} (block ${ctx.indices[position]}): ${j.code}` }, receipt, failing }
  }
  if (answer.some((i) => i.kind === 'error')) return trouble('HOSTER_TROUBLE', 'the hoster answered BUSY or INTERNAL for some block')
  if (r.fork < ctx.minFork || r.length < ctx.minLength) return trouble('STALE_RECEIPT', `the receipt names fork ${r.fork} length ${r.length}, below ${ctx.minFork}/${ctx.minLength}`)
  const first = answer[0]
  const sizeSample = first?.kind === 'proof' ? { sizeSample: { manifest: Buffer.from(r.manifest), proof: Buffer.from(first.proof) } } : {}
  if (netMs > ctx.deadlineMs) {
    return { outcome: 'slow', code: JudgementCode.LATE, reason: { code: 'LATE', message: `valid answer after ${Math.round(netMs)} ms net of the round trip, deadline ${ctx.deadlineMs} ms` }, receipt, failing: null, ...sizeSample }
  }
  return { outcome: 'pass', code: JudgementCode.NONE, reason: null, receipt, failing: null, ...sizeSample }
}
