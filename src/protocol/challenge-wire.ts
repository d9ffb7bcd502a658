// The messages of the `favor/challenge/2` protomux channel (docs/challenges.md §1). Each is one
// strictly decoded codec with a size bound; protomux carries them as raw bytes in this order:
//
//   0  ping      attestor → hoster  { seq }                                    round trip, before the nonce
//   1  pong      hoster → attestor  { seq }                                    at once
//   2  challenge attestor → hoster  { agreementId, epoch, attestorKey, nonce }
//   3  item      hoster → attestor  { position, item }                        one per challenged position, in order:
//                                                                               a wire proof, or a signed error code
//   4  receipt   hoster → attestor  { manifest, fork, length, signature }      ends an answer
//   5  refusal   hoster → attestor  { code, message }                         the whole request refused (unsigned)
//   6  intent    attestor → hoster  { agreementId, epoch, attestorKey }        before the pings: what will be
//                                                                               challenged (no nonce, so no indices)
//
// `intent` came after the first five: a hoster of an earlier build ignores it (protomux drops message
// types it does not know) and answers as before. A hoster that knows it looks the challenge up in its own
// ledger view at once, and answers the pings only when it has (or refuses before the nonce): the time
// its view takes to catch up with the attestor's then falls before the nonce, not into the deadline.
//
// The index of each position is not on the wire: both sides compute it from the nonce (and the hoster
// commits to it in the item hash), so an answer for another block fails as a wrong proof.
import c from 'compact-encoding'
import { muxOf } from '../stack/index.js'
import type { Codec, Connection, MuxChannel, MuxMessage } from '../stack/index.js'
import { ITEM_ERROR_CODES, MAX_CHALLENGE_SAMPLES, MAX_MANIFEST_BYTES, MAX_PROOF_BYTES, NONCE_BYTES, ProofError, boundedBuffer } from '../proof/index.js'
import type { AnswerItem } from '../proof/index.js'
import { codeMessageCodec, decodeMessage, encodeMessage, fixedBytes, rawCodec, safeUint, struct } from './messages.js'

export const CHALLENGE_PROTOCOL = 'favor/challenge/2'

/**
 * How long a hoster may take, after an `intent`, to find the challenge in its own ledger view before it
 * answers the first ping (its view catching up with the attestor's); the attestor waits this much longer
 * for that pong. Before the nonce, so it costs time, not soundness.
 */
export const PREPARE_ALLOWANCE_MS = 3000

export interface PingMessage { seq: number }
export interface IntentMessage { agreementId: number; epoch: number; attestorKey: Uint8Array }
export interface ChallengeMessage { agreementId: number; epoch: number; attestorKey: Uint8Array; nonce: Uint8Array }
export interface ItemMessage { position: number; item: AnswerItem }
export interface ReceiptMessage { manifest: Uint8Array; fork: number; length: number; signature: Uint8Array }

/** Why a hoster refuses a whole request. Unsigned, so never evidence of loss: judged `slow`. */
export const REFUSAL_CODES = ['BAD_REQUEST', 'UNKNOWN_CHALLENGE', 'NOT_SELECTED', 'BUSY', 'INTERNAL'] as const
export type RefusalCode = (typeof REFUSAL_CODES)[number]
export interface RefusalMessage { code: RefusalCode; message: string }
export const MAX_REFUSAL_MESSAGE_BYTES = 512

type State = { start: number; end: number; buffer: Uint8Array | null }
type DecodeState = { start: number; end: number; buffer: Uint8Array }

const proofBytes = boundedBuffer(MAX_PROOF_BYTES, 'block proof')
const KIND_PROOF = 0
const KIND_ERROR = 1

/** An answered position: kind byte, then the wire proof bytes or a known error code. */
const answerItemCodec: Codec<AnswerItem> = {
  preencode(s: State, v: AnswerItem): void {
    s.end += 1
    if (v.kind === 'proof') proofBytes.preencode(s, v.proof)
    else c.uint.preencode(s, v.code)
  },
  encode(s: State, v: AnswerItem): void {
    c.uint8.encode(s, v.kind === 'proof' ? KIND_PROOF : KIND_ERROR)
    if (v.kind === 'proof') proofBytes.encode(s, v.proof)
    else c.uint.encode(s, v.code)
  },
  decode(s: DecodeState): AnswerItem {
    if (s.end - s.start < 1) throw new ProofError('MALFORMED', 'item kind truncated')
    const kind = c.uint8.decode(s)
    if (kind === KIND_PROOF) return { kind: 'proof', proof: proofBytes.decode(s) }
    if (kind !== KIND_ERROR) throw new ProofError('MALFORMED', `unknown item kind ${kind}`)
    const code = c.uint.decode(s)
    if (!ITEM_ERROR_CODES.includes(code)) throw new ProofError('MALFORMED', `unknown item error code ${code}`)
    return { kind: 'error', code }
  }
}

export interface WireMessage<T> {
  codec: Codec<T>
  maxBytes: number
  what: string
}

const seq = safeUint('seq')
const positionCodec = safeUint('position')

export const pingWire: WireMessage<PingMessage> = { codec: struct<PingMessage>({ seq }), maxBytes: 9, what: 'ping' }
export const pongWire: WireMessage<PingMessage> = { codec: struct<PingMessage>({ seq }), maxBytes: 9, what: 'pong' }
export const challengeWire: WireMessage<ChallengeMessage> = {
  codec: struct<ChallengeMessage>({
    agreementId: safeUint('agreement id'),
    epoch: safeUint('epoch'),
    attestorKey: fixedBytes(32, 'attestor key'),
    nonce: fixedBytes(NONCE_BYTES, 'nonce')
  }),
  maxBytes: 9 + 9 + 32 + NONCE_BYTES,
  what: 'challenge'
}
export const intentWire: WireMessage<IntentMessage> = {
  codec: struct<IntentMessage>({
    agreementId: safeUint('agreement id'),
    epoch: safeUint('epoch'),
    attestorKey: fixedBytes(32, 'attestor key')
  }),
  maxBytes: 9 + 9 + 32,
  what: 'intent'
}
export const itemWire: WireMessage<ItemMessage> = {
  codec: struct<ItemMessage>({ position: positionCodec, item: answerItemCodec }, (m) => {
    if (m.position >= MAX_CHALLENGE_SAMPLES) throw new ProofError('MALFORMED', `position ${m.position} is beyond ${MAX_CHALLENGE_SAMPLES} samples`)
  }),
  maxBytes: 9 + 1 + 9 + MAX_PROOF_BYTES,
  what: 'item'
}
export const receiptWire: WireMessage<ReceiptMessage> = {
  codec: struct<ReceiptMessage>({
    manifest: boundedBuffer(MAX_MANIFEST_BYTES, 'manifest'),
    fork: safeUint('fork'),
    length: safeUint('length'),
    signature: fixedBytes(64, 'signature')
  }),
  maxBytes: 9 + MAX_MANIFEST_BYTES + 9 + 9 + 64,
  what: 'receipt'
}
export const refusalWire: WireMessage<RefusalMessage> = {
  codec: codeMessageCodec(REFUSAL_CODES, 32, MAX_REFUSAL_MESSAGE_BYTES, 'refusal'),
  maxBytes: 9 + 32 + 9 + MAX_REFUSAL_MESSAGE_BYTES,
  what: 'refusal'
}

export function decodeWire<T>(w: WireMessage<T>, bytes: Uint8Array): T {
  return decodeMessage(w.codec, bytes, w.what, w.maxBytes)
}

export function encodeWire<T>(w: WireMessage<T>, value: T): Buffer {
  return encodeMessage(w.codec, value)
}

/** The channel's message types, in protomux order (both sides add all seven, in this order). */
export const MESSAGE_TYPES = ['ping', 'pong', 'challenge', 'item', 'receipt', 'refusal', 'intent'] as const
export type MessageType = (typeof MESSAGE_TYPES)[number]

export interface ChallengeChannel {
  channel: MuxChannel
  send: Record<MessageType, MuxMessage<Uint8Array>>
}

/**
 * Creates the `favor/challenge/2` channel on a connection with all seven message types; `on` receives the
 * raw bytes of the types this side reads. null when the connection already has such a channel.
 */
export function createChallengeChannel(
  conn: Connection,
  on: Partial<Record<MessageType, (bytes: Uint8Array) => void>>,
  events: { onopen?: () => void; onclose?: () => void } = {}
): ChallengeChannel | null {
  const channel = muxOf(conn).createChannel({ protocol: CHALLENGE_PROTOCOL, ...events })
  if (!channel) return null
  const send = {} as Record<MessageType, MuxMessage<Uint8Array>>
  for (const type of MESSAGE_TYPES) {
    const handler = on[type]
    send[type] = channel.addMessage(handler ? { encoding: rawCodec, onmessage: handler } : { encoding: rawCodec })
  }
  return { channel, send }
}
