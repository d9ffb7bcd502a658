// What happens when epoch e begins (a majority of indexers ticked e): settle e−1, expire requests,
// end agreements whose hoster never posted `ready` in time, match pending requests (including repairs), pause/resume by credit, and select attestors for e.
// Linear in the live agreements; per-epoch attestation records make settling O(n).
import { InvariantError } from './errors.js'
import { ATTEST_RETENTION_EPOCHS, ATTESTOR_MIN_FAILURES, ATTESTOR_MIN_SCORE_PPM, BOOTSTRAP_VETTED_HOSTERS, GROWTH_ALLOWANCE_BYTES, PROVEN_GROWTH_FACTOR, RECENT_FAILURE_EPOCHS, VET_LINEAGES_KEPT, VET_MIN_LINEAGES } from './constants.js'
import { allocateLocks, founderCredit } from './credit.js'
import { accountsById, listOfferIds } from './account-index.js'
import type { RecordScanner } from './account-index.js'
import { indexAgreement } from './agreement-index.js'
import { auditKey, auditTier, recordAuditEpoch, samplesForTier } from './audit.js'
import type { AuditRecord, AuditTier } from './audit.js'
import { byteSeconds, debit, decideOutcome, epochCost, failureObservation, observe, observeAttestor, splitPayment } from './accounting.js'
import { nextBeacon } from './beacon.js'
import type { Ctx } from './context.js'
import { acknowledge, addWarning, clearWarning } from './context.js'
import { removeSilentIndexers } from './indexers.js'
import type { HosterCandidate, SlotConstraints } from './selection.js'
import { attestorPrng, groupOf, HosterPool, matchPrng, provenFreeBytes, selectAttestors } from './selection.js'
import type { Account, Agreement, Attestation, EpochRecord, EpochSummary, FreshQueue, Hex, HostingRequest, NetworkMeta, Offer } from './state.js'
import type { Prng } from '../proof/prng.js'
import { attestScorePpm, available, keys, lineageOf, majority, reputationPpm } from './state.js'

/**
 * Vetted (DESIGN §3): at least unvettedEpochs epochs — each counted once, however many agreements passed in
 * it — with a pass for a publisher of another lineage, and passes for at least VET_MIN_LINEAGES distinct
 * publisher lineages. unvettedEpochs 0 vets everyone.
 */
export function isVetted(a: Pick<Account, 'vetEpochs' | 'vetLineages'>, p: { unvettedEpochs: number }): boolean {
  if (p.unvettedEpochs === 0) return true
  return a.vetEpochs >= p.unvettedEpochs && a.vetLineages.length >= VET_MIN_LINEAGES
}

/** A pass by `hoster` for `publisher` in epoch e: proven work for vetting when the lineages differ. */
function creditVetting(hoster: Account, publisher: Account, e: number): void {
  const pl = lineageOf(publisher)
  if (pl === lineageOf(hoster)) return
  if (!hoster.vetLineages.includes(pl) && hoster.vetLineages.length < VET_LINEAGES_KEPT) {
    hoster.vetLineages.push(pl)
    hoster.vetLineages.sort()
  }
  if (hoster.vetLastEpoch !== e) {
    hoster.vetLastEpoch = e
    hoster.vetEpochs++
  }
}

/** Lower median of integers. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b)
  return s[Math.floor((s.length - 1) / 2)] ?? 0
}

/**
 * Epoch e starts (a strict majority of the indexers ticked it). The beacon: every commitment due in e is
 * opened by the starting ticks or recorded as withheld now (whether or not its author ticked), so no
 * commitment lapses silently. An epoch whose beacon holds fewer reveals than a strict majority of the
 * indexers is WEAK: fewer than a majority of secrets went in, so a minority (or nobody) could know the
 * beacon in advance; it does no matching and no attestor selection (its agreements settle with no
 * outcome). Epoch 1 is always weak (no commitment can be due before the first tick).
 */
export async function startEpoch(ctx: Ctx, rec: EpochRecord): Promise<void> {
  const e = rec.epoch
  const prev = await ctx.tx.get<EpochRecord>(keys.epoch(e - 1))
  if (prev === null) throw new InvariantError(`missing epoch ${e - 1}`)
  const indexers = [...ctx.meta.indexers]
  for (const id of indexers) {
    const a = await ctx.mustAccount(id)
    if (a.commit === '' || a.commitEpoch > e) continue
    // due in e (or before) and not opened by the ticks that start e: it lapses, on the record
    a.withheld++
    addWarning(a, 'withheld-reveal')
    a.commit = ''
    a.commitEpoch = 0
    ctx.putAccount(a)
    if (!rec.withheld.includes(id)) rec.withheld.push(id)
  }
  const reveals = rec.ticks.filter((t) => t.reveal !== '').map((t) => Buffer.from(t.reveal, 'hex'))
  rec.beacon = nextBeacon(Buffer.from(prev.beacon, 'hex'), reveals).toString('hex')
  rec.time = Math.max(prev.time, median(rec.ticks.map((t) => t.time)))
  rec.startTicks = rec.ticks.length
  rec.indexerCount = indexers.length
  rec.reveals = reveals.length
  rec.weak = reveals.length < majority(indexers.length)
  rec.started = true
  ctx.meta.epoch = e
  ctx.touchMeta()

  if (e - 1 >= 1) await settle(ctx, prev)
  await expire(ctx, e)
  await timeoutPinning(ctx, e)
  await removeSilentIndexers(ctx, e)
  if (!rec.weak) await match(ctx, rec)
  await prepareEpoch(ctx, rec)
  ctx.tx.set(keys.epoch(e), rec)
  if (ctx.version >= 2) {
    ctx.tx.set(keys.beacon(e), rec.beacon)
    ctx.tx.delete(keys.beacon(e - 1))
  }
  ctx.event({ type: 'epoch-started', epoch: e, time: rec.time, beacon: rec.beacon, attested: rec.attested.length, weak: rec.weak, withheld: rec.withheld.length })
}

async function settle(ctx: Ctx, rec: EpochRecord): Promise<void> {
  const p = ctx.meta.params
  const summary: EpochSummary = { settled: 0, passed: 0, failed: 0, noOutcome: 0, paidMicro: 0n, ended: 0 }
  // bytes each hoster passed challenges for in this epoch: its proven capacity is the largest such sum
  const provenNow = new Map<Hex, number>()
  // adaptive audits (version 2): hosters with a pass for another lineage, and with a non-pass result or failure
  const audited = ctx.version >= 2
  const cleanPass = new Set<Hex>()
  const suspect = new Set<Hex>()
  for (const id of rec.attested) {
    const att = await ctx.tx.get<Attestation>(keys.attest(rec.epoch, id))
    if (att === null) continue
    const agr = await ctx.agreement(id)
    if (agr === null || agr.state === 'ended') continue
    summary.settled++
    // a refused result counts as no report (it was already counted against its attestor)
    const d = decideOutcome(att.results.map((r) => (r === null || r.refused !== '' ? null : r.outcome)))
    if (audited && att.results.some((r) => r !== null && r.refused === '' && r.outcome !== 'pass')) suspect.add(agr.hoster)
    const winners: Account[] = []
    for (const i of d.winners) {
      const a = await ctx.mustAccount(att.attestors[i] as Hex)
      a.attestAgreed++
      observeAttestor(a, 'success', p.reputationDecayPpm)
      ctx.putAccount(a)
      winners.push(a)
    }
    for (const i of d.losers) {
      const a = await ctx.mustAccount(att.attestors[i] as Hex)
      a.attestDisagreed++
      observeAttestor(a, 'failure', p.reputationDecayPpm)
      ctx.putAccount(a)
    }
    if (d.outcome === null) {
      summary.noOutcome++
      continue
    }
    const hoster = await ctx.mustAccount(agr.hoster)
    ctx.putAccount(hoster)
    ctx.putAgreement(agr)
    if (d.outcome === 'pass') {
      const pub = await ctx.mustAccount(agr.publisher)
      const cost = epochCost(att.byteLength, p.epochSeconds, p.priceMicroPerGiBHour)
      const db = debit(pub, cost, founderCredit(ctx.meta, pub.id))
      ctx.putAccount(pub)
      if (!db.ok) {
        // the publisher spent what was reserved at the start of the epoch: unpaid, paused
        agr.state = 'paused'
        agr.pausedStreak = 1
        addWarning(pub, 'out-of-credit')
        ctx.event({ type: 'agreement-paused', agreementId: agr.id, publisher: agr.publisher })
        summary.noOutcome++
        continue
      }
      for (const [sponsor, amount] of db.fromLines) {
        const s = await ctx.mustAccount(sponsor)
        const left = (s.sponsoring[pub.id] ?? 0n) - amount
        if (left > 0n) s.sponsoring[pub.id] = left
        else delete s.sponsoring[pub.id]
        ctx.putAccount(s)
      }
      const split = splitPayment(cost, p.hosterSharePpm, p.heldBackPpm, winners.length)
      hoster.balance += split.hosterNow
      hoster.heldBack += split.held
      agr.held += split.held
      winners.forEach((w, j) => {
        w.balance += split.attestors[j] ?? 0n
      })
      // favor out of unrepaid welcome credit stays locked on its payees (credit.ts)
      if (db.locks.length > 0) allocateLocks(db.locks, [[hoster, split.hosterNow + split.held], ...winners.map((w, j): [Account, bigint] => [w, split.attestors[j] ?? 0n])])
      provenNow.set(hoster.id, (provenNow.get(hoster.id) ?? 0) + att.byteLength)
      creditVetting(hoster, pub, rec.epoch)
      if (audited && lineageOf(pub) !== lineageOf(hoster)) cleanPass.add(hoster.id)
      const bs = byteSeconds(att.byteLength, p.epochSeconds)
      hoster.given += bs
      pub.received += bs
      observe(hoster, 'success', p.reputationDecayPpm)
      hoster.passedEpochs++
      clearWarning(hoster, 'unreachable')
      clearWarning(hoster, 'slow')
      agr.passes++
      agr.paidMicro += cost
      agr.failStreak = 0
      agr.warning = null
      agr.cleanStreak++
      if (agr.cleanStreak >= p.heldBackEpochs) {
        hoster.balance += agr.held
        hoster.heldBack -= agr.held
        agr.held = 0n
        agr.cleanStreak = 0
      }
      summary.passed++
      summary.paidMicro += cost
    } else {
      agr.fails++
      agr.failStreak++
      agr.cleanStreak = 0
      agr.warning = d.outcome
      observe(hoster, failureObservation(d.outcome, agr.failStreak), p.reputationDecayPpm)
      addWarning(hoster, d.outcome)
      hoster.lastFailEpoch = rec.epoch
      if (audited) suspect.add(hoster.id)
      summary.failed++
      ctx.event({ type: 'agreement-warning', agreementId: agr.id, hoster: agr.hoster, outcome: d.outcome, failStreak: agr.failStreak })
      if (agr.failStreak >= p.failingEpochsToRepair) {
        await ctx.endAgreement(agr, 'failed')
        summary.ended++
      }
    }
  }
  for (const [h, bytes] of provenNow) {
    const a = await ctx.mustAccount(h)
    if (bytes > a.provenBytes) {
      a.provenBytes = bytes
      ctx.putAccount(a)
    }
  }
  for (const h of [...new Set([...cleanPass, ...suspect])].sort()) await recordAuditEpoch(ctx, h, rec.epoch, cleanPass.has(h), suspect.has(h))
  rec.summary = summary
  ctx.tx.set(keys.epoch(rec.epoch), rec)
  ctx.event({ type: 'epoch-settled', epoch: rec.epoch, summary })

  const old = rec.epoch - ATTEST_RETENTION_EPOCHS
  if (old >= 1) {
    const oldRec = await ctx.tx.get<EpochRecord>(keys.epoch(old))
    if (oldRec !== null && oldRec.attested.length > 0) {
      for (const id of oldRec.attested) ctx.tx.delete(keys.attest(old, id))
      oldRec.attested = []
      ctx.tx.set(keys.epoch(old), oldRec)
    }
  }
}

async function expire(ctx: Ctx, e: number): Promise<void> {
  const open = await ctx.open()
  for (const id of open.sorted()) {
    const req = await ctx.request(id)
    if (req !== null && req.until < e) await ctx.endRequest(req, 'expired')
  }
}

/**
 * Pinning timeout: an agreement created at the start of epoch c that is still `pinning` when epoch
 * c + pinningEpochs starts ends as `not-ready` (before matching, so the slot is re-matched in this same
 * tick, never on this hoster again for this request). The hoster's reputation takes a failure and an
 * `unreachable` warning, as for a hoster that does not answer.
 */
async function timeoutPinning(ctx: Ctx, e: number): Promise<void> {
  const p = ctx.meta.params
  for (const id of await ctx.liveIds()) {
    const agr = await ctx.mustAgreement(id)
    if (agr.state !== 'pinning' || e - agr.createdEpoch < p.pinningEpochs) continue
    const hoster = await ctx.mustAccount(agr.hoster)
    observe(hoster, 'failure', p.reputationDecayPpm)
    addWarning(hoster, 'unreachable')
    hoster.lastFailEpoch = e
    ctx.putAccount(hoster)
    if (ctx.version >= 2) await recordAuditEpoch(ctx, hoster.id, e, false, true)
    await ctx.endAgreement(agr, 'not-ready')
  }
}

/** Whether a slot needs a (new or replacement) hoster; returns the exiting agreement if it is a repair. */
async function slotNeed(ctx: Ctx, id: number): Promise<{ need: boolean; exiting: Agreement | null }> {
  if (id === 0) return { need: true, exiting: null }
  const a = await ctx.mustAgreement(id)
  if (a.exiting && a.replacedBy === 0) return { need: true, exiting: a }
  return { need: false, exiting: null }
}

/**
 * Matching at a strong epoch start: every pending request is tried on the epoch's beacon. Everything
 * fresh was tried with it, so the round queue empties (rounds.ts).
 */
async function match(ctx: Ctx, rec: EpochRecord): Promise<void> {
  const pending = await ctx.pending()
  if (pending.size > 0) await matchRequests(ctx, matchPrng(Buffer.from(rec.beacon, 'hex')), pending.sorted())
  const q = await ctx.tx.get<FreshQueue>(keys.fresh)
  if (q !== null && q.entries.length > 0) {
    q.entries = []
    ctx.tx.set(keys.fresh, q)
  }
}

/**
 * Fill the open slots of the pending requests `ids` (ascending) with hosters drawn from `prng`: at an epoch
 * start (every pending request, the epoch beacon) and in a round (the fresh ones, the round's draw). A
 * request leaves `pending` once every slot is filled (or it ended). Returns the agreements created.
 */
export async function matchRequests(ctx: Ctx, prng: Prng, ids: readonly number[]): Promise<number> {
  const pending = await ctx.pending()
  if (ids.length === 0) return 0
  const p = ctx.meta.params
  const candidates = await hosterCandidates(ctx)
  const relax = relaxUnvetted(candidates)
  const pool = new HosterPool(candidates)
  let created = 0

  for (const reqId of ids) {
    if (!pending.has(reqId)) continue
    const req = await ctx.request(reqId)
    if (req === null || (req.state !== 'queued' && req.state !== 'active')) {
      pending.delete(reqId)
      continue
    }
    const pub = await ctx.mustAccount(req.publisher)
    let stillOpen = false
    for (let c = 0; c < req.cores.length; c++) {
      const core = req.cores[c]
      const row = req.slots[c]
      if (core === undefined || row === undefined) continue
      for (let r = 0; r < row.length; r++) {
        const { need, exiting } = await slotNeed(ctx, row[r] ?? 0)
        if (!need) continue
        const cost = epochCost(core.byteLength, p.epochSeconds, p.priceMicroPerGiBHour)
        if (available(pub) < cost) {
          stillOpen = true
          continue
        }
        const s = await slotConstraints(ctx, req, c, exiting, relax)
        const i = pool.pick(prng, s)
        if (i < 0) {
          stillOpen = true
          continue
        }
        const cand = pool.candidates[i] as HosterCandidate
        cand.freeBytes -= core.byteLength
        cand.provenFreeBytes -= core.byteLength
        await createAgreement(ctx, req, c, r, cand.hoster, exiting)
        created++
      }
    }
    ctx.putRequest(req)
    if (!stillOpen) pending.delete(reqId)
  }
  return created
}

/**
 * The hosters a matching round may pick from, with their free bytes capped by proven capacity. The growth
 * allowance is one per lineage, split evenly over its hosters still on it (2 × proven < the allowance): k
 * identities one member vouched for start with what one would (docs/sybil.md §3).
 */
export async function hosterCandidates(ctx: { tx: RecordScanner }): Promise<HosterCandidate[]> {
  const meta = await ctx.tx.get<NetworkMeta>(keys.meta)
  if (meta === null) return []
  const offerIds = await listOfferIds(ctx.tx)
  const hosters: { hex: Hex; o: Offer; a: Account; lineage: Hex }[] = []
  const onAllowance = new Map<Hex, number>()
  for (const hex of offerIds) {
    const o = await ctx.tx.get<Offer>(keys.offer(hex))
    const a = await ctx.tx.get<Account>(keys.account(hex))
    if (o === null || a === null || o.withdrawn) continue
    const lineage = lineageOf(a)
    hosters.push({ hex, o, a, lineage })
    if (PROVEN_GROWTH_FACTOR * a.provenBytes < GROWTH_ALLOWANCE_BYTES) onAllowance.set(lineage, (onAllowance.get(lineage) ?? 0) + 1)
  }
  return hosters.map(({ hex, o, a, lineage }) => ({
    hoster: hex,
    group: o.group,
    freeBytes: Math.max(0, o.capacityBytes - o.usedBytes),
    provenFreeBytes: provenFreeBytes(o.capacityBytes, o.usedBytes, a.provenBytes, Math.floor(GROWTH_ALLOWANCE_BYTES / (onAllowance.get(lineage) ?? 1))),
    reputationPpm: reputationPpm(a),
    vetted: isVetted(a, meta.params),
    lineage
  }))
}

/** Bootstrap (docs/sybil.md): fewer than BOOTSTRAP_VETTED_HOSTERS vetted hosters → the unvetted rule is off. */
export function relaxUnvetted(candidates: readonly HosterCandidate[]): boolean {
  return candidates.filter((c) => c.vetted).length < BOOTSTRAP_VETTED_HOSTERS
}

export async function slotConstraints(ctx: Ctx, req: HostingRequest, c: number, exiting: Agreement | null, relax: boolean): Promise<SlotConstraints> {
  const p = ctx.meta.params
  const core = req.cores[c]
  const excluded = new Set<Hex>(req.failedHosters)
  const usedGroups = new Set<string>()
  const usedLineages = new Set<Hex>()
  let hasUnvetted = false
  for (const id of req.agreements) {
    const a = await ctx.mustAgreement(id)
    if (a.coreIndex !== c || a.state === 'ended') continue
    excluded.add(a.hoster)
    if (exiting !== null && a.id === exiting.id) continue
    const o = await ctx.offer(a.hoster)
    usedGroups.add(groupOf(a.hoster, o?.group ?? ''))
    const h = await ctx.mustAccount(a.hoster)
    usedLineages.add(lineageOf(h))
    if (!isVetted(h, p)) hasUnvetted = true
  }
  const pub = await ctx.mustAccount(req.publisher)
  return { publisher: req.publisher, byteLength: core?.byteLength ?? 0, usedGroups, excluded, hasUnvetted, relaxUnvetted: relax, publisherLineage: lineageOf(pub), usedLineages }
}

async function createAgreement(ctx: Ctx, req: HostingRequest, c: number, r: number, hoster: Hex, exiting: Agreement | null): Promise<void> {
  const core = req.cores[c]
  if (core === undefined) throw new InvariantError('bad core index')
  const id = ctx.meta.nextAgreementId++
  ctx.touchMeta()
  const agr: Agreement = {
    id,
    requestId: req.id,
    coreIndex: c,
    replica: r,
    coreKey: core.key,
    publisher: req.publisher,
    hoster,
    length: core.length,
    byteLength: core.byteLength,
    fork: core.fork,
    challengedLength: core.length,
    challengedByteLength: core.byteLength,
    challengedFork: core.fork,
    graceUntil: 0,
    state: 'pinning',
    endReason: null,
    createdEpoch: ctx.meta.epoch,
    activeEpoch: 0,
    endedEpoch: 0,
    failStreak: 0,
    warning: null,
    cleanStreak: 0,
    held: 0n,
    pausedStreak: 0,
    exiting: false,
    replacedBy: 0,
    replaces: exiting === null ? 0 : exiting.id,
    paidMicro: 0n,
    passes: 0,
    fails: 0
  }
  ctx.putAgreement(agr)
  indexAgreement(ctx, agr)
  const offer = await ctx.offer(hoster)
  if (offer === null) throw new InvariantError('matched a hoster without an offer')
  offer.usedBytes += core.byteLength
  offer.agreements.push(id)
  ctx.putOffer(offer)
  await ctx.addLive(id)
  req.agreements.push(id)
  if (exiting !== null) {
    exiting.replacedBy = id
    ctx.putAgreement(exiting)
  } else {
    const row = req.slots[c]
    if (row !== undefined) row[r] = id
  }
  req.state = 'active'
  ctx.putRequest(req)
  ctx.event({ type: 'agreement-created', agreementId: id, requestId: req.id, hoster, coreKey: core.key, replaces: agr.replaces })
}

/** Attestors no longer selected: score below one half after at least ATTESTOR_MIN_FAILURES failures. */
export function attestorExcluded(a: Pick<Account, 'attestAlpha' | 'attestBeta' | 'attestDisagreed' | 'attestRefused'>): boolean {
  return a.attestDisagreed + a.attestRefused >= ATTESTOR_MIN_FAILURES && attestScorePpm(a) < ATTESTOR_MIN_SCORE_PPM
}

/**
 * Blocks per attestor for a hoster under contract version 1: samplesNew when unvetted or with a failing epoch
 * in its recent record. Version 2 adds a clean tier (audit.ts).
 */
export function samplesFor(h: Pick<Account, 'vetEpochs' | 'vetLineages' | 'lastFailEpoch'>, p: { samples: number; samplesNew: number; unvettedEpochs: number }, e: number): number {
  const unvetted = !isVetted(h, p)
  const recent = h.lastFailEpoch !== 0 && e - h.lastFailEpoch <= RECENT_FAILURE_EPOCHS
  return unvetted || recent ? p.samplesNew : p.samples
}

/**
 * Per live agreement at the start of epoch e: the growth grace (the challenged state moves to the recorded
 * one when its grace ran out), pause/resume by the publisher's credit, and — unless the epoch is weak —
 * the attestors of e with what they challenge (length, fork, samples, the hoster's node key).
 */
async function prepareEpoch(ctx: Ctx, rec: EpochRecord): Promise<void> {
  const p = ctx.meta.params
  const all = await accountsById(ctx.tx)
  const accounts = all.map((a) => a.id)
  const offerIds = await listOfferIds(ctx.tx)
  const groupKey = new Map<Hex, string>()
  const nodeKeys = new Map<Hex, Hex>()
  for (const hex of offerIds) {
    const o = await ctx.offer(hex)
    if (o === null) continue
    groupKey.set(hex, groupOf(hex, o.group))
    nodeKeys.set(hex, o.nodeKey)
  }
  const barred = new Set<Hex>()
  const lineage = new Map<Hex, Hex>()
  if (!rec.weak) {
    for (const a of all) {
      if (attestorExcluded(a)) barred.add(a.id)
      lineage.set(a.id, lineageOf(a))
    }
  }
  const lineageOfId = (h: Hex): Hex => lineage.get(h) ?? h
  const groupOfAccount = (h: Hex): string => groupKey.get(h) ?? groupOf(h, '')
  const beacon = Buffer.from(rec.beacon, 'hex')
  const reserved = new Map<Hex, bigint>()
  const short = new Set<Hex>()
  rec.attested = []
  const tiers = new Map<Hex, AuditTier>()
  for (const id of await ctx.liveIds()) {
    const agr = await ctx.mustAgreement(id)
    if (agr.state !== 'active' && agr.state !== 'paused') continue
    if (agr.graceUntil !== 0 && rec.epoch >= agr.graceUntil) {
      acknowledge(agr)
      ctx.putAgreement(agr)
    }
    const pub = await ctx.mustAccount(agr.publisher)
    const cost = epochCost(agr.challengedByteLength, p.epochSeconds, p.priceMicroPerGiBHour)
    const res = reserved.get(pub.id) ?? 0n
    if (available(pub) - res < cost) {
      short.add(pub.id)
      if (agr.state === 'active') {
        agr.state = 'paused'
        agr.pausedStreak = 1
        ctx.putAgreement(agr)
        ctx.event({ type: 'agreement-paused', agreementId: agr.id, publisher: agr.publisher })
      } else {
        agr.pausedStreak++
        ctx.putAgreement(agr)
        if (agr.pausedStreak >= p.pausedEpochsToEnd) await ctx.endAgreement(agr, 'out-of-credit')
      }
      continue
    }
    reserved.set(pub.id, res + cost)
    if (agr.state === 'paused') {
      agr.state = 'active'
      agr.pausedStreak = 0
      ctx.putAgreement(agr)
      ctx.event({ type: 'agreement-resumed', agreementId: agr.id, publisher: agr.publisher })
    }
    if (rec.weak) continue
    const hosterGroup = groupOfAccount(agr.hoster)
    const hosterLineage = lineageOfId(agr.hoster)
    const publisherLineage = lineageOfId(agr.publisher)
    // never the hoster, the publisher, the hoster's group, nor anyone of the hoster's or the publisher's lineage
    const excluded = (h: Hex): boolean => h === agr.hoster || h === agr.publisher || barred.has(h) || groupOfAccount(h) === hosterGroup || lineageOfId(h) === hosterLineage || lineageOfId(h) === publisherLineage
    const attestors = selectAttestors(attestorPrng(beacon, id), accounts, excluded, p.attestors)
    const hoster = await ctx.mustAccount(agr.hoster)
    let samples: number
    if (ctx.version >= 2) {
      let tier = tiers.get(hoster.id)
      if (tier === undefined) {
        tier = auditTier(hoster, await ctx.tx.get<AuditRecord>(auditKey(hoster.id)), p, rec.epoch)
        tiers.set(hoster.id, tier)
      }
      samples = samplesForTier(tier, agr.challengedLength, p)
    } else {
      samples = samplesFor(hoster, p, rec.epoch)
    }
    const att: Attestation = {
      agreementId: id,
      epoch: rec.epoch,
      length: agr.challengedLength,
      byteLength: agr.challengedByteLength,
      fork: agr.challengedFork,
      samples,
      nodeKey: nodeKeys.get(agr.hoster) ?? '',
      attestors,
      results: attestors.map(() => null)
    }
    ctx.tx.set(keys.attest(rec.epoch, id), att)
    rec.attested.push(id)
  }
  for (const h of short) {
    const a = await ctx.mustAccount(h)
    addWarning(a, 'out-of-credit')
    ctx.putAccount(a)
  }
  for (const h of reserved.keys()) {
    if (short.has(h)) continue
    const a = await ctx.mustAccount(h)
    if (a.warnings.includes('out-of-credit')) {
      clearWarning(a, 'out-of-credit')
      ctx.putAccount(a)
    }
  }
}
