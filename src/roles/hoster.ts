// Hoster: posts its offer (with its node key), mirrors what it is matched with up to the length the
// ledger records (never past its quota), follows the publisher's rewrites (a higher fork), announces
// each hosted core on its normal discovery key so stock readers find it, posts `ready` once it holds
// the recorded state — first to activate an agreement, later to acknowledge growth so that challenges
// cover the new length —, answers `favor/challenge/2` on a hyperdht server listening on the node key
// (challenges only: no replication there), and garbage-collects ended agreements after a grace period
// (whole cores only: hypercore 11.37.1 corrupts the tree when single odd blocks are cleared).
//
// The work runs as tasks of the node's scheduler (src/roles/tasks.ts): `reconcile` keeps the local state
// in line with the ledger and enqueues one `mirror` task per agreement awaiting `ready` (its range is
// fetched only while that task runs) and one `gc` task per ended agreement (run after the grace period).
// Hosted cores are resources of the node's resource manager: one reference per agreement on the core,
// the core is closed when the last one is released (collected, or the node closes).
import { FavorError, describeError } from '../errors.js'
import { getAgreement, getOffer, hosterAgreements, listAgreements, type Agreement, type LedgerKV } from '../ledger/index.js'
import { discoveryKey, hasStoredCore } from '../stack/index.js'
import type { Connection, Core, Download, DhtServer } from '../stack/index.js'
import { Resource, type ResourceHandle } from '../runtime/index.js'
import { ChallengeResponder } from '../protocol/index.js'
import type { ResponderTestHooks } from '../protocol/index.js'
import { challengeParams } from './challenge-params.js'
import type { RoleContext } from './context.js'
import { toError } from './context.js'
import { sizeDisproofOf } from './size-check.js'
import { taskKey, type NodeTasks } from './tasks.js'
import type { MirrorProgress, OfferOptions } from './types.js'

/** The hoster's init (from the node's config). */
export interface HosterInit {
  /** Offer this once writable if the ledger has no offer from us. */
  autoOffer?: OfferOptions
  gcGraceMs: number
  /** A mirror task that fetched nothing for this long fails (and is retried after a backoff), freeing its slot. Default 30 s. */
  mirrorStallMs?: number
  /** Tests only: a dishonest or broken responder (src/protocol/responder.ts). */
  responderTesting?: ResponderTestHooks
}

/** What the hoster needs from the node: interfaces only (src/roles/context.ts). */
export type HosterComponents = Pick<RoleContext,
  'ledger' | 'store' | 'swarm' | 'dht' | 'nodeKeyPair' | 'resources' | 'tasks' | 'log' | 'account' | 'append' | 'emitWarning' | 'emitMirrorProgress' | 'kick'>

/** The hoster's factory: its init first, its components when the node composes it. */
export function hoster(init: HosterInit): (components: HosterComponents) => Hoster {
  return (components) => new Hoster(components, init)
}

/** A mirror task fetched nothing for `mirrorStallMs` (the publisher and other hosters are away). Retried. */
export class MirrorStalledError extends FavorError {
  static override readonly code = 'E_MIRROR_STALLED'
  constructor(agreementId: number, have: number, length: number) {
    super(`agreement ${agreementId}: no block fetched lately (${have}/${length}); retrying later`, MirrorStalledError.code)
  }
}

/** An ended agreement is not final on the ledger yet (a reorder could still undo the end): not collected yet. */
export class EndNotFinalError extends FavorError {
  static override readonly code = 'E_END_NOT_FINAL'
  constructor(agreementId: number) {
    super(`agreement ${agreementId}: its end is not final yet; collecting later`, EndNotFinalError.code)
  }
}

/** One hosted core, shared by the agreements on it: a resource of the node's resource manager. */
interface HostedCore {
  key: string
  core: Core
  download: Download | null
  /** The range the current download covers: [0, downloadEnd) at fork downloadFork. */
  downloadEnd: number
  downloadFork: number
  /** The current download finished (or was destroyed): nothing more to wait for from it. */
  downloadSettled: boolean
  /** Called once when the current download settles (mirror tasks waiting for it). */
  onSettled: Set<() => void>
  /** Agreement ids holding a reference (one handle each). */
  agreements: Set<number>
  /** Test/demo hook: the copy was (partly) dropped on purpose; do not fetch it again. */
  dropped: boolean
  /** An update({ wait }) for a newer head is in flight (one at a time). */
  updating: boolean
  /** Joined on the core's discovery key (stock readers find it there). */
  announced: boolean
  /** Blocks received since it was opened (a mirror's progress, whatever order they arrive in). */
  received: number
  onDownload: () => void
  onBlock: () => void
  close(): Promise<void>
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
  /** A mirror task is running for it: only then is its range fetched. */
  fetching: boolean
  /** The recorded state a `prove-size` was posted against (once per state, so a refused one does not loop). */
  sizeDisprovedFor: string
}

const READY_RETRY_MS = 5000
const PROGRESS_INTERVAL_MS = 200
const DEFAULT_MIRROR_STALL_MS = 30_000
/** A waiting mirror task looks at its core and the ledger again at least this often. */
const MIRROR_RECHECK_MS = 1000

const stateKey = (a: { length: number; byteLength: number; fork: number }): string => `${a.length}:${a.byteLength}:${a.fork}`
/** The resource manager's key of a hosted core. */
const coreResource = (hex: string): string => `core:${hex}`

/** Whether the ledger waits for this hoster's `ready`: pinning, or a recorded state not yet challenged. */
function awaitsReady(a: Agreement): boolean {
  if (a.state === 'pinning') return true
  if (a.state === 'ended') return false
  return a.graceUntil !== 0 || a.challengedLength !== a.length || a.challengedByteLength !== a.byteLength || a.challengedFork !== a.fork
}

/** The local copy holds the agreement's recorded state (its fork, every block up to its length). */
function holds(h: HostedCore, a: Agreement): boolean {
  return h.core.fork === a.fork && h.core.length >= a.length && h.core.contiguousLength >= a.length
}

interface Emitter {
  on(event: string, fn: () => void): unknown
  off(event: string, fn: () => void): unknown
}

/**
 * Resolves on the first of these events, when the core's current download settles, after `ms`, or when
 * `signal` aborts.
 */
function nextEvent(h: HostedCore, sources: ReadonlyArray<readonly [Emitter, readonly string[]]>, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      for (const [em, events] of sources) for (const e of events) em.off(e, done)
      signal.removeEventListener('abort', done)
      h.onSettled.delete(done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    for (const [em, events] of sources) for (const e of events) em.on(e, done)
    signal.addEventListener('abort', done, { once: true })
    if (!h.downloadSettled) h.onSettled.add(done)
  })
}

/** A component (src/runtime/components.ts): start listens for challenges on the node key; stop gives every hosted core back. */
export class Hoster extends Resource {
  readonly name = 'hoster'
  private readonly ctx: HosterComponents
  private readonly opts: HosterInit
  private readonly states = new Map<number, MirrorState>()
  /** Ended agreements never tracked by this process, already checked for data left on disk. */
  private readonly orphansChecked = new Set<number>()
  /** Whether this process looked once through all its agreements, ended ones included, for data left on disk. */
  private orphansScanned = false
  /** One reference on the hosted core per agreement (the resource manager counts them). */
  private readonly handles = new Map<number, ResourceHandle<HostedCore>>()
  private readonly acquiring = new Map<number, Promise<ResourceHandle<HostedCore>>>()
  private server: DhtServer | null = null
  private responder: ChallengeResponder | null = null
  private offerPostedAt = 0
  private lastProgressAt = 0
  /**
   * Our agreements as of one state of the ledger view (`fork:version`). reconcile runs on every
   * ledger update and every poll; re-reading every agreement of the ledger each time (one Hyperbee
   * get per agreement ever made) kept each node's CPU busy and, with a dozen nodes on two cores,
   * starved the event loop. The view only changes through a new version or a truncation (fork).
   */
  private scanned: { at: string; agreements: Agreement[] } | null = null

  constructor(ctx: HosterComponents, opts: HosterInit) {
    super()
    this.ctx = ctx
    this.opts = opts
  }

  protected override async onopen(): Promise<void> {
    this.responder = new ChallengeResponder({
      keyPair: this.ctx.nodeKeyPair,
      params: (q) => challengeParams(this.ctx, q),
      core: (key) => this.hosted(key.toString('hex'))?.core ?? null,
      log: this.ctx.log.child('challenge'),
      ...(this.opts.responderTesting ? { testing: this.opts.responderTesting } : {})
    })
    const responder = this.responder
    // Challenges only: readers get hosted cores from the swarm, on each core's discovery key. Replicating
    // the whole store here as well opened a channel per local core (ledger cores included) on every
    // challenge connection, hundreds per epoch, for a peer that never reads them (docs/reliability.md).
    this.server = this.ctx.dht.createServer((conn: Connection) => {
      // expected when an attestor goes away mid-challenge; the responder judges nothing from it
      conn.on('error', (err: Error) => { this.ctx.log.debug('hoster: challenge connection error', { component: 'hoster', ...describeError(err) }) })
      responder.attach(conn)
    })
    await this.server.listen(this.ctx.nodeKeyPair)
  }

  async offer(opts: OfferOptions): Promise<void> {
    this.ctx.resources.quota.setCapacity(opts.capacityBytes)
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

  /** The open hosted core with this key (hex), if any. */
  private hosted(hex: string): HostedCore | undefined {
    return this.ctx.resources.peek<HostedCore>(coreResource(hex))
  }

  private progressOf(s: MirrorState): MirrorProgress {
    const h = this.hosted(s.coreKey)
    const have = h === undefined || h.dropped ? 0 : Math.min(h.core.contiguousLength, Math.max(s.length, h.core.length))
    let state: MirrorProgress['state']
    if (h?.dropped === true) state = 'dropped'
    else if (s.ledgerState === 'ended') state = 'ended'
    else if (s.exiting) state = 'exiting'
    else if (s.ledgerState === 'pinning') state = s.readyPostedAt > 0 ? 'ready-posted' : 'mirroring'
    else state = 'active'
    return { agreementId: s.agreementId, coreKey: s.coreKey, have, length: s.length, knownLength: h?.core.length ?? 0, state }
  }

  /** Brings local state in line with the ledger's agreements for this hoster; enqueues mirror and gc tasks. */
  async reconcile(kv: LedgerKV): Promise<void> {
    if (this.closing) return
    const me = this.ctx.account
    const quota = this.ctx.resources.quota
    const offer = await getOffer(kv, me)
    if (offer === null && this.opts.autoOffer !== undefined && this.ctx.ledger.writable && Date.now() - this.offerPostedAt > READY_RETRY_MS) {
      await this.offer(this.opts.autoOffer)
    } else if (offer !== null && offer.capacityBytes !== quota.capacityBytes) {
      try { quota.setCapacity(offer.capacityBytes) } catch (err) { this.ctx.emitWarning(toError(err)) }
    }
    if (offer === null && this.states.size === 0) return
    const mine = await this.myAgreements(kv, me)
    if (!this.orphansScanned) {
      // once per process: agreements that ended before it tracked them (the index holds live ones only)
      this.orphansScanned = true
      for (const a of await listAgreements(kv, { hoster: me })) {
        if (a.state === 'ended' && !this.states.has(a.id)) await this.collectOrphan(a, mine)
      }
    }
    for (const a of mine) {
      if (this.closing) return
      if (a.state === 'ended') {
        await this.onEnded(a, mine)
        continue
      }
      const t = await this.track(a, true)
      if (t !== null) await this.maybeMirror(t.s, a, t.h)
    }
  }

  /**
   * An ended agreement this process never tracked: it ended while the node was not running (or was
   * collected already). Its data may still be on disk: once per process, if the store holds the core and
   * no live agreement of this hoster uses it, a `gc` task collects it after the grace period like any other.
   */
  private async collectOrphan(a: Agreement, mine: readonly Agreement[]): Promise<void> {
    if (this.orphansChecked.has(a.id)) return
    this.orphansChecked.add(a.id)
    const key = taskKey.gc(a.id)
    if (this.ctx.tasks.pending(key)) return
    if (mine.some((x) => x.state !== 'ended' && x.coreKey === a.coreKey)) return
    if (!(await this.holdsBlocks(a.coreKey))) return
    this.ctx.log.info('an agreement ended while this node was away: collecting its core', { agreementId: a.id, coreKey: a.coreKey })
    await this.ctx.tasks.enqueue('gc', { agreementId: a.id, coreKey: a.coreKey }, { key, delayMs: this.opts.gcGraceMs })
  }

  /**
   * Whether the store still holds blocks of the core (its first or last block, or a contiguous prefix): a
   * core collected before keeps its tree but no blocks, so it is not collected again at every start.
   */
  private async holdsBlocks(coreKeyHex: string): Promise<boolean> {
    const key = Buffer.from(coreKeyHex, 'hex')
    if (!(await hasStoredCore(this.ctx.store, discoveryKey(key)))) return false
    const core = this.ctx.store.get({ key })
    try {
      await core.ready()
      if (core.length === 0) return false
      return core.contiguousLength > 0 || (await core.has(0)) || (await core.has(core.length - 1))
    } finally {
      await core.close()
    }
  }

  /** An ended agreement (e.g. `over-capacity`): stop fetching at once, collect after the grace period. */
  private async onEnded(a: Agreement, mine: readonly Agreement[]): Promise<void> {
    const s = this.states.get(a.id)
    if (s === undefined) return this.collectOrphan(a, mine)
    s.ledgerState = 'ended'
    s.exiting = false
    const h = this.hosted(s.coreKey)
    if (h !== undefined) this.refreshDownload(h)
    if (s.endedAt !== null) return
    const key = taskKey.gc(a.id)
    if (!this.ctx.tasks.pending(key)) await this.ctx.tasks.enqueue('gc', { agreementId: a.id, coreKey: a.coreKey }, { key, delayMs: this.opts.gcGraceMs })
    s.endedAt = Date.now()
    if (a.endReason === 'over-capacity') this.ctx.log.info('agreement ended over capacity; dropping it', { agreementId: a.id })
  }

  /**
   * Follows one live agreement: its state, its reservation, its core open (one reference) and
   * announced, the quota's usage. null when the quota never held it (nothing is opened then).
   */
  private async track(a: Agreement, emitProgress: boolean): Promise<{ s: MirrorState; h: HostedCore } | null> {
    let s = this.states.get(a.id)
    if (s === undefined) {
      s = {
        agreementId: a.id, coreKey: a.coreKey, publisher: a.publisher, length: a.length, byteLength: a.byteLength, fork: a.fork,
        ledgerState: a.state, exiting: a.exiting, readyPostedAt: 0, readyFor: '', sizeDisprovedFor: '', endedAt: null, lastHave: -1, reserved: false, withinQuota: false,
        fetching: false
      }
      this.states.set(a.id, s)
    }
    s.ledgerState = a.state
    s.exiting = a.exiting
    s.length = a.length
    s.byteLength = a.byteLength
    s.fork = a.fork
    s.endedAt = null // live again (a reorder undid an end): a later end schedules its collection anew
    this.reserve(s, a)
    if (!s.reserved) return null
    const h = (await this.handleFor(a.id, a.coreKey)).value
    if (this.states.get(a.id) !== s) return null // collected meanwhile
    if (!h.announced && !h.dropped) {
      // Stock readers find hosted cores on their normal discovery key.
      h.announced = true
      this.ctx.swarm.join(h.core.discoveryKey, { server: true, client: true })
    }
    this.refreshDownload(h)
    if (h.dropped) return { s, h }
    const have = h.core.contiguousLength
    if (emitProgress && have !== s.lastHave) {
      s.lastHave = have
      this.ctx.emitMirrorProgress(this.progressOf(s))
    }
    try {
      this.ctx.resources.quota.setUsed(String(a.id), Math.min(a.byteLength, h.core.length > 0 ? Math.floor((h.core.byteLength * Math.min(have, h.core.length)) / h.core.length) : 0))
    } catch { /* above the reservation: reserve() refused the growth and the download stops at the reservation */ }
    return { s, h }
  }

  /** `ready` was posted for this recorded state lately (it is posted again if the ledger still waits after that). */
  private readyRecently(s: MirrorState, a: Agreement): boolean {
    return s.readyFor === stateKey(a) && Date.now() - s.readyPostedAt <= READY_RETRY_MS
  }

  /** Enqueues the agreement's mirror task when the ledger waits for our `ready` and none is pending. */
  private async maybeMirror(s: MirrorState, a: Agreement, h: HostedCore): Promise<void> {
    if (h.dropped || !s.withinQuota || !awaitsReady(a) || this.readyRecently(s, a)) return
    const key = taskKey.mirror(a.id)
    if (this.ctx.tasks.pending(key)) return
    await this.ctx.tasks.enqueue('mirror', { agreementId: a.id }, { key })
  }

  /**
   * The `mirror` task: fetch the agreement's recorded state (its range is downloaded while this runs),
   * then post `ready`. Idempotent: it starts from the ledger view and what the local copy holds, so a
   * run resumed after a restart fetches only what is missing. No block received for `mirrorStallMs`
   * fails it (MirrorStalledError): the scheduler retries it after a backoff and its slot goes to another
   * mirror. It looks again when the download is done, the core or the ledger changes, or each second
   * (not on every block).
   */
  async mirror(p: NodeTasks['mirror'], signal: AbortSignal): Promise<void> {
    let fetching: MirrorState | null = null
    let lastReceived = -1
    let progressAt = Date.now()
    try {
      for (;;) {
        signal.throwIfAborted()
        const a = await getAgreement(this.ctx.ledger.kv, p.agreementId)
        if (this.closing || a === null || a.hoster !== this.ctx.account || a.state === 'ended') return
        const t = await this.track(a, false)
        if (t === null) return
        const { s, h } = t
        if (h.dropped || !s.withinQuota || !awaitsReady(a)) return
        if (fetching !== s) {
          if (fetching !== null) fetching.fetching = false
          fetching = s
          s.fetching = true
          this.refreshDownload(h)
        }
        if (holds(h, a)) {
          if (this.readyRecently(s, a)) return
          if (this.ctx.ledger.writable) {
            if (await this.postReady(s, a, h.core)) return
            // a false declared size was shown instead: the corrected record wakes this loop again
          }
          progressAt = Date.now() // waiting to be writable (right after a restart), not stalled
        } else if (h.received !== lastReceived) {
          lastReceived = h.received
          progressAt = Date.now()
        } else if (Date.now() - progressAt > (this.opts.mirrorStallMs ?? DEFAULT_MIRROR_STALL_MS)) {
          throw new MirrorStalledError(a.id, h.core.contiguousLength, a.length)
        }
        await nextEvent(h, [[h.core, ['append', 'truncate']], [this.ctx.ledger, ['update']]], MIRROR_RECHECK_MS, signal)
      }
    } finally {
      if (fetching !== null) {
        fetching.fetching = false
        const h = this.hosted(fetching.coreKey)
        if (h !== undefined) this.refreshDownload(h)
      }
    }
  }

  /**
   * Posts `ready` for the recorded state, unless the copy shows the publisher's declared byte length
   * wrong: then it posts `prove-size` (the ledger corrects the record) and returns false.
   */
  private async postReady(s: MirrorState, a: Agreement, core: Core): Promise<boolean> {
    const disproof = await sizeDisproofOf(core, { requestId: a.requestId, coreKey: Buffer.from(a.coreKey, 'hex'), length: a.length, byteLength: a.byteLength, fork: a.fork })
    if (disproof !== null && s.sizeDisprovedFor !== stateKey(a)) {
      s.sizeDisprovedFor = stateKey(a)
      this.ctx.log.warn('the publisher declared a false byte length: proving the signed size', { agreementId: a.id, declared: a.byteLength, length: a.length })
      await this.ctx.append(disproof)
      return false
    }
    await this.ctx.append({ type: 'ready', time: Date.now(), agreementId: a.id, length: a.length, byteLength: a.byteLength, fork: a.fork })
    s.readyFor = stateKey(a)
    s.readyPostedAt = Date.now()
    this.ctx.log.info('ready', { agreementId: a.id, length: a.length, fork: a.fork, state: a.state })
    return true
  }

  /**
   * The `gc` task (enqueued when the agreement is seen ended, run after the grace period): clears the
   * core once the end is final (EndNotFinalError until then: retried after a backoff). After a restart
   * the core is opened again just to be cleared.
   */
  async gc(p: NodeTasks['gc']): Promise<void> {
    const live = await getAgreement(this.ctx.ledger.kv, p.agreementId)
    if (live !== null && live.state !== 'ended') return // a reorder undid the end: nothing to collect
    if (!(await this.endedForGood(p.agreementId))) throw new EndNotFinalError(p.agreementId)
    await this.collect(p.agreementId, p.coreKey)
  }

  private async myAgreements(kv: LedgerKV, me: string): Promise<Agreement[]> {
    const view = this.ctx.ledger.view
    // Taken before the scan: if the view moves on meanwhile, the next call scans again.
    const at = `${view.core.fork}:${view.version}`
    if (this.scanned?.at === at) return this.scanned.agreements
    // our live agreements by the ledger's per-hoster index, plus the ones we follow that left it (ended:
    // collected after the grace period); never every agreement of the ledger
    const agreements = await hosterAgreements(kv, me)
    const live = new Set(agreements.map((a) => a.id))
    for (const id of this.states.keys()) {
      if (live.has(id)) continue
      const a = await getAgreement(kv, id)
      if (a !== null) agreements.push(a)
    }
    this.scanned = { at, agreements }
    return agreements
  }

  /**
   * Holds the agreement's recorded byte length in the quota. A growth the quota refuses is not fetched
   * (the download stays at what was reserved); the ledger ends such an agreement `over-capacity`.
   */
  private reserve(s: MirrorState, a: Agreement): void {
    const id = String(a.id)
    const q = this.ctx.resources.quota
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

  /** The agreement's reference on its core: opened through the resource manager on first use. */
  private handleFor(agreementId: number, coreKey: string): Promise<ResourceHandle<HostedCore>> {
    const have = this.handles.get(agreementId)
    if (have !== undefined) return Promise.resolve(have)
    let p = this.acquiring.get(agreementId)
    if (p === undefined) {
      p = (async () => {
        try {
          const handle = await this.ctx.resources.acquire(coreResource(coreKey), () => this.openHosted(coreKey))
          handle.value.agreements.add(agreementId)
          this.handles.set(agreementId, handle)
          return handle
        } finally {
          this.acquiring.delete(agreementId)
        }
      })()
      this.acquiring.set(agreementId, p)
    }
    return p
  }

  /** Opens a session on a hosted core (the resource manager's opener; closed with the last reference). */
  private async openHosted(hex: string): Promise<HostedCore> {
    const core = this.ctx.store.get({ key: Buffer.from(hex, 'hex') })
    const entry: HostedCore = {
      key: hex, core, download: null, downloadEnd: 0, downloadFork: -1, downloadSettled: true, onSettled: new Set(), agreements: new Set(), dropped: false, updating: false, announced: false,
      received: 0,
      onDownload: () => this.onDownload(entry),
      onBlock: () => { entry.received++ },
      close: async () => {
        this.stopFetching(entry)
        await core.close()
      }
    }
    try {
      await core.ready()
    } catch (err) {
      await core.close().catch((closeErr: unknown) => this.ctx.log.debug('close failed', { error: toError(closeErr).message }))
      throw err
    }
    core.on('download', entry.onBlock)
    core.on('download', entry.onDownload)
    core.on('append', entry.onDownload)
    core.on('truncate', entry.onDownload)
    return entry
  }

  /**
   * Fetches [0, n) where n is the largest recorded length among the agreements on this core that have a
   * running mirror task and that the quota holds: never past what the ledger recorded (and so never past
   * the offered capacity). A rewrite (a higher recorded fork than the local one) asks the peers for the
   * new head; replication truncates the local copy and the range is fetched again.
   */
  private refreshDownload(h: HostedCore): void {
    if (h.dropped || h.core.closed) return
    let end = 0
    let fork = 0
    for (const id of h.agreements) {
      const s = this.states.get(id)
      if (s === undefined || !s.fetching || s.ledgerState === 'ended' || !s.withinQuota) continue
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
    const d = end > 0 ? h.core.download({ start: 0, end }) : null
    h.download = d
    h.downloadSettled = d === null
    if (d !== null) {
      const settled = (): void => {
        if (h.download !== d) return
        h.downloadSettled = true
        for (const wake of [...h.onSettled]) wake()
      }
      d.done().then(settled, settled)
    }
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

  /**
   * Garbage-collects an ended agreement: frees its reservation and gives back its reference on the core;
   * the last reference clears the whole core (no other agreement uses it) and closes it.
   */
  private async collect(agreementId: number, coreKey: string): Promise<void> {
    this.states.delete(agreementId)
    this.ctx.resources.quota.release(String(agreementId))
    const handle = await this.handleFor(agreementId, coreKey)
    this.handles.delete(agreementId)
    const h = handle.value
    h.agreements.delete(agreementId)
    if (this.ctx.resources.refs(coreResource(coreKey)) === 1) {
      this.stopFetching(h)
      try {
        if (h.announced) {
          h.announced = false
          await this.ctx.swarm.leave(h.core.discoveryKey)
        }
        if (h.core.length > 0) await h.core.clear(0, h.core.length)
      } catch (err) {
        this.ctx.emitWarning(toError(err))
      }
    }
    await handle.release()
    this.ctx.log.info('collected', { agreementId, coreKey })
  }

  private stopFetching(h: HostedCore): void {
    h.download?.destroy()
    h.download = null
    h.downloadSettled = true
    h.downloadEnd = 0
    h.core.off('download', h.onBlock)
    h.core.off('download', h.onDownload)
    h.core.off('append', h.onDownload)
    h.core.off('truncate', h.onDownload)
  }

  /**
   * Demo/test hook: a cheater drops its whole copy (no `indices`), or the given blocks (even indices only:
   * hypercore 11.37.1 corrupts the tree when single odd blocks are cleared), and stops mirroring.
   */
  async dropCopy(coreKeyHex: string, indices?: readonly number[]): Promise<boolean> {
    const h = this.hosted(coreKeyHex)
    if (h === undefined || h.dropped) return false
    h.dropped = true
    this.stopFetching(h)
    if (h.announced) {
      h.announced = false
      await this.ctx.swarm.leave(h.core.discoveryKey).catch((err: unknown) => this.ctx.log.debug('leave failed', { error: toError(err).message }))
    }
    if (indices === undefined) {
      if (h.core.length > 0) await h.core.clear(0, h.core.length)
    } else {
      for (const i of indices) await h.core.clear(i, i + 1)
    }
    return true
  }

  /** Stops answering challenges and gives back every reference on hosted cores (closing them). */
  protected override async onclose(): Promise<void> {
    this.responder?.close()
    await this.server?.close().catch((err: unknown) => { this.ctx.log.warn('hoster: closing the challenge server failed', { component: 'hoster', ...describeError(err) }) })
    // an acquire that failed was reported by its reconcile; here only its end is awaited
    await Promise.allSettled([...this.acquiring.values()])
    for (const [id, handle] of this.handles) {
      this.handles.delete(id)
      handle.value.agreements.delete(id)
      await handle.release().catch((err: unknown) => { this.ctx.log.warn('hoster: giving back a hosted core failed', { component: 'hoster', agreementId: id, ...describeError(err) }) })
    }
  }
}
