// Attestor side of `favor/challenge/1`: one storage challenge over a FRESH direct hyperdht connection
// to the hoster's node key, classified into an outcome, with the evidence kept.
//
// Outcomes (DESIGN §4/§5; the attestor never confuses "could not reach" with "lost data"):
//   unreachable  no connection within connectTimeoutMs (or the connection failed before opening), or
//                the hoster never opened the challenge channel within connectTimeoutMs.
//   missing      connected, and the hoster refused (NOT_HOSTED, MISSING_BLOCK, ...), answered with an
//                invalid proof or an invalid proof-of-contact signature, sent malformed messages, or
//                closed the channel/connection after receiving the request without answering.
//   slow         connected, and either a VALID answer arrived after deadlineMs (code LATE), or nothing
//                arrived by hardTimeoutMs (code NO_ANSWER), or the hoster said BUSY. A hoster that has
//                the data answers within milliseconds on loopback; one that stalls is not proving
//                anything in time, but it has not been caught lying either, so it is not `missing`.
//   pass         a valid answer (every proof verifies from the core key, signed length ≥ minLength,
//                fork ≥ minFork, the right indices, a valid contact signature) within deadlineMs.
// The deadline runs from the moment the request is sent (the hoster cannot know the indices before).
// An invalid answer is `missing` even when it is late.
import c from 'compact-encoding'
import { blake2b, muxOf, randomBytes, verify } from '../stack/index.js'
import type { Connection, Dht, MuxMessage } from '../stack/index.js'
import { ProofError, verifyBlockProofs } from '../proof/index.js'
import type { BlockProofBundle } from '../proof/index.js'
import {
  MAX_DONE_BYTES,
  MAX_ERROR_BYTES,
  MAX_INDICES,
  MAX_PROOF_MESSAGE_BYTES,
  NONCE_BYTES,
  PROTOCOL,
  ProtocolError,
  contactSignable,
  decodeMessage,
  doneCodec,
  encodeMessage,
  errorCodec,
  proofMessageCodec,
  rawCodec,
  requestCodec,
  responseDigest
} from './messages.js'

export type ChallengeOutcome = 'pass' | 'missing' | 'slow' | 'unreachable'

export interface ChallengeOptions {
  /** The attestor's DHT node (its key pair identifies the attestor to the hoster). */
  dht: Dht
  hosterNodeKey: Uint8Array
  coreKey: Uint8Array
  agreementId: string
  epoch: number
  /** 1..64 distinct block indices (beacon-derived; see src/proof/sampling.ts). */
  indices: readonly number[]
  /** The agreement's recorded length: the hoster's signed length must be at least this. */
  minLength: number
  /** The fork the attestor knows the core to be at (default 0). */
  minFork?: number
  /** A valid answer later than this (after the request was sent) is `slow`. */
  deadlineMs: number
  /** No open connection (and challenge channel) within this is `unreachable`. */
  connectTimeoutMs: number
  /** How long to wait for any answer after the request; default max(3 × deadline, deadline + 1000). */
  hardTimeoutMs?: number
  signal?: AbortSignal
  /** Tests only: a fixed nonce (otherwise 32 random bytes). */
  nonce?: Uint8Array
}

export interface ChallengeError {
  code: string
  message: string
}

/** What the attestor keeps: enough to show what it asked, what it got, from whom, and when. */
export interface ChallengeEvidence {
  version: 1
  attestorKey: Buffer
  hosterNodeKey: Buffer
  coreKey: Buffer
  agreementId: string
  epoch: number
  nonce: Buffer
  indices: number[]
  requestHash: Buffer
  outcome: ChallengeOutcome
  errorCode: string
  /** BLAKE2b over every message the hoster sent on the channel (type ‖ length ‖ bytes each); empty if none. */
  responseHash: Buffer
  /** The hoster's signature over contactSignable(nonce, requestHash, H(proofs)); empty if none. */
  contactSignature: Buffer
  signedLength: number
  fork: number
  /** Wall-clock ms when the challenge started (the only non-integer-free field is not a float). */
  startedAt: number
  /** Microseconds from start to open connection, and from request sent to the final message; −1 if none. */
  connectUs: number
  responseUs: number
}

export interface ChallengeResult {
  outcome: ChallengeOutcome
  /** Total wall time of the challenge: connect + request + answer + verification. */
  latencyMs: number
  connectMs: number | null
  /** Request sent → final message received. */
  responseMs: number | null
  /** Request sent → arrival of each block's proof message. */
  perBlockMs?: number[]
  samples: number
  signedLength?: number
  fork?: number
  /** The verified blocks of a passing (or valid but late) answer. */
  blocks?: { index: number; value: Buffer }[]
  evidence: ChallengeEvidence
  evidenceHash: Buffer
  error?: ChallengeError
}

type Event =
  | { type: 'open' }
  | { type: 'conn-error'; message: string; code?: string }
  | { type: 'conn-close' }
  | { type: 'channel-open' }
  | { type: 'channel-close' }
  | { type: 'done'; bytes: Uint8Array }
  | { type: 'error-reply'; bytes: Uint8Array }
  | { type: 'violation'; err: ProtocolError }
  | { type: 'abort' }
  | { type: 'timeout' }

/** A queue of connection events with a bounded wait. */
class Events {
  private queue: Event[] = []
  private waiter: ((e: Event) => void) | null = null

  push(e: Event): void {
    if (this.waiter) {
      const w = this.waiter
      this.waiter = null
      w(e)
    } else {
      this.queue.push(e)
    }
  }

  /** The next event whose type is in `types` (or an abort), or a 'timeout' event after ms. */
  async next(types: readonly Event['type'][], ms: number): Promise<Event> {
    const wanted = (e: Event): boolean => e.type === 'abort' || types.includes(e.type)
    const deadline = performance.now() + ms
    for (;;) {
      const i = this.queue.findIndex(wanted)
      if (i >= 0) return this.queue.splice(i, 1)[0] as Event
      const left = deadline - performance.now()
      if (left <= 0) return { type: 'timeout' }
      const e = await new Promise<Event>(resolve => {
        const timer = setTimeout(() => {
          this.waiter = null
          resolve({ type: 'timeout' })
        }, left)
        this.waiter = (ev: Event): void => {
          clearTimeout(timer)
          resolve(ev)
        }
      })
      if (e.type === 'timeout' || wanted(e)) return e
      this.queue.push(e) // not what we wait for now; a later phase may
    }
  }
}

const us = (ms: number): number => Math.round(ms * 1000)
const round2 = (ms: number): number => Math.round(ms * 100) / 100

function checkOptions(o: ChallengeOptions): void {
  if (o.indices.length === 0 || o.indices.length > MAX_INDICES) throw new RangeError(`1..${MAX_INDICES} indices per challenge`)
  if (new Set(o.indices).size !== o.indices.length) throw new RangeError('challenge indices must be distinct')
  for (const i of o.indices) if (!Number.isSafeInteger(i) || i < 0 || i >= o.minLength) throw new RangeError(`index ${i} outside the agreement's length ${o.minLength}`)
  if (o.coreKey.byteLength !== 32 || o.hosterNodeKey.byteLength !== 32) throw new RangeError('keys are 32 bytes')
  if (o.nonce && o.nonce.byteLength !== NONCE_BYTES) throw new RangeError(`nonce is ${NONCE_BYTES} bytes`)
  if (!(o.deadlineMs > 0) || !(o.connectTimeoutMs > 0)) throw new RangeError('deadlineMs and connectTimeoutMs must be positive')
}

/**
 * Runs one challenge and classifies it. Never throws for anything the hoster does; throws only for bad
 * options or when `signal` aborts (the challenge then did not happen and must not be reported).
 */
export async function runChallenge(opts: ChallengeOptions): Promise<ChallengeResult> {
  checkOptions(opts)
  opts.signal?.throwIfAborted()
  const indices = [...opts.indices]
  const nonce = Buffer.from(opts.nonce ?? randomBytes(NONCE_BYTES))
  const requestBytes = encodeMessage(requestCodec, { agreementId: opts.agreementId, coreKey: opts.coreKey, epoch: opts.epoch, nonce, indices })
  const requestHash = blake2b(requestBytes)
  const hardTimeoutMs = opts.hardTimeoutMs ?? Math.max(3 * opts.deadlineMs, opts.deadlineMs + 1000)
  const hosterKey = Buffer.from(opts.hosterNodeKey)

  const startedAt = Date.now()
  const t0 = performance.now()
  let tConnected: number | null = null
  let tSent: number | null = null
  let tFinal: number | null = null
  const received: Buffer[] = []
  const proofs: Uint8Array[] = []
  const perBlockMs: number[] = []
  let contactSignature: Buffer = Buffer.alloc(0)
  let signedLength = 0
  let fork = 0
  let blocks: { index: number; value: Buffer }[] | undefined

  const events = new Events()
  const onAbort = (): void => events.push({ type: 'abort' })
  opts.signal?.addEventListener('abort', onAbort, { once: true })

  const conn: Connection = opts.dht.connect(hosterKey)
  conn.on('open', () => events.push({ type: 'open' }))
  conn.on('error', (err: Error & { code?: string }) => events.push({ type: 'conn-error', message: err.message, code: err.code ?? 'CONNECTION_ERROR' }))
  conn.on('close', () => events.push({ type: 'conn-close' }))

  const finish = (outcome: ChallengeOutcome, error?: ChallengeError): ChallengeResult => {
    const end = performance.now()
    const evidence: ChallengeEvidence = {
      version: 1,
      attestorKey: Buffer.from(conn.publicKey ?? Buffer.alloc(0)),
      hosterNodeKey: hosterKey,
      coreKey: Buffer.from(opts.coreKey),
      agreementId: opts.agreementId,
      epoch: opts.epoch,
      nonce,
      indices,
      requestHash,
      outcome,
      errorCode: error?.code ?? '',
      responseHash: received.length ? blake2b(received) : Buffer.alloc(0),
      contactSignature,
      signedLength,
      fork,
      startedAt,
      connectUs: tConnected === null ? -1 : us(tConnected - t0),
      responseUs: tSent === null || tFinal === null ? -1 : us(tFinal - tSent)
    }
    const result: ChallengeResult = {
      outcome,
      latencyMs: round2(end - t0),
      connectMs: tConnected === null ? null : round2(tConnected - t0),
      responseMs: tSent === null || tFinal === null ? null : round2(tFinal - tSent),
      samples: indices.length,
      evidence,
      evidenceHash: evidenceHash(evidence)
    }
    if (perBlockMs.length) result.perBlockMs = perBlockMs.map(round2)
    if (signedLength) {
      result.signedLength = signedLength
      result.fork = fork
    }
    if (blocks) result.blocks = blocks
    if (error) result.error = error
    return result
  }
  const record = (type: number, bytes: Uint8Array): void => {
    const head = Buffer.alloc(5)
    head[0] = type
    head.writeUInt32LE(bytes.byteLength, 1)
    received.push(head, Buffer.from(bytes))
  }
  const aborted = (): never => {
    throw opts.signal?.reason instanceof Error ? opts.signal.reason : new DOMException('challenge aborted', 'AbortError')
  }

  try {
    // 1. the connection
    const c1 = await events.next(['open', 'conn-error', 'conn-close'], opts.connectTimeoutMs)
    if (c1.type === 'abort') aborted()
    if (c1.type !== 'open') {
      const error = c1.type === 'timeout'
        ? { code: 'CONNECT_TIMEOUT', message: `no connection within ${opts.connectTimeoutMs} ms` }
        : c1.type === 'conn-error' ? { code: c1.code ?? 'CONNECTION_ERROR', message: c1.message } : { code: 'CLOSED', message: 'connection closed before opening' }
      return finish('unreachable', error)
    }
    tConnected = performance.now()

    // 2. the challenge channel, beside whatever else runs on this connection
    const channel = muxOf(conn).createChannel({
      protocol: PROTOCOL,
      onopen: () => events.push({ type: 'channel-open' }),
      onclose: () => events.push({ type: 'channel-close' })
    })
    if (!channel) return finish('unreachable', { code: 'NO_CHANNEL', message: 'could not create the challenge channel' })
    const sendRequest: MuxMessage<Uint8Array> = channel.addMessage({ encoding: rawCodec })
    channel.addMessage({
      encoding: rawCodec,
      onmessage: (bytes: Uint8Array) => {
        if (tSent === null || tFinal !== null) return
        record(1, bytes)
        try {
          const m = decodeMessage(proofMessageCodec, bytes, 'proof message', MAX_PROOF_MESSAGE_BYTES)
          if (m.seq !== proofs.length || proofs.length >= indices.length) throw new ProtocolError('UNEXPECTED', `proof ${m.seq} out of order`)
          proofs.push(m.proof)
          perBlockMs.push(performance.now() - tSent)
        } catch (err) {
          events.push({ type: 'violation', err: err instanceof ProtocolError ? err : new ProtocolError('MALFORMED', String(err)) })
        }
      }
    })
    channel.addMessage({
      encoding: rawCodec,
      onmessage: (bytes: Uint8Array) => {
        if (tSent === null || tFinal !== null) return
        record(2, bytes)
        events.push({ type: 'done', bytes })
      }
    })
    channel.addMessage({
      encoding: rawCodec,
      onmessage: (bytes: Uint8Array) => {
        if (tSent === null || tFinal !== null) return
        record(3, bytes)
        events.push({ type: 'error-reply', bytes })
      }
    })
    channel.open()
    const c2 = await events.next(['channel-open', 'channel-close', 'conn-close', 'conn-error'], opts.connectTimeoutMs)
    if (c2.type === 'abort') aborted()
    if (c2.type !== 'channel-open') {
      return finish('unreachable', { code: 'NO_CHANNEL', message: c2.type === 'timeout' ? `hoster did not open ${PROTOCOL} within ${opts.connectTimeoutMs} ms` : `connection closed before ${PROTOCOL} opened` })
    }

    // 3. the request and the answer
    tSent = performance.now()
    sendRequest.send(requestBytes)
    const r = await events.next(['done', 'error-reply', 'violation', 'channel-close', 'conn-close', 'conn-error'], hardTimeoutMs)
    tFinal = performance.now()
    if (r.type === 'abort') aborted()
    if (r.type === 'timeout') return finish('slow', { code: 'NO_ANSWER', message: `no answer within ${hardTimeoutMs} ms` })
    if (r.type === 'violation') return finish('missing', { code: r.err.code, message: r.err.message })
    if (r.type === 'channel-close' || r.type === 'conn-close' || r.type === 'conn-error') {
      return finish('missing', { code: 'CLOSED', message: 'the hoster closed the challenge without answering' })
    }
    if (r.type === 'error-reply') {
      let reply
      try {
        reply = decodeMessage(errorCodec, r.bytes, 'error reply', MAX_ERROR_BYTES)
      } catch (err) {
        return finish('missing', { code: (err as ProtocolError).code ?? 'MALFORMED', message: (err as Error).message })
      }
      return finish(reply.code === 'BUSY' ? 'slow' : 'missing', { code: reply.code, message: reply.message })
    }
    if (r.type !== 'done') return finish('missing', { code: 'UNEXPECTED', message: `unexpected ${r.type}` })

    // 4. verify: contact signature, then every proof from the core key alone
    let done
    try {
      done = decodeMessage(doneCodec, r.bytes, 'done message', MAX_DONE_BYTES)
    } catch (err) {
      return finish('missing', { code: (err as ProtocolError).code ?? 'MALFORMED', message: (err as Error).message })
    }
    contactSignature = Buffer.from(done.signature)
    if (proofs.length !== indices.length) {
      return finish('missing', { code: 'WRONG_INDEX', message: `answer holds ${proofs.length} proofs for ${indices.length} indices` })
    }
    const bundle: BlockProofBundle = { manifest: done.manifest, proofs }
    if (!verify(contactSignable(nonce, requestHash, responseDigest(bundle)), done.signature, hosterKey)) {
      return finish('missing', { code: 'BAD_CONTACT_SIGNATURE', message: 'the answer is not signed by the hoster node key' })
    }
    try {
      const v = verifyBlockProofs(opts.coreKey, bundle, { minLength: opts.minLength, minFork: opts.minFork ?? 0, expectedIndices: indices })
      signedLength = v.length
      fork = v.fork
      blocks = v.blocks
    } catch (err) {
      if (err instanceof ProofError) return finish('missing', { code: err.code, message: err.message })
      throw err
    }
    const responseMs = tFinal - tSent
    if (responseMs > opts.deadlineMs) {
      return finish('slow', { code: 'LATE', message: `valid answer after ${Math.round(responseMs)} ms, deadline ${opts.deadlineMs} ms` })
    }
    return finish('pass')
  } finally {
    opts.signal?.removeEventListener('abort', onAbort)
    conn.destroy()
  }
}

const evidenceFields = {
  preencode(s: c.State, e: ChallengeEvidence): void {
    c.uint.preencode(s, e.version)
    c.buffer.preencode(s, e.attestorKey)
    c.fixed32.preencode(s, e.hosterNodeKey)
    c.fixed32.preencode(s, e.coreKey)
    c.string.preencode(s, e.agreementId)
    c.uint.preencode(s, e.epoch)
    c.fixed32.preencode(s, e.nonce)
    c.array(c.uint).preencode(s, e.indices)
    c.fixed32.preencode(s, e.requestHash)
    c.string.preencode(s, e.outcome)
    c.string.preencode(s, e.errorCode)
    c.buffer.preencode(s, e.responseHash)
    c.buffer.preencode(s, e.contactSignature)
    c.uint.preencode(s, e.signedLength)
    c.uint.preencode(s, e.fork)
    c.uint.preencode(s, e.startedAt)
    c.int.preencode(s, e.connectUs)
    c.int.preencode(s, e.responseUs)
  },
  encode(s: c.State, e: ChallengeEvidence): void {
    c.uint.encode(s, e.version)
    c.buffer.encode(s, e.attestorKey)
    c.fixed32.encode(s, e.hosterNodeKey)
    c.fixed32.encode(s, e.coreKey)
    c.string.encode(s, e.agreementId)
    c.uint.encode(s, e.epoch)
    c.fixed32.encode(s, e.nonce)
    c.array(c.uint).encode(s, e.indices)
    c.fixed32.encode(s, e.requestHash)
    c.string.encode(s, e.outcome)
    c.string.encode(s, e.errorCode)
    c.buffer.encode(s, e.responseHash)
    c.buffer.encode(s, e.contactSignature)
    c.uint.encode(s, e.signedLength)
    c.uint.encode(s, e.fork)
    c.uint.encode(s, e.startedAt)
    c.int.encode(s, e.connectUs)
    c.int.encode(s, e.responseUs)
  }
}

/** The canonical bytes of the evidence (compact-encoding, fixed field order). */
export function encodeEvidence(e: ChallengeEvidence): Buffer {
  const s = c.state()
  evidenceFields.preencode(s, e)
  const buffer = Buffer.allocUnsafe(s.end)
  s.buffer = buffer
  evidenceFields.encode(s, e)
  return buffer
}

/** BLAKE2b of the canonical evidence bytes: what a `report` result carries. */
export function evidenceHash(e: ChallengeEvidence): Buffer {
  return blake2b(encodeEvidence(e))
}
