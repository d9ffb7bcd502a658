// Hoster: posts its offer (with its node key), mirrors what it is matched with up to the length the
// ledger records (never past its quota), follows the publisher's rewrites (a higher fork), announces
// each hosted core on its normal discovery key so stock readers find it, posts `ready` once it holds
// the recorded state — first to activate an agreement, later to acknowledge growth so that challenges
// cover the new length —, answers `favor/challenge/2` on a hyperdht server listening on the node key
// (beside replication), and garbage-collects ended agreements after a grace period (whole cores only:
// hypercore 11.37.1 corrupts the tree when single odd blocks are cleared).
import { describeError } from '../errors.js'
import { getAgreement, getOffer, listAgreements, type Agreement, type LedgerKV } from '../ledger/index.js'
import type { Connection, Core, Download, DhtServer } from '../stack/index.js'
import { ChallengeResponder } from '../protocol/index.js'
import type { ResponderTestHooks } from '../protocol/index.js'
import { challengeParams } from './challenge-params.js'
import type { RoleContext } from './context.js'
import { toError } from './context.js'
import type { MirrorProgress, OfferOptions } from './types.js'

export interface HosterOptions {
  /** Offer this once writable if the ledger has no offer from us. */
  autoOffer?: OfferOptions
  gcGraceMs: number
  /** Tests only: a dishonest or broken responder (src/protocol/responder.ts). */
  responderTesting?: ResponderTestHooks
}

interface HostedCore {
  key: string
  core: Core
  download: Download | null
  /** The range the current download covers: [0, downloadEnd) at fork downloadFork. */
  downloadEnd: number
  downloadFork: number
  /** Agreement ids (live or in grace) using this core. */
  agreements: Set<number>
  /** Test/demo hook: the copy was (partly) dropped on purpose; do not fetch it again. */
  dropped: boolean
  /** An update({ wait }) for a newer head is in flight (one at a time). */
  updating: boolean
  onDownload: () => void
}

interface MirrorState {
  agreementId: number
  coreKey: string
  publisher: string
  length: number
  byteLength: number
  fork: number
  ledgerState: Agreement['state']
  exiting: boolean
  /** When `ready` was last posted, and for which recorded state (`length:byteLength:fork`). */
  readyPostedAt: number
  readyFor: string
  endedAt: number | null
  lastHave: number
  reserved: boolean
  /** The quota holds the recorded byte length: only then is it fetched. */
  withinQuota: boolean
}

const READY_RETRY_MS = 5000
const PROGRESS_INTERVAL_MS = 200

const stateKey = (a: { length: number; byteLength: number; fork: number }): string => `${a.length}:${a.byteLength}:${a.fork}`

/** Whether the ledger waits for this hoster's `ready`: pinning, or a recorded state not yet challenged. */
function awaitsReady(a: Agreement): boolean {
  if (a.state === 'pinning') return true
  if (a.state === 'ended') return false
  return a.graceUntil !== 0 || a.challengedLength !== a.length || a.challengedByteLength !== a.byteLength || a.challengedFork !== a.fork
}

export class Hoster {
  private readonly ctx: RoleContext
  private readonly opts: HosterOptions
  private readonly cores = new Map<string, HostedCore>()
  private readonly states = new Map<number, MirrorState>()
  private server: DhtServer | null = null
  private responder: ChallengeResponder | null = null
  private offerPostedAt = 0
  private lastProgressAt = 0
  private closed = false
  /**
   * Our agreements as of one state of the ledger view (`fork:version`). reconcile runs on every
   * ledger update and every poll; re-reading every agreement of the ledger each time (one Hyperbee
   * get per agreement ever made) kept each node's CPU busy and, with a dozen nodes on two cores,
   * starved the event loop. The view only changes through a new version or a truncation (fork).
   */
  private scanned: { at: string; agreements: Agreement[] } | null = null

  constructor(ctx: RoleContext, opts: HosterOptions) {
    this.ctx = ctx
    this.opts = opts
  }

  async start(): Promise<void> {
    this.responder = new ChallengeResponder({
      keyPair: this.ctx.nodeKeyPair,
      params: (q) => challengeParams(this.ctx, q),
      core: (key) => this.cores.get(key.toString('hex'))?.core ?? null,
      log: this.ctx.log.child('challenge'),
      ...(this.opts.responderTesting ? { testing: this.opts.responderTesting } : {})
    })
    const responder = this.responder
    const store = this.ctx.store
    this.server = this.ctx.dht.createServer((conn: Connection) => {
      // expected when an attestor goes away mid-challenge; the responder judges nothing from it
      conn.on('error', (err: Error) => { this.ctx.log.debug('hoster: challenge connection error', { component: 'hoster', ...describeError(err) }) })
      store.replicate(conn)
      responder.attach(conn)
    })
    await this.server.listen(this.ctx.nodeKeyPair)
  }

  async offer(opts: OfferOptions): Promise<void> {
    this.ctx.quota.setCapacity(opts.capacityBytes)
    await this.ctx.append({
      type: 'offer', time: Date.now(), capacityBytes: opts.capacityBytes, group: opts.group ?? '', nodeKey: this.ctx.nodeKeyPair.publicKey
    })
    this.offerPostedAt = Date.now()
  }

  mirrors(): MirrorProgress[] {
    const out: MirrorProgress[] = []
    for (const s of this.states.values()) out.push(this.progressOf(s))
    return out
  }

  private progressOf(s: MirrorState): MirrorProgress {
    const h = this.cores.get(s.coreKey)
    const have = h === undefined || h.dropped ? 0 : Math.min(h.core.contiguousLength, Math.max(s.length, h.core.length))
    let state: MirrorProgress['state']
    if (h?.dropped === true) state = 'dropped'
    else if (s.ledgerState === 'ended') state = 'ended'
    else if (s.exiting) state = 'exiting'
    else if (s.ledgerState === 'pinning') state = s.readyPostedAt > 0 ? 'ready-posted' : 'mirroring'
    else state = 'active'
    return { agreementId: s.agreementId, coreKey: s.coreKey, have, length: s.length, knownLength: h?.core.length ?? 0, state }
  }

  /** Brings local mirrors in line with the ledger's agreements for this hoster. */
  async reconcile(kv: LedgerKV): Promise<void> {
    if (this.closed) return
    const me = this.ctx.account
    const offer = await getOffer(kv, me)
    if (offer === null && this.opts.autoOffer !== undefined && this.ctx.ledger.writable && Date.now() - this.offerPostedAt > READY_RETRY_MS) {
      await this.offer(this.opts.autoOffer)
    } else if (offer !== null && offer.capacityBytes !== this.ctx.quota.capacityBytes) {
      try { this.ctx.quota.setCapacity(offer.capacityBytes) } catch (err) { this.ctx.emitWarning(toError(err)) }
    }
    if (offer === null && this.states.size === 0) return
    for (const a of await this.myAgreements(kv, me)) {
      if (this.closed) return
      if (a.state === 'ended') await this.onEnded(a)
      else await this.follow(a)
    }
  }

  /** An ended agreement (e.g. `over-capacity`): stop fetching at once, collect after the grace period. */
  private async onEnded(a: Agreement): Promise<void> {
    const s = this.states.get(a.id)
    if (s === undefined) return // ended before we ever saw it (or already collected)
    if (s.endedAt === null) {
      s.endedAt = Date.now()
      if (a.endReason === 'over-capacity') this.ctx.log.info('agreement ended over capacity; dropping it', { agreementId: a.id })
    }
    s.ledgerState = 'ended'
    s.exiting = false
    this.refreshDownload(s.coreKey)
    if (Date.now() - s.endedAt >= this.opts.gcGraceMs && (await this.endedForGood(a.id))) await this.collect(s)
  }

  private async follow(a: Agreement): Promise<void> {
    let s = this.states.get(a.id)
    if (s === undefined) {
      s = {
        agreementId: a.id, coreKey: a.coreKey, publisher: a.publisher, length: a.length, byteLength: a.byteLength, fork: a.fork,
        ledgerState: a.state, exiting: a.exiting, readyPostedAt: 0, readyFor: '', endedAt: null, lastHave: -1, reserved: false, withinQuota: false
      }
      this.states.set(a.id, s)
    }
    s.ledgerState = a.state
    s.exiting = a.exiting
    s.length = a.length
    s.byteLength = a.byteLength
    s.fork = a.fork
    this.reserve(s, a)
    if (!s.reserved) return
    const h = await this.ensureCore(s)
    if (h.dropped) return
    const have = h.core.contiguousLength
    if (have !== s.lastHave) {
      s.lastHave = have
      this.ctx.emitMirrorProgress(this.progressOf(s))
    }
    try {
      this.ctx.quota.setUsed(String(a.id), Math.min(a.byteLength, h.core.length > 0 ? Math.floor((h.core.byteLength * Math.min(have, h.core.length)) / h.core.length) : 0))
    } catch { /* above the reservation: reserve() refused the growth and the download stops at the reservation */ }
    await this.maybeReady(s, a, h)
  }

  /** `ready` once the local copy holds the recorded state (at its fork); again after growth or a rewrite. */
  private async maybeReady(s: MirrorState, a: Agreement, h: HostedCore): Promise<void> {
    if (!awaitsReady(a) || !this.ctx.ledger.writable) return
    const holds = h.core.fork === a.fork && h.core.length >= a.length && h.core.contiguousLength >= a.length
    if (!holds) return
    const key = stateKey(a)
    if (s.readyFor === key && Date.now() - s.readyPostedAt <= READY_RETRY_MS) return
    s.readyFor = key
    s.readyPostedAt = Date.now()
    await this.ctx.append({ type: 'ready', time: Date.now(), agreementId: a.id, length: a.length, byteLength: a.byteLength, fork: a.fork })
    this.ctx.log.info('ready', { agreementId: a.id, length: a.length, fork: a.fork, state: a.state })
  }

  private async myAgreements(kv: LedgerKV, me: string): Promise<Agreement[]> {
    const view = this.ctx.ledger.view
    // Taken before the scan: if the view moves on meanwhile, the next call scans again.
    const at = `${view.core.fork}:${view.version}`
    if (this.scanned?.at === at) return this.scanned.agreements
    const agreements = await listAgreements(kv, { hoster: me })
    this.scanned = { at, agreements }
    return agreements
  }

  /**
   * Holds the agreement's recorded byte length in the quota. A growth the quota refuses is not fetched
   * (the download stays at what was reserved); the ledger ends such an agreement `over-capacity`.
   */
  private reserve(s: MirrorState, a: Agreement): void {
    const id = String(a.id)
    const q = this.ctx.quota
    try {
      if (!s.reserved) {
        if (q.get(id) === undefined) q.reserve(id, a.byteLength, a.publisher)
        s.reserved = true
      } else if (a.byteLength > (q.get(id)?.reservedBytes ?? 0)) {
        q.grow(id, a.byteLength)
      }
      s.withinQuota = true
    } catch (err) {
      if (s.withinQuota || !s.reserved) this.ctx.emitWarning(new Error(`quota: agreement ${a.id}: ${toError(err).message}; not fetching past the reservation`))
      s.withinQuota = false
    }
  }

  private async ensureCore(s: MirrorState): Promise<HostedCore> {
    let h = this.cores.get(s.coreKey)
    if (h === undefined) {
      const core = this.ctx.store.get({ key: Buffer.from(s.coreKey, 'hex') })
      const entry: HostedCore = {
        key: s.coreKey, core, download: null, downloadEnd: 0, downloadFork: -1, agreements: new Set(), dropped: false, updating: false,
        onDownload: () => this.onDownload(entry)
      }
      h = entry
      this.cores.set(s.coreKey, entry)
      await core.ready()
      core.on('download', entry.onDownload)
      core.on('append', entry.onDownload)
      core.on('truncate', entry.onDownload)
      // Stock readers find hosted cores on their normal discovery key.
      this.ctx.swarm.join(core.discoveryKey, { server: true, client: true })
    }
    h.agreements.add(s.agreementId)
    this.refreshDownload(s.coreKey)
    return h
  }

  /**
   * Fetches [0, n) where n is the largest recorded length among the live agreements on this core that the
   * quota holds: never past what the ledger recorded (and so never past the offered capacity). A rewrite
   * (a higher recorded fork than the local one) asks the peers for the new head; replication truncates
   * the local copy and the range is fetched again.
   */
  private refreshDownload(coreKey: string): void {
    const h = this.cores.get(coreKey)
    if (h === undefined || h.dropped) return
    let end = 0
    let fork = 0
    for (const id of h.agreements) {
      const s = this.states.get(id)
      if (s === undefined || s.ledgerState === 'ended' || !s.withinQuota) continue
      end = Math.max(end, s.length)
      fork = Math.max(fork, s.fork)
    }
    if ((fork > h.core.fork || end > h.core.length) && !h.updating) {
      h.updating = true
      h.core.update({ wait: true })
        .catch((err: unknown) => this.ctx.log.debug('update failed', { error: toError(err).message }))
        .finally(() => { h.updating = false })
    }
    if (end === h.downloadEnd && h.core.fork === h.downloadFork) return
    h.download?.destroy()
    h.download = end > 0 ? h.core.download({ start: 0, end }) : null
    h.downloadEnd = end
    h.downloadFork = h.core.fork
  }

  private onDownload(h: HostedCore): void {
    const now = Date.now()
    const complete = [...h.agreements].some((id) => {
      const s = this.states.get(id)
      return s !== undefined && s.ledgerState !== 'ended' && s.readyFor !== stateKey(s) && h.core.contiguousLength >= s.length
    })
    if (complete || now - this.lastProgressAt >= PROGRESS_INTERVAL_MS) {
      this.lastProgressAt = now
      this.ctx.kick()
    }
  }

  /**
   * Deleting data cannot be undone, so the end must be final: above the indexers' signed length a
   * reorder could still turn the ending op into one that is rejected.
   */
  private async endedForGood(agreementId: number): Promise<boolean> {
    const final = await this.ctx.ledger.readFinal((kv) => getAgreement(kv, agreementId))
    return final !== null && final.state === 'ended'
  }

  /** Garbage-collects an ended agreement's core (whole core) unless another agreement still uses it. */
  private async collect(s: MirrorState): Promise<void> {
    this.states.delete(s.agreementId)
    this.ctx.quota.release(String(s.agreementId))
    const h = this.cores.get(s.coreKey)
    if (h === undefined) return
    h.agreements.delete(s.agreementId)
    if (h.agreements.size > 0) return
    this.cores.delete(s.coreKey)
    this.stopFetching(h)
    try {
      await this.ctx.swarm.leave(h.core.discoveryKey)
      if (h.core.length > 0) await h.core.clear(0, h.core.length)
    } catch (err) {
      this.ctx.emitWarning(toError(err))
    }
    await h.core.close().catch((err: unknown) => this.ctx.log.debug('close failed', { error: toError(err).message }))
    this.ctx.log.info('collected', { agreementId: s.agreementId, coreKey: s.coreKey })
  }

  private stopFetching(h: HostedCore): void {
    h.download?.destroy()
    h.download = null
    h.core.off('download', h.onDownload)
    h.core.off('append', h.onDownload)
    h.core.off('truncate', h.onDownload)
  }

  /**
   * Demo/test hook: a cheater drops its whole copy (no `indices`), or the given blocks (even indices only:
   * hypercore 11.37.1 corrupts the tree when single odd blocks are cleared), and stops mirroring.
   */
  async dropCopy(coreKeyHex: string, indices?: readonly number[]): Promise<boolean> {
    const h = this.cores.get(coreKeyHex)
    if (h === undefined || h.dropped) return false
    h.dropped = true
    this.stopFetching(h)
    await this.ctx.swarm.leave(h.core.discoveryKey).catch((err: unknown) => this.ctx.log.debug('leave failed', { error: toError(err).message }))
    if (indices === undefined) {
      if (h.core.length > 0) await h.core.clear(0, h.core.length)
    } else {
      for (const i of indices) await h.core.clear(i, i + 1)
    }
    return true
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.responder?.close()
    await this.server?.close().catch((err: unknown) => this.ctx.log.debug('server close failed', { error: toError(err).message }))
    for (const h of this.cores.values()) {
      this.stopFetching(h)
      await h.core.close().catch((err: unknown) => this.ctx.log.debug('close failed', { error: toError(err).message }))
    }
    this.cores.clear()
  }
}
