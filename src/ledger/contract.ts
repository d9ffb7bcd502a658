// The Favor contract: apply one op to the ledger state. Pure and deterministic: no clock, no randomness
// (all draws come from the beacon), no I/O beyond the LedgerKV, integers only. Never throws: a
// malformed, unauthorised or impossible op (or an internal bug) is recorded under `rejected/<opId>`
// with a reason, and none of its staged writes reach the store.
import { checkReveal, genesisBeacon } from './beacon.js'
import { decodeOp, encodeOp, peekOpType } from './codec.js'
import { MAX_REASON_CHARS } from './constants.js'
import { addWarning, Ctx, newAccount, reject } from './context.js'
import { startEpoch } from './epoch.js'
import { LedgerError } from './errors.js'
import type { Effects } from './events.js'
import type { LedgerKV } from './kv.js'
import type { NetworkParams, Op, OpOf, OpType } from './ops.js'
import { Admission } from './ops.js'
import { encodeRecord } from './record.js'
import type { Account, Attestation, EpochRecord, Hex, HostingRequest, NetworkMeta, Offer, Proposal, RejectedRecord } from './state.js'
import { keys } from './state.js'
import { Tx } from './tx.js'

export interface ApplyMeta {
  /** The writer core key of the op's author: the only source of authority. */
  writerKey: Uint8Array
  /** Deterministic unique id of the op, e.g. `<writerHex>:<seq>`. */
  opId: string
}

export type ApplyResult =
  | { ok: true; type: OpType; effects: Effects }
  | { ok: false; type: OpType | null; reason: string }

const hex = (b: Uint8Array): Hex => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

/** Strict majority of n. */
export function majority(n: number): number {
  return Math.floor(n / 2) + 1
}

function reasonOf(err: unknown): string {
  let reason: string
  if (err instanceof LedgerError) {
    reason = err.code === 'E_REJECT' ? err.message : `${err.code === 'E_RECORD' ? 'internal' : 'malformed'}: ${err.message}`
  } else {
    reason = `internal: ${err instanceof Error ? err.message : String(err)}`
  }
  return reason.length > MAX_REASON_CHARS ? reason.slice(0, MAX_REASON_CHARS) : reason
}

/** Apply one op. Never throws (unless the store itself fails). */
export async function apply(kv: LedgerKV, opBytes: Uint8Array, meta: ApplyMeta): Promise<ApplyResult> {
  let type: OpType | null = null
  let writer = ''
  try {
    type = peekOpType(opBytes)
    if (meta.writerKey.byteLength !== 32) reject('writer key must be 32 bytes')
    writer = hex(meta.writerKey)
    const op = decodeOp(opBytes)
    type = op.type
    const tx = new Tx(kv)
    const ctx = new Ctx(tx, writer)
    await dispatch(ctx, op)
    await tx.commit()
    return { ok: true, type: op.type, effects: ctx.effects }
  } catch (err) {
    const reason = reasonOf(err)
    let epoch: number
    try {
      const m = await new Tx(kv).get<NetworkMeta>(keys.meta)
      epoch = m?.epoch ?? 0
    } catch {
      epoch = 0
    }
    const rec: RejectedRecord = { opId: meta.opId, writer, type, reason, epoch }
    await kv.put(keys.rejected(meta.opId), encodeRecord(rec))
    return { ok: false, type, reason }
  }
}

async function dispatch(ctx: Ctx, op: Op): Promise<void> {
  const m = await ctx.loadMeta()
  if (op.type === 'init-network') {
    if (m !== null) reject('network already initialised')
    return initNetwork(ctx, op)
  }
  if (m === null) reject('network not initialised')
  const author = await ctx.account(ctx.writer)
  if (author === null || !author.writer) reject('not a writer')
  switch (op.type) {
    case 'add-writer':
      return addWriter(ctx, author, op)
    case 'add-indexer':
    case 'remove-indexer':
      return indexerVote(ctx, author, op)
    case 'offer':
      return offer(ctx, op)
    case 'withdraw':
      return withdraw(ctx)
    case 'request':
      return request(ctx, op)
    case 'cancel':
      return cancel(ctx, op)
    case 'ready':
      return ready(ctx, op)
    case 'tick':
      return tick(ctx, author, op)
    case 'report':
      return report(ctx, op)
    case 'transfer':
      return transfer(ctx, author, op)
    case 'sponsor':
      return setLine(ctx, author, hex(op.to), op.amount, true)
    case 'set-limit':
      return setLine(ctx, author, hex(op.to), op.limit, false)
    case 'grow':
      return grow(ctx, op)
  }
}

function validateParams(p: NetworkParams): void {
  if (p.epochSeconds < 1) reject('epochSeconds must be ≥ 1')
  if (p.attestors < 1) reject('attestors must be ≥ 1')
  if (p.samples < 1) reject('samples must be ≥ 1')
  if (p.hosterSharePpm > 1_000_000 || p.heldBackPpm > 1_000_000) reject('shares must be ≤ 1,000,000 ppm')
  if (p.heldBackEpochs < 1 || p.failingEpochsToRepair < 1 || p.pausedEpochsToEnd < 1 || p.pinningEpochs < 1) reject('epoch counts must be ≥ 1')
  if (p.reputationDecayPpm < 1) reject('reputation decay must be ≥ 1 ppm')
}

function initNetwork(ctx: Ctx, op: OpOf<'init-network'>): void {
  validateParams(op.params)
  const beacon = genesisBeacon(Buffer.from(ctx.writer, 'hex'), encodeOp(op)).toString('hex')
  ctx.setMeta({ params: op.params, admin: ctx.writer, epoch: 0, indexers: [ctx.writer], nextRequestId: 1, nextAgreementId: 1, genesisBeacon: beacon })
  const acct = newAccount(ctx.writer, op.params.welcomeCreditMicro, 0)
  acct.indexer = true
  ctx.putAccount(acct)
  ctx.tx.set(keys.accounts, [ctx.writer])
  ctx.tx.set(keys.offers, [])
  const e0: EpochRecord = { epoch: 0, ticks: [], started: true, time: op.time, beacon, withheld: [], attested: [], summary: null }
  ctx.tx.set(keys.epoch(0), e0)
  ctx.event({ type: 'network-initialised', admin: ctx.writer })
}

async function addWriter(ctx: Ctx, author: Account, op: OpOf<'add-writer'>): Promise<void> {
  const p = ctx.meta.params
  const target = hex(op.writerKey)
  if ((await ctx.account(target)) !== null) reject('already a writer')
  if (p.admission === Admission.adminOnly && author.id !== ctx.meta.admin) reject('admission is admin-only')
  // Direct indexer admission: by the sole indexer (it is the majority), or by the admin while the network
  // is still bootstrapping (epoch 0, before the first tick). Otherwise indexers change by add-indexer votes.
  const bootstrapping = ctx.meta.epoch === 0 && author.id === ctx.meta.admin
  if (op.indexer && !(author.indexer && (ctx.meta.indexers.length === 1 || bootstrapping))) reject('only a sole indexer (or the admin at epoch 0) may add an indexer directly; use add-indexer')
  const e = ctx.meta.epoch
  if (author.admitEpoch !== e) {
    author.admitEpoch = e
    author.admitCount = 0
  }
  if (p.admission === Admission.open && author.admitCount >= p.admissionsPerEpoch) reject('admission rate limit reached for this epoch')
  author.admitCount++
  ctx.putAccount(author)
  const acct = newAccount(target, p.welcomeCreditMicro, e)
  acct.indexer = op.indexer
  ctx.putAccount(acct)
  const list = (await ctx.tx.get<Hex[]>(keys.accounts)) ?? []
  ctx.tx.set(keys.accounts, [...list, target])
  if (op.indexer) {
    ctx.meta.indexers = [...ctx.meta.indexers, target].sort()
    ctx.touchMeta()
  }
  ctx.effects.membership.push({ addWriter: Buffer.from(op.writerKey), indexer: op.indexer })
  ctx.event({ type: 'writer-added', writer: target, indexer: op.indexer, by: author.id })
}

async function indexerVote(ctx: Ctx, author: Account, op: OpOf<'add-indexer'> | OpOf<'remove-indexer'>): Promise<void> {
  if (!author.indexer) reject('only indexers vote on indexers')
  const target = hex(op.writerKey)
  const acct = await ctx.account(target)
  if (acct === null) reject('target is not a writer')
  const adding = op.type === 'add-indexer'
  if (adding && acct.indexer) reject('already an indexer')
  if (!adding && !acct.indexer) reject('not an indexer')
  if (!adding && ctx.meta.indexers.length <= 1) reject('cannot remove the last indexer')
  const key = keys.proposal(op.type, target)
  const prop = (await ctx.tx.get<Proposal>(key)) ?? { kind: op.type, target, votes: [] }
  if (prop.votes.includes(author.id)) reject('duplicate vote')
  prop.votes.push(author.id)
  prop.votes.sort()
  const current = prop.votes.filter((v) => ctx.meta.indexers.includes(v)).length
  const needed = majority(ctx.meta.indexers.length)
  ctx.event({ type: 'indexer-vote', kind: op.type, target, votes: current, needed })
  if (current < needed) {
    ctx.tx.set(key, prop)
    return
  }
  ctx.tx.delete(key)
  acct.indexer = adding
  if (!adding) {
    acct.commit = ''
    acct.commitEpoch = 0
  }
  ctx.putAccount(acct)
  ctx.meta.indexers = adding ? [...ctx.meta.indexers, target].sort() : ctx.meta.indexers.filter((h) => h !== target)
  ctx.touchMeta()
  ctx.effects.membership.push({ addWriter: Buffer.from(op.writerKey), indexer: adding })
  ctx.event({ type: 'indexer-changed', indexer: target, added: adding })
}

async function offer(ctx: Ctx, op: OpOf<'offer'>): Promise<void> {
  const existing = await ctx.offer(ctx.writer)
  const o: Offer = existing ?? { hoster: ctx.writer, capacityBytes: 0, usedBytes: 0, group: '', nodeKey: '', withdrawn: false, agreements: [] }
  o.capacityBytes = op.capacityBytes
  o.group = op.group
  o.nodeKey = hex(op.nodeKey)
  o.withdrawn = false
  ctx.putOffer(o)
  if (existing === null) {
    const list = (await ctx.tx.get<Hex[]>(keys.offers)) ?? []
    ctx.tx.set(keys.offers, [...list, ctx.writer])
  }
  ctx.event({ type: 'offer-updated', hoster: ctx.writer, capacityBytes: op.capacityBytes })
}

async function withdraw(ctx: Ctx): Promise<void> {
  const o = await ctx.offer(ctx.writer)
  if (o === null || o.withdrawn) reject('no offer to withdraw')
  o.withdrawn = true
  ctx.putOffer(o)
  const pending = await ctx.pending()
  for (const id of [...o.agreements]) {
    const a = await ctx.mustAgreement(id)
    if (a.state === 'ended') continue
    if (a.state === 'pinning') {
      await ctx.endAgreement(a, 'withdrawn')
      continue
    }
    a.exiting = true
    ctx.putAgreement(a)
    pending.add(a.requestId)
    ctx.event({ type: 'agreement-exiting', agreementId: a.id, hoster: a.hoster })
  }
  ctx.event({ type: 'offer-withdrawn', hoster: ctx.writer })
}

async function request(ctx: Ctx, op: OpOf<'request'>): Promise<void> {
  const p = ctx.meta.params
  if (op.cores.length === 0) reject('a request needs at least one core')
  if (op.replicas < 1) reject('replicas must be ≥ 1')
  if (op.until <= ctx.meta.epoch) reject('until must be a future epoch')
  if (op.maxPrice < p.priceMicroPerGiBHour) reject('network price is above maxPrice')
  const seen = new Set<string>()
  for (const core of op.cores) {
    const k = hex(core.key)
    if (seen.has(k)) reject('duplicate core in request')
    seen.add(k)
    if (core.length < 1) reject('core length must be ≥ 1')
  }
  const id = ctx.meta.nextRequestId++
  ctx.touchMeta()
  const req: HostingRequest = {
    id,
    publisher: ctx.writer,
    cores: op.cores.map((c) => ({ key: hex(c.key), length: c.length, byteLength: c.byteLength })),
    replicas: op.replicas,
    until: op.until,
    maxPrice: op.maxPrice,
    state: 'queued',
    createdEpoch: ctx.meta.epoch,
    slots: op.cores.map(() => Array.from({ length: op.replicas }, () => 0)),
    failedHosters: [],
    agreements: []
  }
  ctx.putRequest(req)
  ;(await ctx.open()).add(id)
  ;(await ctx.pending()).add(id)
  ctx.event({ type: 'request-created', requestId: id, publisher: ctx.writer })
}

async function cancel(ctx: Ctx, op: OpOf<'cancel'>): Promise<void> {
  const req = await ctx.request(op.requestId)
  if (req === null) reject('no such request')
  if (req.publisher !== ctx.writer) reject('only the request author may cancel')
  if (req.state !== 'queued' && req.state !== 'active') reject(`request already ${req.state}`)
  await ctx.endRequest(req, 'cancelled')
}

async function ready(ctx: Ctx, op: OpOf<'ready'>): Promise<void> {
  const agr = await ctx.agreement(op.agreementId)
  if (agr === null) reject('no such agreement')
  if (agr.hoster !== ctx.writer) reject('only the hoster may report ready')
  if (agr.state !== 'pinning') reject(`agreement is ${agr.state}, not pinning`)
  if (op.length < agr.length || op.byteLength < agr.byteLength) reject('copy is shorter than the recorded length')
  agr.state = 'active'
  agr.activeEpoch = ctx.meta.epoch
  ctx.putAgreement(agr)
  ctx.event({ type: 'agreement-active', agreementId: agr.id, hoster: agr.hoster })
  if (agr.replaces !== 0) {
    const old = await ctx.mustAgreement(agr.replaces)
    const req = await ctx.request(agr.requestId)
    const row = req?.slots[old.coreIndex]
    if (req !== null && row !== undefined && row[old.replica] === old.id) {
      row[old.replica] = agr.id
      ctx.putRequest(req)
    }
    old.replacedBy = 0
    agr.replaces = 0
    // graceful exit: released without penalty, held-back share paid out
    await ctx.endAgreement(old, 'withdrawn')
  }
}

async function tick(ctx: Ctx, author: Account, op: OpOf<'tick'>): Promise<void> {
  if (!author.indexer) reject('only indexers tick')
  const cur = ctx.meta.epoch
  if (op.epoch !== cur + 1 && op.epoch !== cur) reject(`tick for epoch ${op.epoch}, current is ${cur}`)
  if (op.epoch === 0) reject('epoch 0 is genesis')
  const rec: EpochRecord = (await ctx.tx.get<EpochRecord>(keys.epoch(op.epoch))) ?? {
    epoch: op.epoch,
    ticks: [],
    started: false,
    time: 0,
    beacon: '',
    withheld: [],
    attested: [],
    summary: null
  }
  if (rec.ticks.some((t) => t.indexer === author.id)) reject('duplicate tick')
  if (!rec.started) {
    const curRec = await ctx.tx.get<EpochRecord>(keys.epoch(cur))
    if (curRec !== null && op.tickTime < curRec.time) reject('tick time before the current epoch')
  }
  let withheld = false
  const due = author.commit !== '' && author.commitEpoch === op.epoch
  if (due) {
    if (op.reveal.byteLength === 0) withheld = true
    else if (!checkReveal(Buffer.from(author.commit, 'hex'), op.reveal)) reject('reveal does not match the commitment')
  } else if (op.reveal.byteLength !== 0) {
    reject('no commitment to reveal for this epoch')
  }
  if (withheld) {
    author.withheld++
    addWarning(author, 'withheld-reveal')
    rec.withheld.push(author.id)
  }
  author.commit = hex(op.commit)
  author.commitEpoch = op.epoch + 1
  ctx.putAccount(author)
  rec.ticks.push({ indexer: author.id, time: op.tickTime, commit: hex(op.commit), reveal: withheld ? '' : hex(op.reveal) })
  ctx.tx.set(keys.epoch(op.epoch), rec)
  ctx.event({ type: 'tick', epoch: op.epoch, indexer: author.id, withheld })
  if (!rec.started) {
    const counted = rec.ticks.filter((t) => ctx.meta.indexers.includes(t.indexer)).length
    if (counted >= majority(ctx.meta.indexers.length)) await startEpoch(ctx, rec)
  }
}

async function report(ctx: Ctx, op: OpOf<'report'>): Promise<void> {
  const cur = ctx.meta.epoch
  if (op.epoch < cur) reject(`late report for epoch ${op.epoch} (current ${cur})`)
  if (op.epoch > cur) reject(`report for future epoch ${op.epoch} (current ${cur})`)
  if (cur < 1) reject('no epoch has started')
  if (op.results.length === 0) reject('empty report')
  const seen = new Set<number>()
  for (const r of op.results) {
    if (seen.has(r.agreementId)) reject(`duplicate result for agreement ${r.agreementId}`)
    seen.add(r.agreementId)
    const att = await ctx.tx.get<Attestation>(keys.attest(cur, r.agreementId))
    if (att === null) reject(`agreement ${r.agreementId} is not challenged in epoch ${cur}`)
    const i = att.attestors.indexOf(ctx.writer)
    if (i < 0) reject(`not a selected attestor of agreement ${r.agreementId}`)
    if (att.results[i] !== null) reject(`duplicate report for agreement ${r.agreementId}`)
    att.results[i] = {
      outcome: r.outcome,
      samples: r.samples,
      latencyP50Ms: r.latencyP50Ms,
      latencyP99Ms: r.latencyP99Ms,
      evidenceHash: hex(r.evidenceHash)
    }
    ctx.tx.set(keys.attest(cur, r.agreementId), att)
  }
  const rk = keys.report(cur, ctx.writer)
  const mine = (await ctx.tx.get<number[]>(rk)) ?? []
  ctx.tx.set(rk, [...mine, ...op.results.map((r) => r.agreementId)].sort((a, b) => a - b))
  ctx.event({ type: 'report-accepted', epoch: cur, attestor: ctx.writer, results: op.results.length })
}

async function transfer(ctx: Ctx, author: Account, op: OpOf<'transfer'>): Promise<void> {
  const to = hex(op.to)
  if (to === author.id) reject('cannot transfer to yourself')
  if (op.amount <= 0n) reject('amount must be positive')
  const dest = await ctx.account(to)
  if (dest === null) reject('no such account')
  if (author.balance < op.amount) reject('insufficient balance (credit cannot be transferred)')
  author.balance -= op.amount
  dest.balance += op.amount
  ctx.putAccount(author)
  ctx.putAccount(dest)
  ctx.event({ type: 'transfer', from: author.id, to, amount: op.amount })
}

/**
 * `sponsor {to, amount}` escrows `amount` more of the author's balance as a credit line for `to`.
 * `set-limit {to, limit}` sets the unused part of that line to exactly `limit`: raising it escrows
 * more, lowering it returns the difference to the sponsor. Lines are drawn only to pay for hosting.
 */
async function setLine(ctx: Ctx, author: Account, to: Hex, value: bigint, add: boolean): Promise<void> {
  if (to === author.id) reject('cannot sponsor yourself')
  const dest = await ctx.account(to)
  if (dest === null) reject('no such account')
  if (add && value <= 0n) reject('amount must be positive')
  const current = dest.lines[author.id] ?? 0n
  const target = add ? current + value : value
  const delta = target - current
  if (delta > 0n && author.balance < delta) reject('insufficient balance to escrow')
  author.balance -= delta
  if (target === 0n) {
    delete dest.lines[author.id]
    delete author.sponsoring[to]
  } else {
    dest.lines[author.id] = target
    author.sponsoring[to] = target
  }
  ctx.putAccount(author)
  ctx.putAccount(dest)
  ctx.event({ type: 'sponsor-line', sponsor: author.id, to, line: target })
}

async function grow(ctx: Ctx, op: OpOf<'grow'>): Promise<void> {
  const req = await ctx.request(op.requestId)
  if (req === null) reject('no such request')
  if (req.publisher !== ctx.writer) reject('only the request author may grow it')
  if (req.state !== 'queued' && req.state !== 'active') reject(`request already ${req.state}`)
  const key = hex(op.coreKey)
  const c = req.cores.findIndex((x) => x.key === key)
  const core = req.cores[c]
  if (core === undefined) reject('core not in request')
  if (op.length < core.length || op.byteLength < core.byteLength) reject('a core cannot shrink')
  if (op.length === core.length && op.byteLength === core.byteLength) reject('no growth')
  core.length = op.length
  core.byteLength = op.byteLength
  ctx.putRequest(req)
  for (const id of req.agreements) {
    const a = await ctx.mustAgreement(id)
    if (a.coreIndex !== c || a.state === 'ended') continue
    const o = await ctx.offer(a.hoster)
    if (o !== null) {
      o.usedBytes += op.byteLength - a.byteLength
      ctx.putOffer(o)
    }
    a.length = op.length
    a.byteLength = op.byteLength
    ctx.putAgreement(a)
  }
  ctx.event({ type: 'request-grown', requestId: req.id, coreKey: key, length: op.length, byteLength: op.byteLength })
}
