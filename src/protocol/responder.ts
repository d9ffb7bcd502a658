// Hoster side of `favor/challenge/2` (docs/challenges.md §1): answers pings at once, and a challenge with
// one item per challenged position (a block proof, or a signed error for what it lacks) and a receipt
// signed with the node key over the whole answer.
//
// The responder does not read the ledger: the node injects `params`, which looks up in ITS OWN ledger
// view what the attestation record says (challenged length, samples, the epoch's beacon, the network id,
// the core), so the hoster learns the indices only when the nonce arrives. The lookup starts at the
// attestor's `intent`, before the nonce; the first pong after it waits for the lookup, so a view that is
// still catching up costs time before the nonce, not inside the deadline.
//
// Attach it to every connection of the node's hyperdht server, synchronously in the connection handler
// (protomux rejects a channel the remote opens before the protocol is paired). It shares the connection
// with whatever else runs there (replication, for one), but needs nothing else:
//
//   const server = dht.createServer(conn => { responder.attach(conn) })
//
// A peer that sends garbage, oversized or truncated bytes gets a BAD_REQUEST refusal; its channel is
// closed and its connection destroyed; the responder keeps serving every other connection.
import { encodeManifest, muxOf } from '../stack/index.js'
import type { Connection, Core, KeyPair } from '../stack/index.js'
import { ItemError, ProofError, answerHash, challengeIndicesV2, itemHash, makeBlockProofs, signReceipt } from '../proof/index.js'
import type { AnswerItem } from '../proof/index.js'
import {
  CHALLENGE_PROTOCOL, challengeWire, createChallengeChannel, decodeWire, encodeWire, intentWire, itemWire, pingWire, pongWire, receiptWire, refusalWire
} from './challenge-wire.js'
import type { ChallengeChannel, ChallengeMessage, RefusalCode, WireMessage } from './challenge-wire.js'
import { ProtocolError } from './messages.js'
import { silentLogger } from './log.js'
import type { Logger } from './log.js'

/** What the hoster's own ledger view says about one (epoch, agreement, attestor) challenge. */
export interface ChallengeParams {
  /** The ledger's network id (its genesis beacon), 32 bytes. */
  networkId: Uint8Array
  /** The beacon of the challenge's epoch. */
  beacon: Uint8Array
  coreKey: Uint8Array
  /** The challenged length and the samples of the attestation record. */
  length: number
  samples: number
}

export type ParamsLookup = (q: { agreementId: number; epoch: number; attestorKey: Uint8Array }) =>
  Promise<ChallengeParams | { refuse: RefusalCode; message: string }>

export type CoreLookup = (coreKey: Buffer) => Core | null | Promise<Core | null>

/** A prepared answer, before it is sent. */
export interface PreparedAnswer {
  indices: number[]
  items: AnswerItem[]
  manifest: Uint8Array
  fork: number
  length: number
}

/**
 * Test-only behaviour, injected by tests through the options (never set by the node's configuration):
 * what a dishonest or broken hoster does instead of answering honestly from what it holds.
 */
export interface ResponderTestHooks {
  /** Answer from this core instead of the hosted one (e.g. a copy of an abandoned fork, or a partial copy). */
  core?(coreKey: Buffer, hosted: Core | null): Core | null | Promise<Core | null>
  /** Change the honest answer before it is signed (e.g. keep only the blocks a prefetcher would hold). */
  alter?(answer: PreparedAnswer, req: ChallengeMessage): PreparedAnswer | Promise<PreparedAnswer>
  /** After signing: 'send' (default), 'silent' (never answer), or 'close' (destroy the connection instead). */
  shape?(answer: PreparedAnswer): 'send' | 'silent' | 'close'
  /** Wait this long before sending an answer. */
  delayMs?: number
  /** Wait this long before answering a ping (a hoster trying to buy time with a slow round trip). */
  pongDelayMs?: number
  /** Called as a ping arrives, before its pong (a test stalls the whole process here). */
  onPing?(): void
}

export interface ResponderOptions {
  /** The node's key pair: the key the hyperdht server listens on, which signs receipts. */
  keyPair: KeyPair
  params: ParamsLookup
  /** The hoster's hosted cores; null when the core is not hosted here. */
  core: CoreLookup
  log?: Logger
  /** At most this many challenges are worked on at once across all connections; more are refused BUSY. */
  maxConcurrent?: number
  /** Challenges per channel before the hoster closes it (an attestor sends one). Default 4. */
  maxChallengesPerChannel?: number
  /** Pings per channel before the hoster closes it. Default 16. */
  maxPingsPerChannel?: number
  testing?: ResponderTestHooks
}

export interface ResponderStats {
  connections: number
  challenges: number
  answered: number
  refused: number
  violations: number
}

type ParamsAnswer = Awaited<ReturnType<ParamsLookup>>

interface ChannelState {
  conn: Connection
  ch: ChallengeChannel
  busy: boolean
  challenges: number
  pings: number
  intents: number
  /** The lookup an `intent` started: pongs wait for it, and the challenge that matches it reuses it. */
  intent: { key: string; params: Promise<ParamsAnswer> } | null
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

const intentKey = (q: { agreementId: number; epoch: number; attestorKey: Uint8Array }): string => `${q.agreementId}/${q.epoch}/${hex(q.attestorKey)}`

export class ChallengeResponder {
  private readonly opts: ResponderOptions
  private readonly log: Logger
  private readonly channels = new Set<ChannelState>()
  private active = 0
  private closed = false
  readonly stats: ResponderStats = { connections: 0, challenges: 0, answered: 0, refused: 0, violations: 0 }

  constructor(opts: ResponderOptions) {
    this.opts = opts
    this.log = opts.log ?? silentLogger
  }

  /** Serves challenges on this connection (call synchronously from the server's connection handler). */
  attach(conn: Connection): void {
    if (this.closed) return
    this.stats.connections++
    conn.on('error', (err: Error) => this.log.debug('challenge: connection error', { remote: hex(conn.remotePublicKey), error: err.message }))
    muxOf(conn).pair({ protocol: CHALLENGE_PROTOCOL }, () => this.openChannel(conn))
  }

  private openChannel(conn: Connection): void {
    if (this.closed) return
    let state: ChannelState | null = null
    const ch = createChallengeChannel(conn, {
      ping: (bytes) => { if (state) this.onPing(state, bytes) },
      intent: (bytes) => { if (state) this.onIntent(state, bytes) },
      challenge: (bytes) => { if (state) this.onChallenge(state, bytes) }
    }, { onclose: () => { if (state) this.channels.delete(state) } })
    if (!ch) return // already one open challenge channel on this connection
    state = { conn, ch, busy: false, challenges: 0, pings: 0, intents: 0, intent: null }
    this.channels.add(state)
    ch.channel.open()
  }

  /**
   * Decodes a ping or an intent and counts it against its per-channel limit; garbage or one too many
   * is a violation (null).
   */
  private decodeCounted<T>(s: ChannelState, w: WireMessage<T>, bytes: Uint8Array, kind: 'pings' | 'intents', limit: number): T | null {
    let m: T
    try {
      m = decodeWire(w, bytes)
    } catch (err) {
      this.violation(s, err as Error)
      return null
    }
    if (++s[kind] > limit) {
      this.violation(s, new ProtocolError('UNEXPECTED', `too many ${kind} on one channel`))
      return null
    }
    return m
  }

  private onPing(s: ChannelState, bytes: Uint8Array): void {
    const ping = this.decodeCounted(s, pingWire, bytes, 'pings', this.opts.maxPingsPerChannel ?? 16)
    if (ping === null) return
    const pong = encodeWire(pongWire, ping)
    this.opts.testing?.onPing?.()
    const delay = this.opts.testing?.pongDelayMs ?? 0
    const send = (): void => {
      if (delay > 0) setTimeout(() => { if (!s.ch.channel.closed) s.ch.send.pong.send(pong) }, delay)
      else if (!s.ch.channel.closed) s.ch.send.pong.send(pong)
    }
    // after an intent: the pong says "ready" once the lookup it started is done
    if (s.intent === null) send()
    else void s.intent.params.then(send)
  }

  /** An `intent`: look the challenge up now, before the nonce; refuse at once what will be refused. */
  private onIntent(s: ChannelState, bytes: Uint8Array): void {
    const q = this.decodeCounted(s, intentWire, bytes, 'intents', this.opts.maxChallengesPerChannel ?? 4)
    if (q === null) return
    // a lookup may wait for the view to catch up: it counts against the same bound as answers
    if (this.active >= (this.opts.maxConcurrent ?? 32)) {
      this.refuse(s, q, 'BUSY', 'too many challenges in progress')
      return
    }
    this.active++
    const params = this.lookup(q).finally(() => { this.active-- })
    s.intent = { key: intentKey(q), params }
    void params.then((p) => { if ('refuse' in p) this.refuse(s, q, p.refuse, p.message) })
  }

  /** The node's params lookup; never rejects (a failure is an INTERNAL refusal, logged). */
  private lookup(q: { agreementId: number; epoch: number; attestorKey: Uint8Array }): Promise<ParamsAnswer> {
    return this.opts.params(q).catch((err: unknown): ParamsAnswer => {
      this.log.error('challenge: params lookup failed', { agreementId: q.agreementId, epoch: q.epoch, error: (err as Error).message })
      return { refuse: 'INTERNAL', message: 'internal error' }
    })
  }

  private violation(s: ChannelState, err: Error): void {
    this.stats.violations++
    const code = err instanceof ProtocolError ? err.code : 'UNEXPECTED'
    this.log.error('challenge: protocol violation, closing the channel and the connection', { remote: hex(s.conn.remotePublicKey), code, error: err.message })
    s.ch.send.refusal.send(encodeWire(refusalWire, { code: 'BAD_REQUEST', message: err.message.slice(0, 200) }))
    s.ch.channel.close()
    this.channels.delete(s)
    // Let the refusal and the channel close flush before the connection goes.
    setTimeout(() => s.conn.destroy(), 50).unref()
  }

  private refuse(s: ChannelState, req: { agreementId: number; epoch: number }, code: RefusalCode, message: string): void {
    this.stats.refused++
    this.log.info('challenge: refused', { remote: hex(s.conn.remotePublicKey), agreementId: req.agreementId, epoch: req.epoch, code, message })
    if (!s.ch.channel.closed) s.ch.send.refusal.send(encodeWire(refusalWire, { code, message: message.slice(0, 500) }))
  }

  private onChallenge(s: ChannelState, bytes: Uint8Array): void {
    let req: ChallengeMessage
    try {
      req = decodeWire(challengeWire, bytes)
    } catch (err) {
      this.violation(s, err as Error)
      return
    }
    this.stats.challenges++
    if (++s.challenges > (this.opts.maxChallengesPerChannel ?? 4)) {
      this.violation(s, new ProtocolError('UNEXPECTED', 'too many challenges on one channel'))
      return
    }
    if (s.busy || this.active >= (this.opts.maxConcurrent ?? 32)) {
      this.refuse(s, req, 'BUSY', 'too many challenges in progress')
      return
    }
    s.busy = true
    this.active++
    this.answer(s, req)
      .catch((err: unknown) => {
        this.log.error('challenge: failed to answer', { remote: hex(s.conn.remotePublicKey), error: (err as Error).message })
        this.refuse(s, req, 'INTERNAL', 'internal error')
      })
      .finally(() => {
        s.busy = false
        this.active--
      })
  }

  private async answer(s: ChannelState, req: ChallengeMessage): Promise<void> {
    const started = performance.now()
    // the lookup its intent started (already refused, if it refuses), else one now (an attestor without intents)
    const intent = s.intent !== null && s.intent.key === intentKey(req) ? s.intent : null
    s.intent = null
    const params = intent !== null ? await intent.params : await this.lookup(req)
    if ('refuse' in params) return intent !== null ? undefined : this.refuse(s, req, params.refuse, params.message)
    const indices = challengeIndicesV2(params.beacon, req.agreementId, req.attestorKey, req.nonce, params.length, params.samples)
    if (indices.length === 0) return this.refuse(s, req, 'UNKNOWN_CHALLENGE', 'nothing to challenge (empty core or no samples)')
    const hooks = this.opts.testing
    const coreKey = Buffer.from(params.coreKey)
    const hosted = await this.opts.core(coreKey)
    const honest = await prepareAnswer(hooks?.core ? await hooks.core(coreKey, hosted) : hosted, indices)
    const answer = hooks?.alter ? await hooks.alter(honest, req) : honest
    const items = answer.items.map((item, position) => itemHash(position, indices[position] as number, item))
    const signature = signReceipt({
      networkId: params.networkId, agreementId: req.agreementId, epoch: req.epoch, attestorKey: req.attestorKey, nonce: req.nonce,
      answerHash: answerHash(answer.manifest, items), fork: answer.fork, length: answer.length
    }, this.opts.keyPair.secretKey)

    if (hooks?.delayMs) await new Promise<void>((resolve) => setTimeout(resolve, hooks.delayMs))
    const shape = hooks?.shape?.(answer) ?? 'send'
    if (shape === 'close') return void s.conn.destroy()
    if (shape === 'silent' || s.ch.channel.closed) return
    answer.items.forEach((item, position) => s.ch.send.item.send(encodeWire(itemWire, { position, item })))
    s.ch.send.receipt.send(encodeWire(receiptWire, { manifest: answer.manifest, fork: answer.fork, length: answer.length, signature }))
    this.stats.answered++
    this.log.debug('challenge: answered', {
      remote: hex(s.conn.remotePublicKey), agreementId: req.agreementId, epoch: req.epoch, blocks: indices.length,
      lacking: answer.items.filter((i) => i.kind === 'error').length, ms: Math.round(performance.now() - started)
    })
  }

  /** Stops answering: closes every open challenge channel; later connections are not served. */
  close(): void {
    this.closed = true
    for (const s of this.channels) s.ch.channel.close()
    this.channels.clear()
  }
}

/**
 * The honest answer from what this node holds: a proof per held block against the core's current head,
 * NOT_HELD for a block it lacks, NOT_HOSTED everywhere when it does not host the core, INTERNAL when
 * proving fails for another reason. Each position is proven on its own: the attestor judges each item
 * independently, so one lost block does not hide the others.
 */
export async function prepareAnswer(core: Core | null, indices: number[]): Promise<PreparedAnswer> {
  if (core === null) return { indices, items: indices.map(() => ({ kind: 'error', code: ItemError.NOT_HOSTED })), manifest: new Uint8Array(0), fork: 0, length: 0 }
  await core.ready()
  const fork = core.fork
  const length = core.length
  const manifest: Uint8Array = core.manifest ? encodeManifest(core.manifest) : new Uint8Array(0)
  const items = await Promise.all(indices.map(async (index): Promise<AnswerItem> => {
    try {
      const bundle = await makeBlockProofs(core, [index])
      return { kind: 'proof', proof: bundle.proofs[0] as Uint8Array }
    } catch (err) {
      if (err instanceof ProofError && err.code === 'NOT_HELD') return { kind: 'error', code: ItemError.NOT_HELD }
      return { kind: 'error', code: ItemError.INTERNAL }
    }
  }))
  return { indices, items, manifest, fork, length }
}
