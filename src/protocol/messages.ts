// Wire messages of the `favor/challenge/1` protomux channel. Every message travels as raw bytes and is
// decoded here, strictly (limits before allocation, no trailing bytes), so a bad message becomes a
// typed ProtocolError that the receiver can log and act on instead of tearing down the whole muxer.
//
//   type 0  request   attestor → hoster  { agreementId, coreKey, epoch, nonce, indices[] }
//   type 1  proof     hoster → attestor  { seq, proof }       one per index, in request order
//   type 2  done      hoster → attestor  { manifest, signature } ends a successful answer
//   type 3  error     hoster → attestor  { code, message }     ends a refused answer
//
// The proofs of one answer form a BlockProofBundle { manifest, proofs } (src/proof); the hoster signs
// contactSignable(nonce, requestHash, H(bundle)) with its node key: proof that *it* answered *this*
// request (proof of contact). Proofs travel one per message so each message stays far below
// secret-stream's 16 MiB frame limit even with large blocks.
import c from 'compact-encoding'
import { blake2b } from '../stack/index.js'
import type { Codec } from '../stack/index.js'
import {
  MAX_MANIFEST_BYTES,
  MAX_PROOF_BYTES,
  ProofError,
  boundedArray,
  boundedBuffer,
  boundedString,
  decodeStrict,
  encodeBundle,
  encodeWith
} from '../proof/index.js'
import type { BlockProofBundle } from '../proof/index.js'

export const PROTOCOL = 'favor/challenge/1'
export const NONCE_BYTES = 32
export const MAX_INDICES = 64
export const MAX_AGREEMENT_ID_BYTES = 128
export const MAX_ERROR_MESSAGE_BYTES = 512
export const MAX_REQUEST_BYTES = 1 + MAX_AGREEMENT_ID_BYTES + 2 + 32 + 9 + NONCE_BYTES + 3 + MAX_INDICES * 9
export const MAX_PROOF_MESSAGE_BYTES = 9 + 4 + MAX_PROOF_BYTES
export const MAX_DONE_BYTES = 4 + MAX_MANIFEST_BYTES + 1 + 64
export const MAX_ERROR_BYTES = 2 + 64 + 2 + MAX_ERROR_MESSAGE_BYTES

export type ErrorReplyCode = 'NOT_HOSTED' | 'MISSING_BLOCK' | 'BAD_REQUEST' | 'BUSY' | 'TOO_LARGE' | 'INTERNAL'
const REPLY_CODES: readonly ErrorReplyCode[] = ['NOT_HOSTED', 'MISSING_BLOCK', 'BAD_REQUEST', 'BUSY', 'TOO_LARGE', 'INTERNAL']

export type ProtocolErrorCode = 'MALFORMED' | 'OVERSIZED' | 'UNEXPECTED'

export class ProtocolError extends Error {
  override name = 'ProtocolError'
  readonly code: ProtocolErrorCode
  constructor(code: ProtocolErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options)
    this.code = code
  }
}

export interface ChallengeRequest {
  agreementId: string
  coreKey: Uint8Array
  epoch: number
  nonce: Uint8Array
  indices: number[]
}

export interface ProofMessage {
  seq: number
  proof: Uint8Array
}

export interface DoneMessage {
  manifest: Uint8Array
  signature: Uint8Array
}

export interface ErrorMessage {
  code: ErrorReplyCode
  message: string
}

type State = { start: number; end: number; buffer: Uint8Array | null }
type DecodeState = { start: number; end: number; buffer: Uint8Array }

function fixed(n: number, what: string): Codec<Uint8Array> {
  return {
    preencode(s: State, v: Uint8Array): void {
      if (v.byteLength !== n) throw new RangeError(`${what} must be ${n} bytes`)
      s.end += n
    },
    encode(s: State, v: Uint8Array): void {
      ;(s.buffer as Uint8Array).set(v, s.start)
      s.start += n
    },
    decode(s: DecodeState): Uint8Array {
      if (s.end - s.start < n) throw new ProofError('MALFORMED', `${what} truncated`)
      const v = s.buffer.subarray(s.start, s.start + n)
      s.start += n
      return v
    }
  }
}

const agreementIdCodec = boundedString(MAX_AGREEMENT_ID_BYTES, 'agreement id')
const key32 = fixed(32, 'core key')
const nonce32 = fixed(NONCE_BYTES, 'nonce')
const sig64 = fixed(64, 'signature')
const indexArray = boundedArray(c.uint as unknown as Codec<number>, MAX_INDICES, 'indices')
const uintCodec = c.uint as unknown as Codec<number>

export const requestCodec: Codec<ChallengeRequest> = {
  preencode(s: State, m: ChallengeRequest): void {
    agreementIdCodec.preencode(s, m.agreementId)
    key32.preencode(s, m.coreKey)
    uintCodec.preencode(s, m.epoch)
    nonce32.preencode(s, m.nonce)
    indexArray.preencode(s, m.indices)
  },
  encode(s: State, m: ChallengeRequest): void {
    agreementIdCodec.encode(s, m.agreementId)
    key32.encode(s, m.coreKey)
    uintCodec.encode(s, m.epoch)
    nonce32.encode(s, m.nonce)
    indexArray.encode(s, m.indices)
  },
  decode(s: DecodeState): ChallengeRequest {
    const agreementId = agreementIdCodec.decode(s)
    const coreKey = key32.decode(s)
    const epoch = uintCodec.decode(s)
    const nonce = nonce32.decode(s)
    const indices = indexArray.decode(s)
    if (indices.length === 0) throw new ProofError('MALFORMED', 'a request names no blocks')
    if (new Set(indices).size !== indices.length) throw new ProofError('MALFORMED', 'a request names a block twice')
    return { agreementId, coreKey, epoch, nonce, indices }
  }
}

const proofBytes = boundedBuffer(MAX_PROOF_BYTES, 'block proof')
export const proofMessageCodec: Codec<ProofMessage> = {
  preencode(s: State, m: ProofMessage): void {
    uintCodec.preencode(s, m.seq)
    proofBytes.preencode(s, m.proof)
  },
  encode(s: State, m: ProofMessage): void {
    uintCodec.encode(s, m.seq)
    proofBytes.encode(s, m.proof)
  },
  decode(s: DecodeState): ProofMessage {
    return { seq: uintCodec.decode(s), proof: proofBytes.decode(s) }
  }
}

const manifestBytes = boundedBuffer(MAX_MANIFEST_BYTES, 'manifest')
export const doneCodec: Codec<DoneMessage> = {
  preencode(s: State, m: DoneMessage): void {
    manifestBytes.preencode(s, m.manifest)
    sig64.preencode(s, m.signature)
  },
  encode(s: State, m: DoneMessage): void {
    manifestBytes.encode(s, m.manifest)
    sig64.encode(s, m.signature)
  },
  decode(s: DecodeState): DoneMessage {
    return { manifest: manifestBytes.decode(s), signature: sig64.decode(s) }
  }
}

/**
 * `{ code, message }` with a closed set of codes (anything else is MALFORMED) and bounded lengths:
 * the shape of every refusal on Favor's channels.
 */
export function codeMessageCodec<C extends string>(codes: readonly C[], maxCodeBytes: number, maxMessageBytes: number, what: string): Codec<{ code: C; message: string }> {
  const codeString = boundedString(maxCodeBytes, `${what} code`)
  const messageString = boundedString(maxMessageBytes, `${what} message`)
  return {
    preencode(s: State, m: { code: C; message: string }): void {
      codeString.preencode(s, m.code)
      messageString.preencode(s, m.message)
    },
    encode(s: State, m: { code: C; message: string }): void {
      codeString.encode(s, m.code)
      messageString.encode(s, m.message)
    },
    decode(s: DecodeState): { code: C; message: string } {
      const code = codeString.decode(s)
      if (!(codes as readonly string[]).includes(code)) throw new ProofError('MALFORMED', `unknown ${what} code ${JSON.stringify(code.slice(0, 32))}`)
      return { code: code as C, message: messageString.decode(s) }
    }
  }
}

export const errorCodec: Codec<ErrorMessage> = codeMessageCodec(REPLY_CODES, 64, MAX_ERROR_MESSAGE_BYTES, 'error')

/** Raw bytes on the channel: the channel's messages are decoded by `decodeMessage`, not by protomux. */
export const rawCodec: Codec<Uint8Array> = {
  preencode(s: State, b: Uint8Array): void {
    s.end += b.byteLength
  },
  encode(s: State, b: Uint8Array): void {
    ;(s.buffer as Uint8Array).set(b, s.start)
    s.start += b.byteLength
  },
  decode(s: DecodeState): Uint8Array {
    const b = s.buffer.subarray(s.start, s.end)
    s.start = s.end
    return b
  }
}

/** Strict decode of one channel message; failures are ProtocolError('MALFORMED' | 'OVERSIZED'). */
export function decodeMessage<T>(codec: Codec<T>, bytes: Uint8Array, what: string, maxBytes: number): T {
  try {
    return decodeStrict(codec, bytes, what, maxBytes)
  } catch (err) {
    if (err instanceof ProofError) throw new ProtocolError(err.code === 'OVERSIZED' ? 'OVERSIZED' : 'MALFORMED', err.message, { cause: err })
    throw err
  }
}

export function encodeMessage<T>(codec: Codec<T>, value: T): Buffer {
  return encodeWith(codec, value)
}

const CONTACT_TAG = Buffer.from('favor/challenge/1/contact')

/** H(bundle): the digest of an answer's proofs (the encoded BlockProofBundle). */
export function responseDigest(bundle: BlockProofBundle): Buffer {
  return blake2b(encodeBundle(bundle))
}

/** What the hoster signs with its node key: H(tag ‖ nonce ‖ H(request) ‖ H(proofs)). */
export function contactSignable(nonce: Uint8Array, requestHash: Uint8Array, digest: Uint8Array): Buffer {
  return blake2b([CONTACT_TAG, nonce, requestHash, digest])
}
