// Hoster: posts its offer (with its node key), mirrors what it is matched with — live, as the core
// grows —, announces each hosted core on its normal discovery key so stock readers find it, posts
// `ready` once it holds the recorded length, answers challenges on a hyperdht server listening on the
// node key (beside replication), and garbage-collects ended agreements after a grace period (whole
// cores only: hypercore 11.37.1 corrupts the tree when single odd blocks are cleared).
import { getAgreement, getOffer, listAgreements, type Agreement, type LedgerKV } from '../ledger/index.js'
import type { Connection, Core, Download, DhtServer } from '../stack/index.js'
import { ChallengeResponder } from '../protocol/index.js'
import type { RoleContext } from './context.js'
import { toError } from './context.js'
import type { MirrorProgress, OfferOptions } from './types.js'

export interface HosterOptions {
  /** Offer this once writable if the ledger has no offer from us. */
  autoOffer?: OfferOptions
  gcGraceMs: number
}

interface HostedCore {
  key: string
  core: Core
  download: Download | null
  /** Agreement ids (live or in grace) using this core. */
  agreements: Set<number>
  dropped: boolean
  onDownload: () => void
}

interface MirrorState {
  agreementId: number
  coreKey: string
  publisher: string
  length: number
  byteLength: number
  ledgerState: Agreement['state']
  exiting: boolean
  readyPostedAt: number
  endedAt: number | null
  lastHave: number
  reserved: boolean
}

const READY_RETRY_MS = 5000
const PROGRESS_INTERVAL_MS = 200

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
      lookup: (key) => {
        const h = this.cores.get(key.toString('hex'))
        return h === undefined ? null : h.core
      },
      log: this.ctx.log.child('challenge')
    })
    const responder = this.responder
    const store = this.ctx.store
    this.server = this.ctx.dht.createServer((conn: Connection) => {
      conn.on('error', () => { /* attestor went away */ })
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
    const agreements = await this.myAgreements(kv, me)
    for (const a of agreements) {
      if (this.closed) return
      let s = this.states.get(a.id)
      if (a.state === 'ended') {
        if (s === undefined) continue // ended before we ever saw it (or already collected)
        if (s.endedAt === null) s.endedAt = Date.now()
        s.ledgerState = 'ended'
        s.exiting = false
        if (Date.now() - s.endedAt >= this.opts.gcGraceMs && (await this.endedForGood(a.id))) await this.collect(s)
        continue
      }
      if (s === undefined) {
        s = {
          agreementId: a.id, coreKey: a.coreKey, publisher: a.publisher, length: a.length, byteLength: a.byteLength,
          ledgerState: a.state, exiting: a.exiting, readyPostedAt: 0, endedAt: null, lastHave: -1, reserved: false
        }
        this.states.set(a.id, s)
      }
      s.ledgerState = a.state
      s.exiting = a.exiting
      this.reserve(s, a)
      s.length = a.length
      s.byteLength = a.byteLength
      if (!s.reserved) continue
      const h = await this.ensureCore(s)
      if (h.dropped) continue
      const have = h.core.contiguousLength
      if (have !== s.lastHave) {
        s.lastHave = have
        this.ctx.emitMirrorProgress(this.progressOf(s))
      }
      try {
        this.ctx.quota.setUsed(String(a.id), Math.min(a.byteLength, h.core.length > 0 ? Math.floor((h.core.byteLength * Math.min(have, h.core.length)) / h.core.length) : 0))
      } catch { /* a grow beyond the reservation: reported by reserve() */ }
      if (a.state === 'pinning' && have >= a.length && Date.now() - s.readyPostedAt > READY_RETRY_MS && this.ctx.ledger.writable) {
        s.readyPostedAt = Date.now()
        await this.ctx.append({ type: 'ready', time: Date.now(), agreementId: a.id, length: a.length, byteLength: a.byteLength })
        this.ctx.log.info('ready', { agreementId: a.id, length: a.length })
      }
    }
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
    } catch (err) {
      this.ctx.emitWarning(new Error(`quota: agreement ${a.id}: ${toError(err).message}`))
    }
  }

  private async ensureCore(s: MirrorState): Promise<HostedCore> {
    let h = this.cores.get(s.coreKey)
    if (h === undefined) {
      const core = this.ctx.store.get({ key: Buffer.from(s.coreKey, 'hex') })
      const entry: HostedCore = {
        key: s.coreKey, core, download: null, agreements: new Set(), dropped: false,
        onDownload: () => this.onDownload(entry)
      }
      h = entry
      this.cores.set(s.coreKey, entry)
      await core.ready()
      core.on('download', entry.onDownload)
      core.on('append', entry.onDownload)
      // Stock readers find hosted cores on their normal discovery key.
      this.ctx.swarm.join(core.discoveryKey, { server: true, client: true })
      // Live: end -1 keeps downloading as the core grows.
      entry.download = core.download({ start: 0, end: -1 })
      core.update({ wait: true }).catch(() => undefined)
    }
    h.agreements.add(s.agreementId)
    return h
  }

  private onDownload(h: HostedCore): void {
    const now = Date.now()
    const complete = [...h.agreements].some((id) => {
      const s = this.states.get(id)
      return s !== undefined && s.ledgerState === 'pinning' && s.readyPostedAt === 0 && h.core.contiguousLength >= s.length
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
    h.download?.destroy()
    h.core.off('download', h.onDownload)
    h.core.off('append', h.onDownload)
    try {
      await this.ctx.swarm.leave(h.core.discoveryKey)
      if (h.core.length > 0) await h.core.clear(0, h.core.length)
    } catch (err) {
      this.ctx.emitWarning(toError(err))
    }
    await h.core.close().catch(() => undefined)
    this.ctx.log.info('collected', { agreementId: s.agreementId, coreKey: s.coreKey })
  }

  /** Demo/test hook: a cheater drops its whole copy and stops mirroring. */
  async dropCopy(coreKeyHex: string): Promise<boolean> {
    const h = this.cores.get(coreKeyHex)
    if (h === undefined || h.dropped) return false
    h.dropped = true
    h.download?.destroy()
    h.download = null
    h.core.off('download', h.onDownload)
    h.core.off('append', h.onDownload)
    await this.ctx.swarm.leave(h.core.discoveryKey).catch(() => undefined)
    if (h.core.length > 0) await h.core.clear(0, h.core.length)
    return true
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.responder?.close()
    await this.server?.close().catch(() => undefined)
    for (const h of this.cores.values()) {
      h.download?.destroy()
      h.core.off('download', h.onDownload)
      h.core.off('append', h.onDownload)
      await h.core.close().catch(() => undefined)
    }
    this.cores.clear()
  }
}
