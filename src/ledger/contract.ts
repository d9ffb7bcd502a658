// The Favor contract: apply one op to the ledger state. Pure and deterministic: no clock, no randomness
// (all draws come from the beacon), no I/O beyond the LedgerKV, integers only. A malformed, unauthorised
// or impossible op (or an internal bug) is recorded under `rejected/<opId>` with a RejectCode, and none
// of its staged writes reach the store. It throws only when it must not decide: the store failed, or
// the contract version in force is unknown to this code.
import { checkLink, genesisBeacon } from './beacon.js'
import { decodeOp, encodeOp, peekOpType } from './codec.js'
import { MAX_CORES_PER_REQUEST, MAX_REASON_CHARS } from './constants.js'
import { acknowledge, addWarning, Ctx, newAccount, reject } from './context.js'
import { countAdmission, createInvite, redeemInvite, sponsoredAccount } from './admission.js'
import { indexAccount, indexGenesisAccount } from './account-index.js'
import { ensureIndexes, indexRequest } from './agreement-index.js'
import { escrowable, transferable } from './credit.js'
import { startEpoch } from './epoch.js'
import { ContractVersionError, DecodeError, InvariantError, RejectCode, RejectError, StoreError, UnknownOpError, UnknownVersionError } from './errors.js'
import type { RejectCodeValue } from './errors.js'
import { checkEvidence } from './evidence.js'
import { reconcileIndexers, setIndexer } from './indexers.js'
import { rearmPending, round } from './rounds.js'
import { observeAttestor } from './accounting.js'
import type { Effects } from './events.js'
import type { LedgerKV } from './kv.js'
import type { NetworkParams, Op, OpOf, OpType } from './ops.js'
import { Admission } from './ops.js'
import { MAX_CHALLENGE_SAMPLES } from '../proof/receipt.js'
import { encodeRecord } from './record.js'
import type { Account, Attestation, AttestResult, EpochRecord, Hex, HostingRequest, NetworkMeta, Offer, Proposal, RejectedRecord } from './state.js'
import { emptyEpoch, keys, majority } from './state.js'
import { Tx } from './tx.js'
import { GuardedKV } from './guarded-kv.js'
import { proveSize } from './size-proof.js'
import { requireKnownVersion, upgradeVote, versionInForce } from './upgrade.js'
import { CONTRACT_VERSION } from './constants.js'

export interface ApplyMeta {
  /** The writer core key of the op's author: the only source of authority. */
  writerKey: Uint8Array
  /** Deterministic unique id of the op, e.g. `<writerHex>:<seq>`. */
  opId: string
  /** Contract versions the caller can apply (default KNOWN_CONTRACT_VERSIONS: this code's). */
  knownVersions?: readonly number[]
}

export type ApplyResult =
  | { ok: true; type: OpType; effects: Effects }
  | { ok: false; type: OpType | null; code: RejectCodeValue; reason: string; cause?: unknown }

const hex = (b: Uint8Array): Hex => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

export { majority }

const EMPTY = Buffer.alloc(0)

/** The fixed reason stored with INTERNAL: never an engine's message, which may differ between nodes. */
const INTERNAL_REASON = 'internal error (a contract bug or a corrupt record); the op changed nothing'

/**
 * The code and reason stored for an op that threw. Only the contract's own refusals and decode errors
 * keep their message (our text, built from the op alone); anything else is INTERNAL with a fixed reason.
 */
function reasonOf(err: unknown): { code: RejectCodeValue; reason: string } {
  let reason: string
  let code: RejectCodeValue
  if (err instanceof RejectError) {
    reason = err.message
    code = err.reject
  } else if (err instanceof UnknownVersionError) {
    reason = `malformed: ${err.message}`
    code = err.old ? RejectCode.OP_VERSION_OLD : RejectCode.OP_VERSION_UNKNOWN
  } else if (err instanceof UnknownOpError) {
    reason = `malformed: ${err.message}`
    code = RejectCode.OP_TYPE_UNKNOWN
  } else if (err instanceof DecodeError) {
    reason = `malformed: ${err.message}`
    code = RejectCode.MALFORMED
  } else {
    reason = INTERNAL_REASON
    code = RejectCode.INTERNAL
  }
  return { code, reason: reason.length > MAX_REASON_CHARS ? reason.slice(0, MAX_REASON_CHARS) : reason }
}

/** Errors apply does not turn into a rejection: they stop apply (the caller, e.g. Autobase, sees them). */
function stopsApply(err: unknown): boolean {
  return err instanceof StoreError || err instanceof ContractVersionError
}

/**
 * Apply one op. Never throws for anything the op does; throws StoreError when the store fails (only this
 * node's store: recording a rejection would diverge) and ContractVersionError when the contract version
 * in force is one this code does not know (checked before the op is even decoded). `cause` (INTERNAL
 * only) is the error behind a refusal, for logs; it is never stored.
 */
export async function apply(store: LedgerKV, opBytes: Uint8Array, meta: ApplyMeta): Promise<ApplyResult> {
  const kv = new GuardedKV(store)
  let type: OpType | null = null
  let writer = ''
  try {
    // op types as version 1 knew them until the version in force is known (a later op type is unknown before genesis)
    type = peekOpType(opBytes, 1)
    const tx = new Tx(kv)
    const m = await tx.get<NetworkMeta>(keys.meta)
    let inForce = 1
    if (m !== null) {
      const v = versionInForce(m)
      requireKnownVersion(v.contractVersion, v.fromEpoch, meta.knownVersions)
      inForce = v.contractVersion
      type = peekOpType(opBytes, inForce)
    }
    if (meta.writerKey.byteLength !== 32) reject(RejectCode.WRITER_KEY_INVALID, 'writer key must be 32 bytes')
    writer = hex(meta.writerKey)
    const ctx = new Ctx(tx, writer)
    const op = decodeOp(opBytes, inForce)
    type = op.type
    await dispatch(ctx, op, meta.knownVersions)
    await tx.commit()
    return { ok: true, type: op.type, effects: ctx.effects }
  } catch (err) {
    if (stopsApply(err)) throw err
    const { code, reason } = reasonOf(err)
    let epoch = 0
    try {
      epoch = (await new Tx(kv).get<NetworkMeta>(keys.meta))?.epoch ?? 0
    } catch (metaErr) {
      // a store failure stops apply; a meta record that does not decode is the same on every node
      if (stopsApply(metaErr)) throw metaErr
    }
    const rec: RejectedRecord = { opId: meta.opId, writer, type, code, reason, epoch }
    await kv.put(keys.rejected(meta.opId), encodeRecord(rec))
    return code === RejectCode.INTERNAL ? { ok: false, type, code, reason, cause: err } : { ok: false, type, code, reason }
  }
}

async function dispatch(ctx: Ctx, op: Op, knownVersions: readonly number[] | undefined): Promise<void> {
  const m = await ctx.loadMeta()
  if (op.type === 'init-network') {
    if (m !== null) reject(RejectCode.ALREADY_INITIALISED, 'network already initialised')
    return initNetwork(ctx, op, knownVersions)
  }
  if (m === null) reject(RejectCode.NOT_INITIALISED, 'network not initialised')
  ctx.version = versionInForce(m).contractVersion
  // the first op under version 2 of a network upgraded from version 1 builds the v2 indexes
  if (ctx.version >= 2) await ensureIndexes(ctx)
  const author = await ctx.account(ctx.writer)
  if (author === null || !author.writer) reject(RejectCode.NOT_A_WRITER, 'not a writer')
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
      return report(ctx, author, op)
    case 'transfer':
      return transfer(ctx, author, op)
    case 'sponsor':
      return setLine(ctx, author, hex(op.to), op.amount, true)
    case 'set-limit':
      return setLine(ctx, author, hex(op.to), op.limit, false)
    case 'grow':
      return grow(ctx, op)
    case 'upgrade':
      return upgradeVote(ctx, author, op)
    case 'invite':
      return createInvite(ctx, author, op)
    case 'redeem':
      return redeemInvite(ctx, author, op)
    case 'round':
      return round(ctx, author, op)
    case 'prove-size':
      return proveSize(ctx, author, op)
    case 'extend':
      return extendRequest(ctx, op)
  }
}

function validateParams(p: NetworkParams): void {
  if (p.epochSeconds < 1) reject(RejectCode.PARAMS_INVALID, 'epochSeconds must be ≥ 1')
  if (p.attestors < 1) reject(RejectCode.PARAMS_INVALID, 'attestors must be ≥ 1')
  if (p.samples < 1 || p.samples > MAX_CHALLENGE_SAMPLES) reject(RejectCode.PARAMS_INVALID, `samples must be 1..${MAX_CHALLENGE_SAMPLES}`)
  if (p.samplesNew < p.samples || p.samplesNew > MAX_CHALLENGE_SAMPLES) reject(RejectCode.PARAMS_INVALID, `samplesNew must be samples..${MAX_CHALLENGE_SAMPLES}`)
  if (p.growBytesPerEpoch < 1) reject(RejectCode.PARAMS_INVALID, 'growBytesPerEpoch must be ≥ 1')
  if (p.indexerSilentEpochs < 1) reject(RejectCode.PARAMS_INVALID, 'indexerSilentEpochs must be ≥ 1')
  if (p.indexerTarget < 1 || p.indexerTarget % 2 === 0) reject(RejectCode.PARAMS_INVALID, 'indexerTarget must be odd and ≥ 1')
  if (p.hosterSharePpm > 1_000_000 || p.heldBackPpm > 1_000_000) reject(RejectCode.PARAMS_INVALID, 'shares must be ≤ 1,000,000 ppm')
  if (p.heldBackEpochs < 1 || p.failingEpochsToRepair < 1 || p.pausedEpochsToEnd < 1 || p.pinningEpochs < 1) reject(RejectCode.PARAMS_INVALID, 'epoch counts must be ≥ 1')
  if (p.reputationDecayPpm < 1) reject(RejectCode.PARAMS_INVALID, 'reputation decay must be ≥ 1 ppm')
  const a = p.audit
  if (a !== undefined) {
    if (a.budgetPpm > 1_000_000) reject(RejectCode.PARAMS_INVALID, 'audit budget must be ≤ 1,000,000 ppm')
    if (a.samplesCleanMin < 1 || a.samplesCleanMin > p.samples) reject(RejectCode.PARAMS_INVALID, 'samplesCleanMin must be 1..samples')
  }
}

async function initNetwork(ctx: Ctx, op: OpOf<'init-network'>, knownVersions: readonly number[] | undefined): Promise<void> {
  // the genesis version decides the rules from the first op on: unknown → stop, never apply it
  const contractVersion = op.contractVersion ?? CONTRACT_VERSION
  requireKnownVersion(contractVersion, 0, knownVersions)
  ctx.version = contractVersion
  validateParams(op.params)
  const beacon = genesisBeacon(Buffer.from(ctx.writer, 'hex'), encodeOp(op)).toString('hex')
  ctx.setMeta({ params: op.params, admin: ctx.writer, epoch: 0, indexers: [ctx.writer], nextRequestId: 1, nextAgreementId: 1, genesisBeacon: beacon, contractVersion, upgrade: null })
  // the founder's credit line adds to its welcome credit: debit() tells them apart (founder first, unlocked)
  const acct = newAccount(ctx.writer, op.params.welcomeCreditMicro + op.params.founderCreditMicro, 0)
  acct.indexer = true
  ctx.putAccount(acct)
  indexGenesisAccount(ctx, acct)
  if (contractVersion >= 2) await ensureIndexes(ctx)
  else ctx.tx.set(keys.offers, [])
  const e0: EpochRecord = { ...emptyEpoch(0), started: true, time: op.time, beacon, indexerCount: 1 }
  ctx.tx.set(keys.epoch(0), e0)
  ctx.event({ type: 'network-initialised', admin: ctx.writer })
}

async function addWriter(ctx: Ctx, author: Account, op: OpOf<'add-writer'>): Promise<void> {
  const p = ctx.meta.params
  const target = hex(op.writerKey)
  if ((await ctx.account(target)) !== null) reject(RejectCode.ALREADY_MEMBER, 'already a writer')
  if (p.admission === Admission.adminOnly && author.id !== ctx.meta.admin) reject(RejectCode.NOT_ADMIN, 'admission is admin-only')
  // Direct indexer admission: by the sole indexer (it is the majority), or by the admin while the network
  // is still bootstrapping (epoch 0, before the first tick). Otherwise indexers change by add-indexer votes.
  const bootstrapping = ctx.meta.epoch === 0 && author.id === ctx.meta.admin
  if (op.indexer && !(author.indexer && (ctx.meta.indexers.length === 1 || bootstrapping))) reject(RejectCode.INDEXER_DIRECT_ADD, 'only a sole indexer (or the admin at epoch 0) may add an indexer directly; use add-indexer')
  countAdmission(ctx, author)
  // a direct admission: the author vouches for the newcomer (its sponsor), with no starting line
  const acct = await sponsoredAccount(ctx, author, target, 0n)
  acct.indexer = op.indexer
  ctx.putAccount(acct)
  await indexAccount(ctx, acct)
  if (op.indexer) {
    ctx.meta.indexers = [...ctx.meta.indexers, target].sort()
    ctx.touchMeta()
  }
  ctx.effects.membership.push({ addWriter: Buffer.from(op.writerKey), indexer: op.indexer })
  ctx.event({ type: 'writer-added', writer: target, indexer: op.indexer, by: author.id })
  await reconcileIndexers(ctx, op.indexer ? 'add' : 'auto')
}

async function indexerVote(ctx: Ctx, author: Account, op: OpOf<'add-indexer'> | OpOf<'remove-indexer'>): Promise<void> {
  if (!author.indexer) reject(RejectCode.NOT_INDEXER, 'only indexers vote on indexers')
  const target = hex(op.writerKey)
  const acct = await ctx.account(target)
  if (acct === null) reject(RejectCode.TARGET_NOT_WRITER, 'target is not a writer')
  const adding = op.type === 'add-indexer'
  if (adding && acct.indexer) reject(RejectCode.ALREADY_INDEXER, 'already an indexer')
  if (!adding && !acct.indexer) reject(RejectCode.TARGET_NOT_INDEXER, 'not an indexer')
  if (!adding && ctx.meta.indexers.length <= 1) reject(RejectCode.LAST_INDEXER, 'cannot remove the last indexer')
  const key = keys.proposal(op.type, target)
  const prop = (await ctx.tx.get<Proposal>(key)) ?? { kind: op.type, target, votes: [] }
  if (prop.votes.includes(author.id)) reject(RejectCode.DUPLICATE_VOTE, 'duplicate vote')
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
  setIndexer(ctx, acct, adding)
  await reconcileIndexers(ctx, adding ? 'add' : 'remove', target)
}

async function offer(ctx: Ctx, op: OpOf<'offer'>): Promise<void> {
  const existing = await ctx.offer(ctx.writer)
  const o: Offer = existing ?? { hoster: ctx.writer, capacityBytes: 0, usedBytes: 0, group: '', nodeKey: '', withdrawn: false, agreements: [] }
  o.capacityBytes = op.capacityBytes
  o.group = op.group
  o.nodeKey = hex(op.nodeKey)
  o.withdrawn = false
  ctx.putOffer(o)
  // a lower capacity than what the hoster holds: its newest agreements end over-capacity until it fits
  for (const id of [...o.agreements].reverse()) {
    if (o.usedBytes <= o.capacityBytes) break
    await ctx.endAgreement(await ctx.mustAgreement(id), 'over-capacity')
    Object.assign(o, await ctx.offer(ctx.writer))
  }
  if (existing === null && ctx.version < 2) {
    const list = (await ctx.tx.get<Hex[]>(keys.offers)) ?? []
    ctx.tx.set(keys.offers, [...list, ctx.writer])
  }
  await rearmPending(ctx)
  ctx.event({ type: 'offer-updated', hoster: ctx.writer, capacityBytes: op.capacityBytes })
}

async function withdraw(ctx: Ctx): Promise<void> {
  const o = await ctx.offer(ctx.writer)
  if (o === null || o.withdrawn) reject(RejectCode.NO_OFFER, 'no offer to withdraw')
  o.withdrawn = true
  ctx.putOffer(o)
  for (const id of [...o.agreements]) {
    const a = await ctx.mustAgreement(id)
    if (a.state === 'ended') continue
    if (a.state === 'pinning') {
      await ctx.endAgreement(a, 'withdrawn')
      continue
    }
    a.exiting = true
    ctx.putAgreement(a)
    await ctx.markPending(a.requestId)
    ctx.event({ type: 'agreement-exiting', agreementId: a.id, hoster: a.hoster })
  }
  ctx.event({ type: 'offer-withdrawn', hoster: ctx.writer })
}

async function request(ctx: Ctx, op: OpOf<'request'>): Promise<void> {
  const p = ctx.meta.params
  if (op.cores.length === 0) reject(RejectCode.REQUEST_NO_CORES, 'a request needs at least one core')
  if (op.replicas < 1) reject(RejectCode.REPLICAS_INVALID, 'replicas must be ≥ 1')
  if (op.until <= ctx.meta.epoch) reject(RejectCode.UNTIL_PAST, 'until must be a future epoch')
  if (op.maxPrice < p.priceMicroPerGiBHour) reject(RejectCode.PRICE_TOO_LOW, 'network price is above maxPrice')
  const seen = new Set<string>()
  for (const core of op.cores) {
    const k = hex(core.key)
    if (seen.has(k)) reject(RejectCode.DUPLICATE_CORE, 'duplicate core in request')
    seen.add(k)
    if (core.length < 1) reject(RejectCode.CORE_EMPTY, 'core length must be ≥ 1')
  }
  const id = ctx.meta.nextRequestId++
  ctx.touchMeta()
  const req: HostingRequest = {
    id,
    publisher: ctx.writer,
    cores: op.cores.map((c) => ({ key: hex(c.key), length: c.length, byteLength: c.byteLength, fork: c.fork })),
    ...(op.kind === undefined ? {} : { kind: op.kind }),
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
  indexRequest(ctx, req)
  await ctx.markPending(id)
  ctx.event({ type: 'request-created', requestId: id, publisher: ctx.writer })
}

/**
 * `extend {requestId, cores}` (v2 only: the codec refuses the tag under v1): the publisher adds cores to
 * its live request. The new cores come after the existing ones (agreements keep their core index), each
 * with `replicas` open slots; the request is pending again so the next round or epoch start fills them.
 */
async function extendRequest(ctx: Ctx, op: OpOf<'extend'>): Promise<void> {
  const req = await ctx.request(op.requestId)
  if (req === null) reject(RejectCode.NO_SUCH_REQUEST, 'no such request')
  if (req.publisher !== ctx.writer) reject(RejectCode.NOT_PUBLISHER, 'only the request author may extend it')
  if (req.state !== 'queued' && req.state !== 'active') reject(RejectCode.REQUEST_ENDED, `request already ${req.state}`)
  if (op.cores.length === 0) reject(RejectCode.REQUEST_NO_CORES, 'an extension needs at least one core')
  if (req.cores.length + op.cores.length > MAX_CORES_PER_REQUEST) reject(RejectCode.TOO_MANY_CORES, `a request holds at most ${MAX_CORES_PER_REQUEST} cores`)
  const seen = new Set(req.cores.map((c) => c.key))
  for (const core of op.cores) {
    const k = hex(core.key)
    if (seen.has(k)) reject(RejectCode.DUPLICATE_CORE, 'core already in the request (or twice in the extension)')
    seen.add(k)
    if (core.length < 1) reject(RejectCode.CORE_EMPTY, 'core length must be ≥ 1')
  }
  for (const core of op.cores) {
    req.cores.push({ key: hex(core.key), length: core.length, byteLength: core.byteLength, fork: core.fork })
    req.slots.push(Array.from({ length: req.replicas }, () => 0))
  }
  ctx.putRequest(req)
  await ctx.markPending(req.id)
}

async function cancel(ctx: Ctx, op: OpOf<'cancel'>): Promise<void> {
  const req = await ctx.request(op.requestId)
  if (req === null) reject(RejectCode.NO_SUCH_REQUEST, 'no such request')
  if (req.publisher !== ctx.writer) reject(RejectCode.NOT_PUBLISHER, 'only the request author may cancel')
  if (req.state !== 'queued' && req.state !== 'active') reject(RejectCode.REQUEST_ENDED, `request already ${req.state}`)
  await ctx.endRequest(req, 'cancelled')
}

/**
 * `ready {agreementId, length, byteLength, fork}`: the hoster holds a full verified copy of exactly the
 * agreement's recorded state. On a pinning agreement it turns active; on an active or paused one it
 * acknowledges growth: challenges and billing cover the recorded state from the next epoch on.
 */
async function ready(ctx: Ctx, op: OpOf<'ready'>): Promise<void> {
  const agr = await ctx.agreement(op.agreementId)
  if (agr === null) reject(RejectCode.NO_SUCH_AGREEMENT, 'no such agreement')
  if (agr.hoster !== ctx.writer) reject(RejectCode.NOT_HOSTER, 'only the hoster may report ready')
  if (agr.state === 'ended') reject(RejectCode.AGREEMENT_ENDED, `agreement is ${agr.state}`)
  if (op.length !== agr.length || op.byteLength !== agr.byteLength || op.fork !== agr.fork) {
    reject(RejectCode.READY_MISMATCH, `ready for length ${op.length}, ${op.byteLength} bytes, fork ${op.fork}: the agreement records length ${agr.length}, ${agr.byteLength} bytes, fork ${agr.fork}`)
  }
  if (agr.state !== 'pinning') {
    if (agr.graceUntil === 0 && agr.challengedLength === agr.length && agr.challengedByteLength === agr.byteLength && agr.challengedFork === agr.fork) reject(RejectCode.READY_MISMATCH, 'nothing to acknowledge')
    acknowledge(agr)
    ctx.putAgreement(agr)
    ctx.event({ type: 'agreement-acknowledged', agreementId: agr.id, hoster: agr.hoster, length: agr.length, byteLength: agr.byteLength, fork: agr.fork })
    return
  }
  acknowledge(agr)
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
  if (!author.indexer) reject(RejectCode.NOT_INDEXER, 'only indexers tick')
  const cur = ctx.meta.epoch
  if (op.epoch !== cur + 1 && op.epoch !== cur) reject(RejectCode.TICK_WRONG_EPOCH, `tick for epoch ${op.epoch}, current is ${cur}`)
  if (op.epoch === 0) reject(RejectCode.TICK_WRONG_EPOCH, 'epoch 0 is genesis')
  const rec: EpochRecord = (await ctx.tx.get<EpochRecord>(keys.epoch(op.epoch))) ?? emptyEpoch(op.epoch)
  if (rec.ticks.some((t) => t.indexer === author.id)) reject(RejectCode.DUPLICATE_TICK, 'duplicate tick')
  if (!rec.started) {
    const curRec = await ctx.tx.get<EpochRecord>(keys.epoch(cur))
    if (curRec !== null && op.tickTime < curRec.time) reject(RejectCode.TICK_TIME_EARLY, 'tick time before the current epoch')
  }
  let withheld = false
  const due = author.commit !== '' && author.commitEpoch === op.epoch
  if (due) {
    if (op.reveal.byteLength === 0) withheld = true
    // the secret is the chain's last link: H^(roundsPerEpoch+1)(reveal) must be the commitment (beacon.ts)
    else if (!checkLink(Buffer.from(author.commit, 'hex'), op.reveal, ctx.meta.params.roundsPerEpoch + 1)) reject(RejectCode.REVEAL_MISMATCH, 'reveal does not match the commitment')
  } else if (op.reveal.byteLength !== 0) {
    reject(RejectCode.REVEAL_UNEXPECTED, 'no commitment to reveal for this epoch')
  }
  if (withheld) {
    author.withheld++
    addWarning(author, 'withheld-reveal')
    rec.withheld.push(author.id)
  }
  author.commit = hex(op.commit)
  author.commitEpoch = op.epoch + 1
  author.lastTickEpoch = Math.max(author.lastTickEpoch, op.epoch)
  ctx.putAccount(author)
  rec.ticks.push({ indexer: author.id, time: op.tickTime, commit: hex(op.commit), reveal: withheld ? '' : hex(op.reveal) })
  ctx.tx.set(keys.epoch(op.epoch), rec)
  ctx.event({ type: 'tick', epoch: op.epoch, indexer: author.id, withheld })
  if (!rec.started) {
    const counted = rec.ticks.filter((t) => ctx.meta.indexers.includes(t.indexer)).length
    if (counted >= majority(ctx.meta.indexers.length)) await startEpoch(ctx, rec)
  }
}

/**
 * `report {epoch, results[]}`: the op is refused whole when it is not for the current epoch, is empty,
 * names an agreement twice, or names one the author is not a selected attestor of (or already reported).
 * Otherwise every result's evidence is checked (evidence.ts); a result that fails is recorded as refused
 * with its RejectCode and counts against the attestor (attestRefused, attestor score); the others apply.
 */
/**
 * The beacon of the current epoch: its own small record under version 2 (absent for the epoch whose start
 * ran version 1 rules), else from the epoch record.
 */
async function currentBeacon(ctx: Ctx, cur: number): Promise<Hex> {
  if (ctx.version >= 2) {
    const b = await ctx.tx.get<Hex>(keys.beacon(cur))
    if (b !== null) return b
  }
  const epochRec = await ctx.tx.get<EpochRecord>(keys.epoch(cur))
  if (epochRec === null || !epochRec.started) throw new InvariantError(`epoch ${cur} has no beacon`)
  return epochRec.beacon
}

async function report(ctx: Ctx, author: Account, op: OpOf<'report'>): Promise<void> {
  const cur = ctx.meta.epoch
  if (op.epoch < cur) reject(RejectCode.REPORT_LATE, `late report for epoch ${op.epoch} (current ${cur})`)
  if (op.epoch > cur) reject(RejectCode.REPORT_FUTURE, `report for future epoch ${op.epoch} (current ${cur})`)
  if (cur < 1) reject(RejectCode.REPORT_FUTURE, 'no epoch has started')
  if (op.results.length === 0) reject(RejectCode.REPORT_EMPTY, 'empty report')
  const seen = new Set<number>()
  const atts: [Attestation, number][] = []
  for (const r of op.results) {
    if (seen.has(r.agreementId)) reject(RejectCode.REPORT_DUPLICATE_RESULT, `duplicate result for agreement ${r.agreementId}`)
    seen.add(r.agreementId)
    const att = await ctx.tx.get<Attestation>(keys.attest(cur, r.agreementId))
    if (att === null) reject(RejectCode.NOT_CHALLENGED, `agreement ${r.agreementId} is not challenged in epoch ${cur}`)
    const i = att.attestors.indexOf(ctx.writer)
    if (i < 0) reject(RejectCode.NOT_SELECTED, `not a selected attestor of agreement ${r.agreementId}`)
    if (att.results[i] !== null) reject(RejectCode.DUPLICATE_REPORT, `duplicate report for agreement ${r.agreementId}`)
    atts.push([att, i])
  }
  const beacon = Buffer.from(await currentBeacon(ctx, cur), 'hex')
  const networkId = Buffer.from(ctx.meta.genesisBeacon, 'hex')
  const attestorKey = Buffer.from(ctx.writer, 'hex')
  const decay = ctx.meta.params.reputationDecayPpm
  let refused = 0
  for (const [j, r] of op.results.entries()) {
    const [att, i] = atts[j] as [Attestation, number]
    // the core key matters only for re-verifying a failing proof: read the agreement just then
    const coreKey = r.outcome === 'missing' && r.failing?.kind === 'proof' ? Buffer.from((await ctx.mustAgreement(r.agreementId)).coreKey, 'hex') : EMPTY
    const code = checkEvidence(r, {
      networkId,
      beacon,
      epoch: cur,
      agreementId: r.agreementId,
      attestorKey,
      nodeKey: Buffer.from(att.nodeKey, 'hex'),
      coreKey,
      length: att.length,
      fork: att.fork,
      samples: att.samples,
      multiSigner: versionInForce(ctx.meta).contractVersion >= 2
    })
    const res: AttestResult = {
      outcome: r.outcome,
      samples: r.samples,
      latencyP50Ms: r.latencyP50Ms,
      latencyP99Ms: r.latencyP99Ms,
      rttMs: r.rttMs,
      code: r.code,
      nonce: r.receipt === null ? '' : hex(r.receipt.nonce),
      failingPosition: r.outcome === 'missing' && r.failing !== null ? r.failing.position : -1,
      refused: code ?? ''
    }
    att.results[i] = res
    ctx.tx.set(keys.attest(cur, r.agreementId), att)
    if (code !== null) {
      refused++
      author.attestRefused++
      observeAttestor(author, 'failure', decay)
      ctx.event({ type: 'result-refused', epoch: cur, attestor: ctx.writer, agreementId: r.agreementId, code })
    }
  }
  if (refused > 0) ctx.putAccount(author)
  const rk = keys.report(cur, ctx.writer)
  const mine = (await ctx.tx.get<number[]>(rk)) ?? []
  ctx.tx.set(rk, [...mine, ...op.results.map((r) => r.agreementId)].sort((a, b) => a - b))
  ctx.event({ type: 'report-accepted', epoch: cur, attestor: ctx.writer, results: op.results.length - refused, refused })
}

async function transfer(ctx: Ctx, author: Account, op: OpOf<'transfer'>): Promise<void> {
  const to = hex(op.to)
  if (to === author.id) reject(RejectCode.SELF_TARGET, 'cannot transfer to yourself')
  if (op.amount <= 0n) reject(RejectCode.AMOUNT_INVALID, 'amount must be positive')
  const dest = await ctx.account(to)
  if (dest === null) reject(RejectCode.NO_SUCH_ACCOUNT, 'no such account')
  if (author.balance < op.amount) reject(RejectCode.INSUFFICIENT_BALANCE, 'insufficient balance (credit cannot be transferred)')
  const free = await transferable(ctx, author)
  // favor locked from the recipient's own unrepaid credit may always go back to it: that is repayment
  const lockedBack = author.lockedFrom[to] ?? 0n
  const back = lockedBack < op.amount ? lockedBack : op.amount
  if (free < op.amount - back) reject(RejectCode.TRANSFER_LOCKED, `only ${free} µfavor is transferable: the rest was paid out of welcome credit not yet repaid`)
  if (back > 0n) {
    if (lockedBack === back) delete author.lockedFrom[to]
    else author.lockedFrom[to] = lockedBack - back
  }
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
  if (to === author.id) reject(RejectCode.SELF_TARGET, 'cannot sponsor yourself')
  const dest = await ctx.account(to)
  if (dest === null) reject(RejectCode.NO_SUCH_ACCOUNT, 'no such account')
  if (add && value <= 0n) reject(RejectCode.AMOUNT_INVALID, 'amount must be positive')
  const current = dest.lines[author.id] ?? 0n
  const target = add ? current + value : value
  const delta = target - current
  if (delta > 0n) {
    const free = await escrowable(ctx, author)
    if (free < delta) reject(RejectCode.SPONSOR_LINE_OVER_BALANCE, `only ${free} µfavor can be escrowed (favor paid out of unrepaid welcome credit cannot)`)
  }
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

/**
 * `grow {requestId, coreKey, length, byteLength, fork}` (publisher only): the core grew on the same fork
 * (never shorter) or was rewritten (a higher fork, any length ≥ 1). Every live agreement of the core
 * records the new state; what challenges cover moves only on the hoster's `ready` or when the growth
 * grace runs out (docs/challenges.md §4) — a rewrite lowers the challenged length to the new length at
 * once. A hoster the growth would take past its offered capacity loses that agreement (`over-capacity`,
 * no penalty); its slot is matched again at the next epoch start.
 */
async function grow(ctx: Ctx, op: OpOf<'grow'>): Promise<void> {
  const p = ctx.meta.params
  const req = await ctx.request(op.requestId)
  if (req === null) reject(RejectCode.NO_SUCH_REQUEST, 'no such request')
  if (req.publisher !== ctx.writer) reject(RejectCode.NOT_PUBLISHER, 'only the request author may grow it')
  if (req.state !== 'queued' && req.state !== 'active') reject(RejectCode.REQUEST_ENDED, `request already ${req.state}`)
  const key = hex(op.coreKey)
  const c = req.cores.findIndex((x) => x.key === key)
  const core = req.cores[c]
  if (core === undefined) reject(RejectCode.CORE_NOT_IN_REQUEST, 'core not in request')
  if (op.length < 1) reject(RejectCode.GROW_SHRINK, 'core length must be ≥ 1')
  if (op.fork < core.fork) reject(RejectCode.GROW_SHRINK, `fork ${op.fork} is older than the recorded fork ${core.fork}`)
  const rewrite = op.fork > core.fork
  if (!rewrite && (op.length < core.length || op.byteLength < core.byteLength)) reject(RejectCode.GROW_SHRINK, 'a core cannot shrink on the same fork')
  if (!rewrite && op.length === core.length && op.byteLength === core.byteLength) reject(RejectCode.NO_GROWTH, 'no growth')
  if (!rewrite && op.length === core.length && versionInForce(ctx.meta).contractVersion >= 2) {
    reject(RejectCode.GROW_SIZE_INCONSISTENT, `length ${op.length} on fork ${op.fork} is recorded with ${core.byteLength} bytes: one signed tree has one size`)
  }
  core.length = op.length
  core.byteLength = op.byteLength
  core.fork = op.fork
  ctx.putRequest(req)
  const e = ctx.meta.epoch
  for (const id of req.agreements) {
    const a = await ctx.mustAgreement(id)
    if (a.coreIndex !== c || a.state === 'ended') continue
    const o = await ctx.offer(a.hoster)
    if (o !== null && o.usedBytes - a.byteLength + op.byteLength > o.capacityBytes) {
      await ctx.endAgreement(a, 'over-capacity')
      continue
    }
    if (o !== null) {
      o.usedBytes = o.usedBytes - a.byteLength + op.byteLength
      ctx.putOffer(o)
    }
    a.length = op.length
    a.byteLength = op.byteLength
    a.fork = op.fork
    // a pinning agreement is not challenged yet: its first `ready` must be for the new state
    if (a.state !== 'pinning') {
      if (rewrite) {
        a.challengedLength = Math.min(a.challengedLength, op.length)
        a.challengedByteLength = Math.min(a.challengedByteLength, op.byteLength)
      }
      const delta = Math.max(0, op.byteLength - a.challengedByteLength)
      a.graceUntil = e + p.growGraceEpochs + Math.ceil(delta / p.growBytesPerEpoch)
    }
    ctx.putAgreement(a)
  }
  ctx.event({ type: 'request-grown', requestId: req.id, coreKey: key, length: op.length, byteLength: op.byteLength, fork: op.fork })
}
