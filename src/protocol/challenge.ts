// Attestor side of `favor/challenge/2` (docs/challenges.md §1): one storage challenge over a FRESH
// direct hyperdht connection to the hoster's node key.
//
//   connect → open the channel → measure the round trip (min of a few pings, capped) → send a fresh
//   nonce → collect one item per position and the receipt → judge (judge.ts).
//
// What cannot be proven is never `missing`: no connection or channel is `unreachable`; no pong, silence,
// a closed connection, a refusal, BUSY/INTERNAL items or an answer the hoster did not sign are `slow`.
// Only the hoster's own signed answer — an admitted loss, or a proof that does not verify — is `missing`.
// The deadline applies to (receipt arrival − nonce sent) − round trip.
import { randomBytes } from '../stack/index.js'
import type { Connection, Dht } from '../stack/index.js'
import { JudgementCode, MAX_CHALLENGE_SAMPLES, NONCE_BYTES, challengeIndicesV2 } from '../proof/index.js'
import type { AnswerItem, JudgementCodeValue } from '../proof/index.js'
import type { FailingItem, Outcome, Receipt } from '../ledger/ops.js'
import {
  PREPARE_ALLOWANCE_MS, challengeWire, createChallengeChannel, decodeWire, encodeWire, intentWire, itemWire, pingWire, pongWire, receiptWire, refusalWire
} from './challenge-wire.js'
import type { ChallengeChannel, ReceiptMessage, RefusalMessage } from './challenge-wire.js'
import { EventQueue } from './events.js'
import { LagProbe } from './lag-probe.js'
import { judgeAnswer } from './judge.js'
import type { AnswerContext } from './judge.js'
import { ProtocolError } from './messages.js'

export type ChallengeOutcome = Outcome

export const DEFAULT_MAX_RTT_ALLOWANCE_MS = 500
export const DEFAULT_PINGS = 3

export interface ChallengeOptions {
  /** The attestor's DHT node (a fresh connection per challenge). */
  dht: Dht
  hosterNodeKey: Uint8Array
  coreKey: Uint8Array
  /** The ledger's network id (genesis beacon), the epoch's beacon, and the attestor's ledger account key. */
  networkId: Uint8Array
  beacon: Uint8Array
  attestorKey: Uint8Array
  agreementId: number
  epoch: number
  /** From the attestation record: the challenged length and the samples per attestor. */
  length: number
  samples: number
  /** The core's fork recorded on the ledger: proofs from an older fork fail. */
  minFork: number
  /** A valid answer later than this (net of the round trip) is `slow`. */
  deadlineMs: number
  /** No open connection and channel within this is `unreachable`; no pong within this (the first: PREPARE_ALLOWANCE_MS more after an intent) is `slow`. */
  connectTimeoutMs: number
  /** How long to wait for the answer after the nonce; default max(3 × deadline, deadline + 1000) + rtt. */
  hardTimeoutMs?: number
  /** Cap on the measured round trip, so slow pongs buy no time. Default 500 ms. */
  maxRttAllowanceMs?: number
  /** Pings before the nonce; the smallest round trip counts. Default 3. */
  pings?: number
  /**
   * Send `intent` before the pings (default true): the hoster looks the challenge up in its own ledger
   * view then, and its first pong waits for that, up to PREPARE_ALLOWANCE_MS more. false behaves as an
   * attestor of an earlier build (tests: the hoster then looks up after the nonce, inside the deadline).
   */
  sendIntent?: boolean
  signal?: AbortSignal
  /** Tests only: a fixed nonce (otherwise 32 random bytes). */
  nonce?: Uint8Array
}

export interface ChallengeResult {
  outcome: Outcome
  /** JudgementCode: why slow/unreachable; NONE for pass and missing. */
  code: JudgementCodeValue
  /** Why, for logs: a stable code and words (null for a clean pass). */
  error: { code: string; message: string } | null
  nonce: Buffer
  indices: number[]
  samples: number
  /** The round trip used (min of the pings, capped), ms; 0 when none was measured. */
  rttMs: number
  connectMs: number | null
  /** Intent (or first ping) sent → first pong, ms: the hoster's lookup before the nonce, plus a round trip (null without a pong). */
  readyMs: number | null
  /** Nonce sent → receipt arrived, ms (null without a receipt). */
  responseMs: number | null
  /** Per item: arrival − nonce sent − rtt (≥ 0), ms. */
  perItemMs: number[]
  /** Total wall time of the challenge. */
  latencyMs: number
  /**
   * The attestor's own longest event-loop stall, ms, in the phase the verdict is about: from the nonce
   * to the answer once the nonce was sent, else from the start (connect, channel, pings). Time its clock
   * counted that the hoster did not spend.
   */
  ownLagMs: number
  /**
   * The only fault is time and the attestor's own stall covers it: a `LATE` or `NO_ANSWER` whose time,
   * less the stall, is within the deadline; or nothing within a timeout (`CONNECT_TIMEOUT`, `NO_CHANNEL`,
   * `NO_PONG`) while the attestor itself stalled for at least half of it. It cannot tell what the hoster
   * did, so it must not report this (it challenges again, or says nothing; after a `NO_ANSWER` only says
   * nothing: the wait was already extended by the stall, and a new nonce would redraw the blocks).
   */
  timingInconclusive: boolean
  receipt: Receipt | null
  failing: FailingItem | null
  /** On a valid answer: one block proof with its manifest (the signed tree's byte length; prove-size). */
  sizeSample: { manifest: Buffer; proof: Buffer } | null
}

type Event =
  | { type: 'open' }
  | { type: 'conn-closed'; message: string }
  | { type: 'channel-open' }
  | { type: 'pong'; seq: number; at: number }
  | { type: 'receipt'; msg: ReceiptMessage; at: number }
  | { type: 'refusal'; msg: RefusalMessage }
  | { type: 'violation'; err: ProtocolError }
  | { type: 'abort' }

const round2 = (ms: number): number => Math.round(ms * 100) / 100

function checkOptions(o: ChallengeOptions): void {
  if (o.coreKey.byteLength !== 32 || o.hosterNodeKey.byteLength !== 32 || o.attestorKey.byteLength !== 32 || o.networkId.byteLength !== 32) {
    throw new RangeError('keys and the network id are 32 bytes')
  }
  if (!Number.isSafeInteger(o.length) || o.length < 1) throw new RangeError(`nothing to challenge at length ${o.length}`)
  if (!Number.isSafeInteger(o.samples) || o.samples < 1 || o.samples > MAX_CHALLENGE_SAMPLES) throw new RangeError(`1..${MAX_CHALLENGE_SAMPLES} samples per challenge`)
  if (o.nonce && o.nonce.byteLength !== NONCE_BYTES) throw new RangeError(`nonce is ${NONCE_BYTES} bytes`)
  if (!(o.deadlineMs > 0) || !(o.connectTimeoutMs > 0)) throw new RangeError('deadlineMs and connectTimeoutMs must be positive')
}

/** One challenge in flight: its connection, channel, events and what arrived. */
class Session {
  readonly events = new EventQueue<Event>()
  readonly t0 = performance.now()
  readonly items: (AnswerItem | undefined)[] = []
  readonly arrivals: number[] = []
  conn: Connection | null = null
  ch: ChallengeChannel | null = null
  tConnected: number | null = null
  tNonce: number | null = null
  rttMs = 0
  readyMs: number | null = null
  /** The attestor's own stalls before the nonce (connect, channel, pings), then after it. */
  readonly early = new LagProbe()
  lag: LagProbe | null = null

  constructor(readonly opts: ChallengeOptions, readonly nonce: Buffer, readonly indices: number[]) {}

  fail(outcome: Outcome, code: JudgementCodeValue, errCode: string, message: string): ChallengeResult {
    return this.result({ outcome, code, reason: { code: errCode, message }, receipt: null, failing: null }, null)
  }

  result(j: { outcome: Outcome; code: JudgementCodeValue; reason: { code: string; message: string } | null; receipt: Receipt | null; failing: FailingItem | null; sizeSample?: { manifest: Buffer; proof: Buffer } }, tReceipt: number | null): ChallengeResult {
    const tNonce = this.tNonce
    return {
      outcome: j.outcome,
      code: j.code,
      error: j.reason,
      nonce: this.nonce,
      indices: this.indices,
      samples: this.indices.length,
      rttMs: round2(this.rttMs),
      connectMs: this.tConnected === null ? null : round2(this.tConnected - this.t0),
      readyMs: this.readyMs === null ? null : round2(this.readyMs),
      responseMs: tNonce === null || tReceipt === null ? null : round2(tReceipt - tNonce),
      perItemMs: tNonce === null ? [] : this.arrivals.map((at) => round2(Math.max(0, at - tNonce - this.rttMs))),
      latencyMs: round2(performance.now() - this.t0),
      ownLagMs: round2(this.lag?.stop() ?? this.early.stop()),
      timingInconclusive: false,
      receipt: j.receipt,
      failing: j.failing,
      sizeSample: j.sizeSample ?? null
    }
  }

  /** Item messages are stored as they arrive (in position order); anything out of order is a violation. */
  onItem(bytes: Uint8Array): void {
    if (this.tNonce === null) return this.violate(new ProtocolError('UNEXPECTED', 'an item before the challenge'))
    try {
      const m = decodeWire(itemWire, bytes)
      if (m.position !== this.items.length || m.position >= this.indices.length) throw new ProtocolError('UNEXPECTED', `item ${m.position} out of order`)
      this.items.push(m.item)
      this.arrivals.push(performance.now())
    } catch (err) {
      this.violate(err)
    }
  }

  violate(err: unknown): void {
    this.events.push({ type: 'violation', err: err instanceof ProtocolError ? err : new ProtocolError('MALFORMED', String(err)) })
  }
}

/**
 * Runs one challenge and classifies it. Never throws for anything the hoster does; throws only for bad
 * options or when `signal` aborts (the challenge then did not happen and must not be reported).
 */
export async function runChallenge(opts: ChallengeOptions): Promise<ChallengeResult> {
  checkOptions(opts)
  opts.signal?.throwIfAborted()
  const nonce = Buffer.from(opts.nonce ?? randomBytes(NONCE_BYTES))
  const indices = challengeIndicesV2(opts.beacon, opts.agreementId, opts.attestorKey, nonce, opts.length, opts.samples)
  const s = new Session(opts, nonce, indices)
  const onAbort = (): void => s.events.push({ type: 'abort' })
  opts.signal?.addEventListener('abort', onAbort, { once: true })
  try {
    return (await connect(s)) ?? (await openChannel(s)) ?? (await measureRtt(s)) ?? (await challengeAndJudge(s))
  } finally {
    opts.signal?.removeEventListener('abort', onAbort)
    s.early.stop()
    s.lag?.stop()
    s.conn?.destroy()
  }
}

function aborted(s: Session): never {
  const reason: unknown = s.opts.signal?.reason
  throw reason instanceof Error ? reason : new DOMException('challenge aborted', 'AbortError')
}

/** 1. A fresh connection to the hoster's node key; null when open. */
async function connect(s: Session): Promise<ChallengeResult | null> {
  const conn = s.opts.dht.connect(Buffer.from(s.opts.hosterNodeKey))
  s.conn = conn
  conn.on('open', () => s.events.push({ type: 'open' }))
  conn.on('error', (err: Error) => s.events.push({ type: 'conn-closed', message: err.message }))
  conn.on('close', () => s.events.push({ type: 'conn-closed', message: 'connection closed' }))
  const e = await s.events.next(['open', 'conn-closed', 'abort'], s.opts.connectTimeoutMs)
  if (e?.type === 'abort') aborted(s)
  if (e === null) return silence(s, s.fail('unreachable', JudgementCode.CONNECT_TIMEOUT, 'CONNECT_TIMEOUT', `no connection within ${s.opts.connectTimeoutMs} ms`))
  if (e.type === 'conn-closed') return s.fail('unreachable', JudgementCode.CONNECTION_FAILED, 'CONNECTION_FAILED', e.message)
  s.tConnected = performance.now()
  return null
}

/** 2. The challenge channel, beside whatever else runs on the connection; null when open. */
async function openChannel(s: Session): Promise<ChallengeResult | null> {
  const conn = s.conn as Connection
  const at = (): number => performance.now()
  s.ch = createChallengeChannel(conn, {
    pong: (bytes) => {
      try {
        s.events.push({ type: 'pong', seq: decodeWire(pongWire, bytes).seq, at: at() })
      } catch (err) {
        s.violate(err)
      }
    },
    item: (bytes) => s.onItem(bytes),
    receipt: (bytes) => {
      const t = at()
      try {
        s.events.push({ type: 'receipt', msg: decodeWire(receiptWire, bytes), at: t })
      } catch (err) {
        s.violate(err)
      }
    },
    refusal: (bytes) => {
      try {
        s.events.push({ type: 'refusal', msg: decodeWire(refusalWire, bytes) })
      } catch (err) {
        s.violate(err)
      }
    }
  }, {
    onopen: () => s.events.push({ type: 'channel-open' }),
    onclose: () => s.events.push({ type: 'conn-closed', message: 'the challenge channel closed' })
  })
  if (!s.ch) return s.fail('unreachable', JudgementCode.NO_CHANNEL, 'NO_CHANNEL', 'could not create the challenge channel')
  s.ch.channel.open()
  const e = await s.events.next(['channel-open', 'conn-closed', 'abort'], s.opts.connectTimeoutMs)
  if (e?.type === 'abort') aborted(s)
  if (e === null) return silence(s, s.fail('unreachable', JudgementCode.NO_CHANNEL, 'NO_CHANNEL', `the hoster did not open the channel within ${s.opts.connectTimeoutMs} ms`))
  if (e.type !== 'channel-open') return s.fail('unreachable', JudgementCode.NO_CHANNEL, 'NO_CHANNEL', e.message)
  return null
}

/** 3. The round trip: the smallest of a few ping → pong times, capped. null when measured. */
async function measureRtt(s: Session): Promise<ChallengeResult | null> {
  const ch = s.ch as ChallengeChannel
  const o = s.opts
  const intent = o.sendIntent !== false
  const tIntent = performance.now()
  if (intent) ch.send.intent.send(encodeWire(intentWire, { agreementId: o.agreementId, epoch: o.epoch, attestorKey: o.attestorKey }))
  const rtts: number[] = []
  for (let seq = 0; seq < (o.pings ?? DEFAULT_PINGS); seq++) {
    const sent = performance.now()
    // the first pong also waits for the hoster's lookup of the intent
    const until = sent + o.connectTimeoutMs + (intent && seq === 0 ? PREPARE_ALLOWANCE_MS : 0)
    ch.send.ping.send(encodeWire(pingWire, { seq }))
    let e
    // skip late pongs of earlier pings (within this ping's own bounded wait: a flood of them buys nothing)
    do e = await s.events.next(['pong', 'refusal', 'conn-closed', 'violation', 'abort'], until - performance.now())
    while (e?.type === 'pong' && e.seq !== seq)
    if (e?.type === 'abort') aborted(s)
    if (e?.type === 'conn-closed') return s.fail('unreachable', JudgementCode.CONNECTION_FAILED, 'CONNECTION_FAILED', `${e.message} before the challenge`)
    if (e?.type === 'refusal') return s.fail('slow', JudgementCode.HOSTER_TROUBLE, e.msg.code, `${e.msg.message} (before the nonce)`)
    if (e?.type === 'violation') return s.fail('slow', JudgementCode.HOSTER_TROUBLE, e.err.code, e.err.message)
    if (e === null) break
    if (seq === 0) s.readyMs = e.at - tIntent
    rtts.push(e.at - sent)
  }
  if (rtts.length === 0) return silence(s, s.fail('slow', JudgementCode.NO_PONG, 'NO_PONG', `no pong within ${Math.round(performance.now() - tIntent)} ms`))
  s.rttMs = Math.min(Math.min(...rtts), s.opts.maxRttAllowanceMs ?? DEFAULT_MAX_RTT_ALLOWANCE_MS)
  return null
}

/** 4. The nonce, the answer, the judgement. */
async function challengeAndJudge(s: Session): Promise<ChallengeResult> {
  const o = s.opts
  const ch = s.ch as ChallengeChannel
  const hardTimeoutMs = (o.hardTimeoutMs ?? Math.max(3 * o.deadlineMs, o.deadlineMs + 1000)) + s.rttMs
  s.tNonce = performance.now()
  s.early.stop()
  s.lag = new LagProbe()
  ch.send.challenge.send(encodeWire(challengeWire, { agreementId: o.agreementId, epoch: o.epoch, attestorKey: o.attestorKey, nonce: s.nonce }))
  const e = await waitForAnswer(s, hardTimeoutMs)
  s.lag.stop()
  if (e?.type === 'abort') aborted(s)
  if (e === null) {
    const at = performance.now()
    return timed(s, s.fail('slow', JudgementCode.NO_ANSWER, 'NO_ANSWER', `no answer within ${Math.round(at - s.tNonce)} ms (own longest stall ${Math.round(s.lag.stop())} ms)`), at)
  }
  if (e.type === 'conn-closed') return s.fail('slow', JudgementCode.CLOSED_AFTER_REQUEST, 'CLOSED_AFTER_REQUEST', `${e.message} after the challenge was sent`)
  if (e.type === 'refusal') return s.fail('slow', JudgementCode.HOSTER_TROUBLE, e.msg.code, e.msg.message)
  if (e.type === 'violation') return s.fail('slow', JudgementCode.HOSTER_TROUBLE, e.err.code, e.err.message)
  const ctx: AnswerContext = {
    networkId: o.networkId, agreementId: o.agreementId, epoch: o.epoch, attestorKey: o.attestorKey, nonce: s.nonce,
    hosterNodeKey: o.hosterNodeKey, coreKey: o.coreKey, indices: s.indices, minFork: o.minFork, minLength: o.length, deadlineMs: o.deadlineMs
  }
  return timed(s, s.result(judgeAnswer(ctx, s.items, e.msg, e.at - s.tNonce - s.rttMs), e.at), e.at)
}

const ANSWER_EVENTS = ['receipt', 'refusal', 'violation', 'conn-closed', 'abort'] as const

/**
 * Waits for the answer until the hoster has had `hardTimeoutMs` of this node's running time. A stall of
 * the attestor's own loop eats into the wait, and a timer that expires during a stall fires before a
 * reply that arrived during it is read; so the wait goes on, on the same nonce, for as long as the stall
 * took (the total bounded by 3 × hardTimeoutMs). Asking again instead would draw fresh blocks: a second
 * chance for a hoster that goes silent whenever it lacks one of the blocks it was asked for.
 */
async function waitForAnswer(s: Session, hardTimeoutMs: number): Promise<Extract<Event, { type: (typeof ANSWER_EVENTS)[number] }> | null> {
  const lag = s.lag as LagProbe
  const t0 = performance.now()
  const cap = 3 * hardTimeoutMs
  let e = await s.events.next(ANSWER_EVENTS, hardTimeoutMs)
  while (e === null) {
    const waited = performance.now() - t0
    const more = Math.min(hardTimeoutMs - (waited - lag.peek()), cap - waited)
    if (more <= 0) break
    e = await s.events.next(ANSWER_EVENTS, more)
  }
  return e
}

/**
 * Marks "nothing within connectTimeoutMs" as no judgement when the attestor's own loop stalled for at
 * least half of that time: too little of the wait was really watched to call the hoster silent (and a
 * timer that expired during a stall fires before the reply that arrived during it is read).
 */
function silence(s: Session, r: ChallengeResult): ChallengeResult {
  r.timingInconclusive = r.ownLagMs >= s.opts.connectTimeoutMs / 2
  return r
}

/** Marks a verdict of time alone that the attestor's own stall (until `at`) could explain. */
function timed(s: Session, r: ChallengeResult, at: number): ChallengeResult {
  const onTime = r.code === JudgementCode.LATE || r.code === JudgementCode.NO_ANSWER
  if (r.outcome !== 'slow' || !onTime || s.tNonce === null) return r
  const judgedMs = at - s.tNonce - s.rttMs
  r.timingInconclusive = judgedMs - r.ownLagMs <= s.opts.deadlineMs
  return r
}
