// `favor/join/1`: a node that knows only the network key asks a writer to admit it (DESIGN §3).
//
// The channel runs on the connections the node's hyperswarm finds on the network's topic (the ledger's
// discovery key), beside ledger replication. Its protomux id is the discovery key, so only peers of the
// same network pair it. Every node attaches a JoinService to every swarm connection, synchronously in the
// connection handler, and opens the channel at once: both sides open, protomux pairs them. Each side can
// ask (while it is not a writer) and answer (any writer; a non-writer answers NOT_WRITABLE).
//
//   type 0  request  joiner → writer  { writerKey (32 bytes), invite (0..64 bytes; empty = none) }
//   type 1  reply    writer → joiner  { code, message }
//
// Writer side: the admission itself (policy, invite, append `add-writer`, wait for the contract's verdict)
// is the node's `admit` handler. This module adds what protects the writer: strict decoding with size
// limits, a token bucket per channel (too fast → RATE_LIMITED), one request in flight per channel (more
// are ignored), requests for a key already being admitted share that admission (never appended twice),
// and a cap on distinct admissions in flight (BUSY). A malformed message is a protocol violation: it is
// logged as an error, answered with BAD_REQUEST, and THAT CHANNEL is closed and never reopened on that
// connection. The connection stays (it carries replication) and the node keeps serving everyone else.
//
// Joiner side (`ask`): asks one peer at a time, the longest-unasked first, with a bounded wait for each
// reply; a transient refusal (NOT_WRITABLE, RATE_LIMITED, BUSY, TIMEOUT, INTERNAL) moves on and retries
// that peer later; a final one (INVITE_REQUIRED, INVITE_INVALID, REJECTED, BAD_REQUEST, NOT_ADMIN) is not
// retried on that peer. When every open peer has refused finally, at least one of them decisively (not
// just NOT_ADMIN), and no new peer appeared for a moment, the join fails with JoinRefusedError carrying
// that refusal. No acceptance before the deadline: JoinTimeoutError (with the last answer seen).
import { describeError } from '../errors.js'
import { FavorError } from '../errors.js'
import { muxOf } from '../stack/index.js'
import type { Codec, Connection, MuxChannel, MuxMessage } from '../stack/index.js'
import { ProofError, boundedBuffer } from '../proof/index.js'
import { ProtocolError, codeMessageCodec, decodeMessage, encodeMessage, rawCodec } from './messages.js'
import { silentLogger } from './log.js'
import type { Logger } from './log.js'

export const JOIN_PROTOCOL = 'favor/join/1'
export const WRITER_KEY_BYTES = 32
export const MAX_INVITE_BYTES = 64
export const MAX_JOIN_CODE_BYTES = 32
export const MAX_JOIN_MESSAGE_BYTES = 256
/** writerKey + length prefix (1 byte up to 252) + invite. */
export const MAX_JOIN_REQUEST_BYTES = WRITER_KEY_BYTES + 1 + MAX_INVITE_BYTES
export const MAX_JOIN_REPLY_BYTES = 1 + MAX_JOIN_CODE_BYTES + 3 + MAX_JOIN_MESSAGE_BYTES

export type JoinReplyCode =
  | 'ACCEPTED' // add-writer appended and applied: the joiner becomes writable once it has replicated it
  | 'ALREADY_WRITER' // the key is already a writer (or its admission is already on its way)
  | 'NOT_WRITABLE' // this peer cannot append (not admitted itself yet, or closing)
  | 'NOT_ADMIN' // the network is admin-only and this peer is not the admin
  | 'INVITE_REQUIRED'
  | 'INVITE_INVALID' // unknown or already used
  | 'RATE_LIMITED' // this channel asked too fast, or the writer reached its admissions for this epoch
  | 'BUSY' // too many admissions in flight on this writer
  | 'REJECTED' // the contract rejected the add-writer (the message says why)
  | 'TIMEOUT' // the add-writer did not apply in time on the writer
  | 'BAD_REQUEST' // a malformed request: the channel is closed after this reply
  | 'INTERNAL'

export const JOIN_REPLY_CODES: readonly JoinReplyCode[] = [
  'ACCEPTED', 'ALREADY_WRITER', 'NOT_WRITABLE', 'NOT_ADMIN', 'INVITE_REQUIRED', 'INVITE_INVALID',
  'RATE_LIMITED', 'BUSY', 'REJECTED', 'TIMEOUT', 'BAD_REQUEST', 'INTERNAL'
]
/** Replies that mean "you are (about to be) a writer". */
export const JOIN_ACCEPTED: readonly JoinReplyCode[] = ['ACCEPTED', 'ALREADY_WRITER']
/** Refusals that asking the same peer again will not change (that peer is not asked again). */
export const JOIN_FINAL_REFUSALS: readonly JoinReplyCode[] = ['INVITE_REQUIRED', 'INVITE_INVALID', 'REJECTED', 'BAD_REQUEST', 'NOT_ADMIN']
/**
 * Final refusals that decide the join: NOT_ADMIN only says "ask the admin", so a joiner refused by
 * every peer with NOT_ADMIN keeps waiting (for the admin to appear) until its deadline.
 */
export const JOIN_DECISIVE_REFUSALS: readonly JoinReplyCode[] = ['INVITE_REQUIRED', 'INVITE_INVALID', 'REJECTED', 'BAD_REQUEST']

export interface JoinRequest {
  writerKey: Uint8Array
  /** Empty: no invite. */
  invite: Uint8Array
}

export interface JoinReply {
  code: JoinReplyCode
  message: string
}

type State = { start: number; end: number; buffer: Uint8Array | null }
type DecodeState = { start: number; end: number; buffer: Uint8Array }

const inviteBytes = boundedBuffer(MAX_INVITE_BYTES, 'invite')

export const joinRequestCodec: Codec<JoinRequest> = {
  preencode(s: State, m: JoinRequest): void {
    if (m.writerKey.byteLength !== WRITER_KEY_BYTES) throw new RangeError(`writer key must be ${WRITER_KEY_BYTES} bytes`)
    s.end += WRITER_KEY_BYTES
    inviteBytes.preencode(s, m.invite)
  },
  encode(s: State, m: JoinRequest): void {
    ;(s.buffer as Uint8Array).set(m.writerKey, s.start)
    s.start += WRITER_KEY_BYTES
    inviteBytes.encode(s, m.invite)
  },
  decode(s: DecodeState): JoinRequest {
    if (s.end - s.start < WRITER_KEY_BYTES) throw new ProofError('MALFORMED', 'writer key truncated')
    const writerKey = s.buffer.subarray(s.start, s.start + WRITER_KEY_BYTES)
    s.start += WRITER_KEY_BYTES
    return { writerKey, invite: inviteBytes.decode(s) }
  }
}

export const joinReplyCodec: Codec<JoinReply> = codeMessageCodec(JOIN_REPLY_CODES, MAX_JOIN_CODE_BYTES, MAX_JOIN_MESSAGE_BYTES, 'reply')

export function encodeJoinRequest(m: JoinRequest): Buffer {
  return encodeMessage(joinRequestCodec, m)
}

export function decodeJoinRequest(bytes: Uint8Array): JoinRequest {
  return decodeMessage(joinRequestCodec, bytes, 'join request', MAX_JOIN_REQUEST_BYTES)
}

/** Encodes a reply; an over-long message is cut (on a character boundary) to fit the limit. */
export function encodeJoinReply(m: JoinReply): Buffer {
  let message = m.message
  while (Buffer.byteLength(message, 'utf8') > MAX_JOIN_MESSAGE_BYTES) message = message.slice(0, -1)
  return encodeMessage(joinReplyCodec, { code: m.code, message })
}

export function decodeJoinReply(bytes: Uint8Array): JoinReply {
  return decodeMessage(joinReplyCodec, bytes, 'join reply', MAX_JOIN_REPLY_BYTES)
}

// --- errors ---------------------------------------------------------------------------------------

export type JoinErrorCode = 'E_JOIN_REFUSED' | 'E_JOIN_TIMEOUT' | 'E_JOIN_CLOSED'

export class JoinError extends FavorError {
  declare readonly code: JoinErrorCode
  /** The refusal that decided (JoinRefusedError) or the last one seen before the deadline, if any. */
  readonly reply: JoinReply | null
  constructor(code: JoinErrorCode, message: string, reply: JoinReply | null = null) {
    super(message, code)
    this.reply = reply
  }

  /** The refusal's code (e.g. INVITE_REQUIRED), or null. */
  get reason(): JoinReplyCode | null {
    return this.reply?.code ?? null
  }
}

/** Every writer this node could reach refused it for a reason asking again will not change. */
export class JoinRefusedError extends JoinError {
  override name = 'JoinRefusedError'
  constructor(message: string, reply: JoinReply) {
    super('E_JOIN_REFUSED', message, reply)
  }
}

/** No writer accepted (or the admission did not reach this node) before the deadline. */
export class JoinTimeoutError extends JoinError {
  override name = 'JoinTimeoutError'
  constructor(message: string, reply: JoinReply | null = null) {
    super('E_JOIN_TIMEOUT', message, reply)
  }
}

// --- the service ----------------------------------------------------------------------------------

export interface AdmitRequest {
  writerKey: Buffer
  /** null when the request carried none. */
  invite: Buffer | null
  /** The asking peer's connection key (for logs). */
  remotePublicKey: Buffer
}

/** The writer's decision: must resolve (a throw becomes INTERNAL). */
export type AdmitHandler = (req: AdmitRequest) => Promise<JoinReply>

export interface JoinServiceOptions {
  /** The network's discovery key: the channel id. */
  discoveryKey: Uint8Array
  /** This node's writer key (its account), sent when it asks. */
  writerKey: Uint8Array
  admit: AdmitHandler
  log?: Logger
  /** Token bucket per channel: burst size. Default 4. */
  requestBurst?: number
  /** Token bucket per channel: one token back every this many ms. Default 500. */
  requestRefillMs?: number
  /** Consecutive rate-limited requests after which the channel is closed as a flood. Default 32. */
  maxRateLimited?: number
  /** Distinct admissions in flight at once; more get BUSY. Default 8. */
  maxPendingAdmissions?: number
  /** Joiner: how long to wait for one peer's reply. Default 15 s. */
  replyTimeoutMs?: number
  /** Joiner: wait this long before asking a peer again after a transient refusal. Default 1 s. */
  retryMs?: number
  /** Joiner: give up on final refusals only when no new peer appeared for this long. Default 1.5 s. */
  settleMs?: number
}

export interface JoinStats {
  /** Join channels opened (both sides). */
  channels: number
  /** Requests received (writer side). */
  requests: number
  accepted: number
  refused: number
  /** Requests ignored (one already in flight on the channel) or merged with an admission in flight. */
  duplicates: number
  rateLimited: number
  /** Malformed messages: each closed its channel. */
  violations: number
  /** Requests this node sent (joiner side). */
  asked: number
}

export type JoinStage = 'waiting-for-peers' | 'asking' | 'accepted' | 'refused'

export interface JoinProgress {
  stage: JoinStage
  /** Remote connection key (hex) of the peer asked. */
  peer?: string
  code?: JoinReplyCode
  message?: string
}

export interface AskOptions {
  timeoutMs: number
  /** Read before every request, so a caller may supply an invite while a join is in progress. */
  invite?: () => Uint8Array | null
  /** Stop asking (resolve 'done') as soon as this is true, e.g. the node became writable. */
  done?: () => boolean
  signal?: AbortSignal
  onProgress?: (p: JoinProgress) => void
}

export interface AskResult {
  status: 'accepted' | 'done'
  peer?: string
  reply?: JoinReply
}

interface Peer {
  conn: Connection
  remote: string
  channel: MuxChannel | null
  open: boolean
  sendRequest: MuxMessage<Uint8Array> | null
  sendReply: MuxMessage<Uint8Array> | null
  /** Writer side. */
  tokens: number
  refilledAt: number
  rateLimitedStreak: number
  inFlight: boolean
  violated: boolean
  /** Joiner side. */
  waiter: ((r: JoinReply | null) => void) | null
  lastAskedAt: number
  reopenAt: number
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

export class JoinService {
  readonly stats: JoinStats = { channels: 0, requests: 0, accepted: 0, refused: 0, duplicates: 0, rateLimited: 0, violations: 0, asked: 0 }
  private readonly discoveryKey: Buffer
  private readonly writerKey: Buffer
  private readonly admitHandler: AdmitHandler
  private readonly log: Logger
  private readonly burst: number
  private readonly refillMs: number
  private readonly maxRateLimited: number
  private readonly maxPending: number
  private readonly replyTimeoutMs: number
  private readonly retryMs: number
  private readonly settleMs: number
  private readonly peers = new Map<Connection, Peer>()
  private readonly pending = new Map<string, Promise<JoinReply>>()
  private readonly wakers = new Set<() => void>()
  private lastOpenAt = 0
  private closed = false

  constructor(opts: JoinServiceOptions) {
    if (opts.discoveryKey.byteLength !== 32) throw new RangeError('discovery key must be 32 bytes')
    if (opts.writerKey.byteLength !== WRITER_KEY_BYTES) throw new RangeError(`writer key must be ${WRITER_KEY_BYTES} bytes`)
    this.discoveryKey = Buffer.from(opts.discoveryKey)
    this.writerKey = Buffer.from(opts.writerKey)
    this.admitHandler = opts.admit
    this.log = opts.log ?? silentLogger
    this.burst = opts.requestBurst ?? 4
    this.refillMs = opts.requestRefillMs ?? 500
    this.maxRateLimited = opts.maxRateLimited ?? 32
    this.maxPending = opts.maxPendingAdmissions ?? 8
    this.replyTimeoutMs = opts.replyTimeoutMs ?? 15_000
    this.retryMs = opts.retryMs ?? 1000
    this.settleMs = opts.settleMs ?? 1500
  }

  /** Serves and asks on this connection. Call synchronously from the connection handler. */
  attach(conn: Connection): void {
    if (this.closed || this.peers.has(conn)) return
    const peer: Peer = {
      conn, remote: hex(conn.remotePublicKey ?? Buffer.alloc(0)), channel: null, open: false, sendRequest: null, sendReply: null,
      tokens: this.burst, refilledAt: Date.now(), rateLimitedStreak: 0, inFlight: false, violated: false,
      waiter: null, lastAskedAt: 0, reopenAt: 0
    }
    this.peers.set(conn, peer)
    conn.once('close', () => {
      this.peers.delete(conn)
      this.settle(peer, null)
    })
    const mux = muxOf(conn)
    mux.pair({ protocol: JOIN_PROTOCOL, id: this.discoveryKey }, () => this.openChannel(peer))
    this.openChannel(peer)
  }

  /** Peers with an open join channel. */
  get openPeers(): number {
    let n = 0
    for (const p of this.peers.values()) if (p.open) n++
    return n
  }

  private openChannel(peer: Peer): void {
    if (this.closed || peer.violated || peer.channel !== null) return
    const channel = muxOf(peer.conn).createChannel({
      protocol: JOIN_PROTOCOL,
      id: this.discoveryKey,
      onopen: () => {
        peer.open = true
        this.stats.channels++
        this.lastOpenAt = Date.now()
        this.wake()
      },
      onclose: () => {
        peer.open = false
        peer.channel = null
        peer.sendRequest = null
        peer.sendReply = null
        peer.reopenAt = Date.now() + this.retryMs
        this.settle(peer, null)
      }
    })
    if (channel === null) return
    peer.channel = channel
    peer.sendRequest = channel.addMessage({ encoding: rawCodec, onmessage: (bytes: Uint8Array) => this.onRequest(peer, bytes) })
    peer.sendReply = channel.addMessage({ encoding: rawCodec, onmessage: (bytes: Uint8Array) => this.onReply(peer, bytes) })
    channel.open()
  }

  private violation(peer: Peer, err: Error, reply: boolean): void {
    this.stats.violations++
    peer.violated = true
    const code = err instanceof ProtocolError ? err.code : 'UNEXPECTED'
    this.log.error('join: protocol violation, closing the join channel', { remote: peer.remote, code, error: err.message })
    if (reply) peer.sendReply?.send(encodeJoinReply({ code: 'BAD_REQUEST', message: err.message }))
    peer.channel?.close()
    this.settle(peer, null)
  }

  private reply(peer: Peer, r: JoinReply): void {
    if (JOIN_ACCEPTED.includes(r.code)) this.stats.accepted++
    else this.stats.refused++
    if (peer.open) peer.sendReply?.send(encodeJoinReply(r))
  }

  // --- writer side ---------------------------------------------------------------------------------

  private takeToken(peer: Peer): boolean {
    const now = Date.now()
    const refill = Math.floor((now - peer.refilledAt) / this.refillMs)
    if (refill > 0) {
      peer.tokens = Math.min(this.burst, peer.tokens + refill)
      peer.refilledAt += refill * this.refillMs
    }
    if (peer.tokens >= this.burst) peer.refilledAt = now
    if (peer.tokens <= 0) return false
    peer.tokens--
    return true
  }

  private onRequest(peer: Peer, bytes: Uint8Array): void {
    if (this.closed || peer.violated) return
    let req: JoinRequest
    try {
      req = decodeJoinRequest(bytes)
    } catch (err) {
      this.violation(peer, err as Error, true)
      return
    }
    this.stats.requests++
    if (!this.takeToken(peer)) {
      this.stats.rateLimited++
      if (++peer.rateLimitedStreak > this.maxRateLimited) {
        this.violation(peer, new ProtocolError('UNEXPECTED', `more than ${this.maxRateLimited} join requests over the rate limit`), true)
        return
      }
      this.reply(peer, { code: 'RATE_LIMITED', message: `at most one join request per ${this.refillMs} ms on a connection` })
      return
    }
    peer.rateLimitedStreak = 0
    if (peer.inFlight) {
      this.stats.duplicates++
      this.log.debug('join: ignored a request while one is in flight on this channel', { remote: peer.remote })
      return
    }
    const key = hex(req.writerKey)
    let admission = this.pending.get(key)
    if (admission !== undefined) {
      this.stats.duplicates++
    } else {
      if (this.pending.size >= this.maxPending) {
        this.reply(peer, { code: 'BUSY', message: 'too many admissions in progress, ask again later' })
        return
      }
      this.log.info('join: admission requested', { remote: peer.remote, writer: key, invite: req.invite.byteLength > 0 })
      admission = this.runAdmit({
        writerKey: Buffer.from(req.writerKey),
        invite: req.invite.byteLength > 0 ? Buffer.from(req.invite) : null,
        remotePublicKey: Buffer.from(peer.conn.remotePublicKey ?? Buffer.alloc(0))
      })
      this.pending.set(key, admission)
      const p = admission
      void p.finally(() => {
        if (this.pending.get(key) === p) this.pending.delete(key)
      })
    }
    peer.inFlight = true
    void admission.then((r) => {
      peer.inFlight = false
      this.log.info('join: replied', { remote: peer.remote, writer: key, code: r.code, message: r.message })
      this.reply(peer, r)
    })
  }

  private async runAdmit(req: AdmitRequest): Promise<JoinReply> {
    try {
      return await this.admitHandler(req)
    } catch (err) {
      this.log.error('join: admission failed', { writer: hex(req.writerKey), error: (err as Error).message })
      return { code: 'INTERNAL', message: 'internal error' }
    }
  }

  // --- joiner side ---------------------------------------------------------------------------------

  private onReply(peer: Peer, bytes: Uint8Array): void {
    if (this.closed || peer.violated) return
    let r: JoinReply
    try {
      r = decodeJoinReply(bytes)
    } catch (err) {
      this.violation(peer, err as Error, false)
      return
    }
    if (peer.waiter === null) {
      this.log.debug('join: reply nobody waits for', { remote: peer.remote, code: r.code })
      return
    }
    this.settle(peer, r)
  }

  private settle(peer: Peer, r: JoinReply | null): void {
    const w = peer.waiter
    peer.waiter = null
    w?.(r)
  }

  private wake(): void {
    const ws = [...this.wakers]
    this.wakers.clear()
    for (const w of ws) w()
  }

  private waitWake(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        this.wakers.delete(done)
        resolve()
      }
      const timer = setTimeout(done, Math.max(1, ms))
      this.wakers.add(done)
    })
  }

  /** Sends one request on `peer`'s channel; resolves with the reply, or null (timeout / channel gone). */
  private request(peer: Peer, invite: Uint8Array | null, ms: number): Promise<JoinReply | null> {
    return new Promise((resolve) => {
      if (!peer.open || peer.sendRequest === null) {
        resolve(null)
        return
      }
      const timer = setTimeout(() => {
        if (peer.waiter === onReply) peer.waiter = null
        resolve(null)
      }, Math.max(1, ms))
      const onReply = (r: JoinReply | null): void => {
        clearTimeout(timer)
        resolve(r)
      }
      this.settle(peer, null) // at most one waiter per peer
      peer.waiter = onReply
      this.stats.asked++
      peer.sendRequest.send(encodeJoinRequest({ writerKey: this.writerKey, invite: invite ?? Buffer.alloc(0) }))
    })
  }

  /**
   * Asks the peers until one accepts. Resolves 'accepted' (the caller then waits until it is writable)
   * or 'done' (opts.done() became true). Throws JoinRefusedError, JoinTimeoutError, or JoinError
   * E_JOIN_CLOSED when the service closes; an abort rejects with the signal's reason.
   */
  async ask(opts: AskOptions): Promise<AskResult> {
    const deadline = Date.now() + opts.timeoutMs
    const finalRefusals = new Map<Peer, JoinReply>()
    const transientUntil = new Map<Peer, number>()
    let last: JoinReply | null = null
    let lastFinal: JoinReply | null = null
    let waitingReported = false
    const progress = (p: JoinProgress): void => {
      try {
        opts.onProgress?.(p)
      } catch (err) {
        this.log.warn('join: progress listener threw', { error: (err as Error).message })
      }
    }
    for (;;) {
      if (this.closed) throw new JoinError('E_JOIN_CLOSED', 'join service closed', last)
      opts.signal?.throwIfAborted()
      if (opts.done?.() === true) return { status: 'done' }
      const now = Date.now()
      if (now >= deadline) {
        const why = last === null ? 'no writer answered' : `last answer: ${last.code} ${last.message}`
        throw new JoinTimeoutError(`not admitted within ${opts.timeoutMs} ms (${why})`, last)
      }
      for (const p of this.peers.values()) {
        if (p.channel === null && !p.violated && now >= p.reopenAt) {
          p.reopenAt = now + this.retryMs
          this.openChannel(p)
        }
      }
      const open = [...this.peers.values()].filter((p) => p.open)
      const candidates = open.filter((p) => !finalRefusals.has(p) && (transientUntil.get(p) ?? 0) <= now && p.waiter === null)
      if (candidates.length === 0) {
        if (lastFinal !== null && open.length > 0 && open.every((p) => finalRefusals.has(p)) && now - this.lastOpenAt >= this.settleMs) {
          throw new JoinRefusedError(`refused: ${lastFinal.code} ${lastFinal.message}`, lastFinal)
        }
        if (!waitingReported && open.length === 0) {
          waitingReported = true
          progress({ stage: 'waiting-for-peers' })
        }
        await this.waitWake(Math.min(200, deadline - now))
        continue
      }
      candidates.sort((a, b) => a.lastAskedAt - b.lastAskedAt)
      const peer = candidates[0] as Peer
      peer.lastAskedAt = now
      progress({ stage: 'asking', peer: peer.remote })
      const r = await this.request(peer, opts.invite?.() ?? null, Math.min(this.replyTimeoutMs, deadline - now))
      if (r === null) {
        transientUntil.set(peer, Date.now() + this.retryMs)
        continue
      }
      last = r
      if (JOIN_ACCEPTED.includes(r.code)) {
        progress({ stage: 'accepted', peer: peer.remote, code: r.code, message: r.message })
        return { status: 'accepted', peer: peer.remote, reply: r }
      }
      progress({ stage: 'refused', peer: peer.remote, code: r.code, message: r.message })
      if (JOIN_FINAL_REFUSALS.includes(r.code)) {
        finalRefusals.set(peer, r)
        if (JOIN_DECISIVE_REFUSALS.includes(r.code)) lastFinal = r
      } else {
        transientUntil.set(peer, Date.now() + this.retryMs)
      }
    }
  }

  /** Closes every join channel; pending asks fail with E_JOIN_CLOSED. Safe to call twice. */
  close(): void {
    if (this.closed) return
    this.closed = true
    for (const p of this.peers.values()) {
      this.settle(p, null)
      p.channel?.close()
      try {
        muxOf(p.conn).unpair({ protocol: JOIN_PROTOCOL, id: this.discoveryKey })
      } catch (err) {
        // the connection may already be gone; closing goes on for the others
        this.log.debug('join: unpairing the join channel failed', { component: 'join', remote: p.remote, ...describeError(err) })
      }
    }
    this.peers.clear()
    this.wake()
  }
}
