// The per-op context: typed access to records through the write overlay, and the shared state
// transitions (ending an agreement, creating one) that several ops and the epoch logic use.
import { InvariantError, RejectError } from './errors.js'
import type { RejectCodeValue } from './errors.js'
import type { Effects, LedgerEvent } from './events.js'
import type { Account, Agreement, EndReason, FreshQueue, Hex, HostingRequest, NetworkMeta, Offer } from './state.js'
import { keys } from './state.js'
import { unindexAgreement, unindexRequest } from './agreement-index.js'
import type { IdSet, Tx } from './tx.js'
import { INITIAL_ALPHA, INITIAL_BETA } from './constants.js'

export function newAccount(id: Hex, credit: bigint, epoch: number): Account {
  return {
    id,
    writer: true,
    indexer: false,
    balance: 0n,
    credit,
    lines: {},
    sponsoring: {},
    given: 0n,
    received: 0n,
    heldBack: 0n,
    alpha: INITIAL_ALPHA,
    beta: INITIAL_BETA,
    passedEpochs: 0,
    warnings: [],
    joinedEpoch: epoch,
    admissionSeq: 0,
    admitEpoch: 0,
    admitCount: 0,
    commit: '',
    commitEpoch: 0,
    withheld: 0,
    attestAgreed: 0,
    attestDisagreed: 0,
    attestRefused: 0,
    attestAlpha: INITIAL_ALPHA,
    attestBeta: INITIAL_BETA,
    lastFailEpoch: 0,
    lastTickEpoch: epoch,
    silentRemovedEpoch: 0,
    sponsor: '',
    lineage: '',
    provenBytes: 0,
    vetEpochs: 0,
    vetLastEpoch: 0,
    vetLineages: [],
    lockedFrom: {}
  }
}

/** Refuse the op: `code` is what the CLI, the API and the join protocol branch on; `reason` is for people. */
export function reject(code: RejectCodeValue, reason: string): never {
  throw new RejectError(code, reason)
}

/** The challenged state becomes the recorded one (an ack, or the growth grace ran out). */
export function acknowledge(agr: Agreement): void {
  agr.challengedLength = agr.length
  agr.challengedByteLength = agr.byteLength
  agr.challengedFork = agr.fork
  agr.graceUntil = 0
}

export function addWarning(a: Account, w: string): void {
  if (!a.warnings.includes(w)) {
    a.warnings.push(w)
    a.warnings.sort()
  }
}

export function clearWarning(a: Account, w: string): void {
  const i = a.warnings.indexOf(w)
  if (i >= 0) a.warnings.splice(i, 1)
}

export class Ctx {
  readonly tx: Tx
  readonly writer: Hex
  readonly effects: Effects = { membership: [], events: [] }
  /**
   * The contract version whose rules this op runs under: the version in force when the op started
   * (upgrade.ts). An op that starts an upgrade's fromEpoch still runs the old rules to its end.
   */
  version = 1
  private metaRec: NetworkMeta | null = null

  constructor(tx: Tx, writer: Hex) {
    this.tx = tx
    this.writer = writer
  }

  async loadMeta(): Promise<NetworkMeta | null> {
    this.metaRec = await this.tx.get<NetworkMeta>(keys.meta)
    return this.metaRec
  }

  get meta(): NetworkMeta {
    if (this.metaRec === null) throw new InvariantError('network meta not loaded')
    return this.metaRec
  }

  setMeta(m: NetworkMeta): void {
    this.metaRec = m
    this.tx.set(keys.meta, m)
  }

  touchMeta(): void {
    this.tx.set(keys.meta, this.meta)
  }

  event(e: LedgerEvent): void {
    this.effects.events.push(e)
  }

  account(hex: Hex): Promise<Account | null> {
    return this.tx.get<Account>(keys.account(hex))
  }

  async mustAccount(hex: Hex): Promise<Account> {
    const a = await this.account(hex)
    if (a === null) throw new InvariantError(`missing account ${hex}`)
    return a
  }

  putAccount(a: Account): void {
    this.tx.set(keys.account(a.id), a)
  }

  offer(hex: Hex): Promise<Offer | null> {
    return this.tx.get<Offer>(keys.offer(hex))
  }

  putOffer(o: Offer): void {
    this.tx.set(keys.offer(o.hoster), o)
  }

  request(id: number): Promise<HostingRequest | null> {
    return this.tx.get<HostingRequest>(keys.request(id))
  }

  putRequest(r: HostingRequest): void {
    this.tx.set(keys.request(r.id), r)
  }

  agreement(id: number): Promise<Agreement | null> {
    return this.tx.get<Agreement>(keys.agreement(id))
  }

  async mustAgreement(id: number): Promise<Agreement> {
    const a = await this.agreement(id)
    if (a === null) throw new InvariantError(`missing agreement ${id}`)
    return a
  }

  putAgreement(a: Agreement): void {
    this.tx.set(keys.agreement(a.id), a)
  }

  /**
   * Agreements not ended, version 1: one list, `meta/live`, rewritten whole by every op that creates or ends
   * one. Version 2 keeps one key per agreement (`live/<id:12>`): use addLive, deleteLive, liveIds.
   */
  live(): Promise<IdSet> {
    return this.tx.idSet(keys.live)
  }

  async addLive(id: number): Promise<void> {
    if (this.version >= 2) this.tx.set(keys.liveEntry(id), 1)
    else (await this.live()).add(id)
  }

  async deleteLive(id: number): Promise<void> {
    if (this.version >= 2) this.tx.delete(keys.liveEntry(id))
    else (await this.live()).delete(id)
  }

  /** The live agreements' ids, ascending (version 2: a range over `live/`). */
  async liveIds(): Promise<number[]> {
    if (this.version < 2) return (await this.live()).sorted()
    return (await this.tx.scan<number>(keys.livePrefix)).map(([k]) => Number(k.slice(keys.livePrefix.length)))
  }

  /** Requests with a slot that may need a hoster. */
  pending(): Promise<IdSet> {
    return this.tx.idSet(keys.pending)
  }

  /** The queue of requests pending since the last round that tried them (rounds.ts). */
  async fresh(): Promise<FreshQueue> {
    return (await this.tx.get<FreshQueue>(keys.fresh)) ?? { next: 0, entries: [] }
  }

  /**
   * A request has a slot to fill: pending (every strong epoch start tries it) and fresh, at a new queue
   * position (the next round whose `upTo` is past it tries it).
   */
  async markPending(id: number): Promise<void> {
    ;(await this.pending()).add(id)
    const q = await this.fresh()
    q.entries = q.entries.filter(([r]) => r !== id)
    q.entries.push([id, q.next++])
    this.tx.set(keys.fresh, q)
  }

  /** Requests not cancelled or expired. */
  open(): Promise<IdSet> {
    return this.tx.idSet(keys.open)
  }

  /** End an agreement: free the hoster's capacity, settle its held-back share, reopen its slot. */
  async endAgreement(agr: Agreement, reason: EndReason): Promise<void> {
    if (agr.state === 'ended') return
    agr.state = 'ended'
    agr.endReason = reason
    agr.endedEpoch = this.meta.epoch
    this.putAgreement(agr)
    await this.deleteLive(agr.id)
    unindexAgreement(this, agr)

    const offer = await this.offer(agr.hoster)
    if (offer !== null) {
      offer.usedBytes = Math.max(0, offer.usedBytes - agr.byteLength)
      offer.agreements = offer.agreements.filter((id) => id !== agr.id)
      this.putOffer(offer)
    }

    if (agr.held > 0n) {
      const hoster = await this.mustAccount(agr.hoster)
      hoster.heldBack -= agr.held
      if (reason === 'failed') {
        // forfeited to the publisher: the hoster lost the data
        const pub = await this.mustAccount(agr.publisher)
        pub.balance += agr.held
        // what was locked on the hoster goes back with it (credit.ts), so a forfeit never unlocks anything
        let move = agr.held
        for (const drawer of Object.keys(hoster.lockedFrom).sort()) {
          if (move === 0n) break
          const v = hoster.lockedFrom[drawer] ?? 0n
          const take = v < move ? v : move
          move -= take
          if (v - take === 0n) delete hoster.lockedFrom[drawer]
          else hoster.lockedFrom[drawer] = v - take
          if (drawer !== pub.id) pub.lockedFrom[drawer] = (pub.lockedFrom[drawer] ?? 0n) + take
        }
        this.putAccount(pub)
      } else {
        hoster.balance += agr.held
      }
      this.putAccount(hoster)
      agr.held = 0n
    }

    const req = await this.request(agr.requestId)
    if (req !== null) {
      if (agr.replaces !== 0) {
        const old = await this.agreement(agr.replaces)
        if (old !== null && old.replacedBy === agr.id) {
          old.replacedBy = 0
          this.putAgreement(old)
        }
      }
      const row = req.slots[agr.coreIndex]
      if (row !== undefined && row[agr.replica] === agr.id) {
        if (agr.replacedBy !== 0) {
          const next = await this.mustAgreement(agr.replacedBy)
          next.replaces = 0
          this.putAgreement(next)
          row[agr.replica] = next.id
        } else {
          row[agr.replica] = 0
        }
      }
      if ((reason === 'failed' || reason === 'not-ready') && !req.failedHosters.includes(agr.hoster)) req.failedHosters.push(agr.hoster)
      if (req.state === 'queued' || req.state === 'active') await this.markPending(req.id)
      this.putRequest(req)
    }
    this.event({ type: 'agreement-ended', agreementId: agr.id, hoster: agr.hoster, reason })
  }

  /** End a request and every agreement of it that is not ended. */
  async endRequest(req: HostingRequest, state: 'cancelled' | 'expired'): Promise<void> {
    req.state = state
    this.putRequest(req)
    ;(await this.open()).delete(req.id)
    unindexRequest(this, req)
    ;(await this.pending()).delete(req.id)
    for (const id of req.agreements) {
      const a = await this.agreement(id)
      if (a !== null && a.state !== 'ended') await this.endAgreement(a, state)
    }
    // endAgreement re-adds to pending only for open requests; make sure it is gone
    ;(await this.pending()).delete(req.id)
    const q = await this.tx.get<FreshQueue>(keys.fresh)
    if (q !== null && q.entries.some(([r]) => r === req.id)) {
      q.entries = q.entries.filter(([r]) => r !== req.id)
      this.tx.set(keys.fresh, q)
    }
    this.event({ type: 'request-ended', requestId: req.id, state })
  }
}
