// Hoster side of `favor/challenge/1`: answers storage challenges from the cores it hosts.
//
// Attach it to every connection of the node's hyperdht server, beside replication:
//
//   const server = dht.createServer(conn => { store.replicate(conn); responder.attach(conn) })
//
// `attach` must run synchronously in the connection handler (protomux rejects a channel that the
// remote opens before anyone has paired the protocol). A peer that sends garbage, oversized or
// truncated bytes gets an error reply, its channel is closed and its connection destroyed; the
// responder keeps serving every other connection.
import { blake2b, muxOf, sign } from '../stack/index.js'
import type { Connection, Core, KeyPair, MuxChannel, MuxMessage } from '../stack/index.js'
import { ProofError, makeBlockProofs } from '../proof/index.js'
import type { BlockProofBundle } from '../proof/index.js'
import {
  MAX_INDICES,
  MAX_REQUEST_BYTES,
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
import type { ChallengeRequest, ErrorReplyCode } from './messages.js'
import { silentLogger } from './log.js'
import type { Logger } from './log.js'

export type CoreLookup = (coreKey: Buffer) => Core | null | Promise<Core | null>

export interface ResponderOptions {
  /** The node's key pair: the key the hyperdht server listens on, which signs proofs of contact. */
  keyPair: KeyPair
  /** The hoster's hosted cores (from its corestore); null when the core is not hosted here. */
  lookup: CoreLookup
  log?: Logger
  /** At most this many challenges are worked on at once across all connections; more get BUSY. */
  maxConcurrent?: number
  /** Requests per channel before the hoster closes it (a challenge is one request). Default 4. */
  maxRequestsPerChannel?: number
  /** Test hook: wait this long before answering (simulates a slow hoster). */
  delayMs?: number
}

export interface ResponderStats {
  connections: number
  requests: number
  answered: number
  refused: number
  violations: number
}

interface ChannelState {
  conn: Connection
  channel: MuxChannel
  busy: boolean
  requests: number
  sendProof: MuxMessage<Uint8Array>
  sendDone: MuxMessage<Uint8Array>
  sendError: MuxMessage<Uint8Array>
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

export class ChallengeResponder {
  private readonly keyPair: KeyPair
  private readonly lookup: CoreLookup
  private readonly log: Logger
  private readonly maxConcurrent: number
  private readonly maxRequestsPerChannel: number
  private readonly delayMs: number
  private readonly channels = new Set<ChannelState>()
  private active = 0
  private closed = false
  readonly stats: ResponderStats = { connections: 0, requests: 0, answered: 0, refused: 0, violations: 0 }

  constructor(opts: ResponderOptions) {
    this.keyPair = opts.keyPair
    this.lookup = opts.lookup
    this.log = opts.log ?? silentLogger
    this.maxConcurrent = opts.maxConcurrent ?? 32
    this.maxRequestsPerChannel = opts.maxRequestsPerChannel ?? 4
    this.delayMs = opts.delayMs ?? 0
  }

  /** Serves challenges on this connection (call synchronously from the server's connection handler). */
  attach(conn: Connection): void {
    if (this.closed) return
    this.stats.connections++
    conn.on('error', (err: Error) => this.log.debug('challenge: connection error', { remote: hex(conn.remotePublicKey), error: err.message }))
    const mux = muxOf(conn)
    mux.pair({ protocol: PROTOCOL }, () => this.openChannel(conn))
  }

  private openChannel(conn: Connection): void {
    if (this.closed) return
    let state: ChannelState | null = null
    const channel = muxOf(conn).createChannel({
      protocol: PROTOCOL,
      onclose: () => {
        if (state) this.channels.delete(state)
      }
    })
    if (!channel) return // already one open challenge channel on this connection
    channel.addMessage({
      encoding: rawCodec,
      onmessage: (bytes: Uint8Array) => {
        if (state) this.onRequest(state, bytes)
      }
    })
    const sendProof = channel.addMessage({ encoding: rawCodec })
    const sendDone = channel.addMessage({ encoding: rawCodec })
    const sendError = channel.addMessage({ encoding: rawCodec })
    state = { conn, channel, busy: false, requests: 0, sendProof, sendDone, sendError }
    this.channels.add(state)
    channel.open()
  }

  private violation(state: ChannelState, err: ProtocolError | Error): void {
    this.stats.violations++
    const code = err instanceof ProtocolError ? err.code : 'UNEXPECTED'
    this.log.error('challenge: protocol violation, closing the channel and the connection', {
      remote: hex(state.conn.remotePublicKey),
      code,
      error: err.message
    })
    state.sendError.send(encodeMessage(errorCodec, { code: 'BAD_REQUEST', message: err.message.slice(0, 200) }))
    state.channel.close()
    this.channels.delete(state)
    // Let the error reply and the channel close flush before the connection goes.
    setTimeout(() => state.conn.destroy(), 50).unref()
  }

  private refuse(state: ChallengeRequest | null, ch: ChannelState, code: ErrorReplyCode, message: string): void {
    this.stats.refused++
    this.log.info('challenge: refused', {
      remote: hex(ch.conn.remotePublicKey),
      agreementId: state?.agreementId,
      code,
      message
    })
    ch.sendError.send(encodeMessage(errorCodec, { code, message: message.slice(0, 500) }))
  }

  private onRequest(ch: ChannelState, bytes: Uint8Array): void {
    let req: ChallengeRequest
    try {
      req = decodeMessage(requestCodec, bytes, 'challenge request', MAX_REQUEST_BYTES)
    } catch (err) {
      this.violation(ch, err as Error)
      return
    }
    this.stats.requests++
    if (++ch.requests > this.maxRequestsPerChannel) {
      this.violation(ch, new ProtocolError('UNEXPECTED', `more than ${this.maxRequestsPerChannel} requests on one channel`))
      return
    }
    if (ch.busy || this.active >= this.maxConcurrent) {
      this.refuse(req, ch, 'BUSY', 'another challenge is in progress')
      return
    }
    ch.busy = true
    this.active++
    this.answer(ch, req)
      .catch((err: unknown) => {
        this.log.error('challenge: failed to answer', { remote: hex(ch.conn.remotePublicKey), error: (err as Error).message })
        this.refuse(req, ch, 'INTERNAL', 'internal error')
      })
      .finally(() => {
        ch.busy = false
        this.active--
      })
  }

  private async answer(ch: ChannelState, req: ChallengeRequest): Promise<void> {
    const started = performance.now()
    const requestHash = blake2b(encodeMessage(requestCodec, req))
    if (req.indices.length > MAX_INDICES) return this.refuse(req, ch, 'BAD_REQUEST', 'too many indices')
    const core = await this.lookup(Buffer.from(req.coreKey))
    if (!core) return this.refuse(req, ch, 'NOT_HOSTED', `core ${hex(req.coreKey)} is not hosted here`)

    let bundle: BlockProofBundle
    try {
      bundle = await makeBlockProofs(core, req.indices)
    } catch (err) {
      if (err instanceof ProofError && err.code === 'NOT_HELD') return this.refuse(req, ch, 'MISSING_BLOCK', err.message)
      if (err instanceof ProofError && err.code === 'OVERSIZED') return this.refuse(req, ch, 'TOO_LARGE', err.message)
      if (err instanceof ProofError && err.code === 'WRONG_INDEX') return this.refuse(req, ch, 'BAD_REQUEST', err.message)
      throw err
    }
    const signature = sign(contactSignable(req.nonce, requestHash, responseDigest(bundle)), this.keyPair.secretKey)
    if (this.delayMs > 0) await new Promise<void>(resolve => setTimeout(resolve, this.delayMs))
    if (ch.channel.closed) return
    bundle.proofs.forEach((proof, seq) => ch.sendProof.send(encodeMessage(proofMessageCodec, { seq, proof })))
    ch.sendDone.send(encodeMessage(doneCodec, { manifest: bundle.manifest, signature }))
    this.stats.answered++
    this.log.debug('challenge: answered', {
      remote: hex(ch.conn.remotePublicKey),
      agreementId: req.agreementId,
      epoch: req.epoch,
      blocks: req.indices.length,
      ms: Math.round(performance.now() - started)
    })
  }

  /** Stops answering: closes every open challenge channel; later connections are not served. */
  close(): void {
    this.closed = true
    for (const s of this.channels) s.channel.close()
    this.channels.clear()
  }
}
