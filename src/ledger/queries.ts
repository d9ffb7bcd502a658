// Read helpers over a LedgerKV for nodes, the API, the simulator and tests. Read-only.
import { accountsInAdmissionOrder, listOfferIds, type RecordScanner } from './account-index.js'
import { indexedHosterAgreements, indexedOpenRequests, indexedPublisherAgreements } from './agreement-index.js'
import type { LedgerKV } from './kv.js'
import type { NetworkParams } from './ops.js'
import { decodeRecord } from './record.js'
import type { Account, Agreement, AgreementState, Attestation, EpochRecord, FreshQueue, Hex, HostingRequest, Invite, NetworkMeta, Offer, RejectedRecord, RoundChain } from './state.js'
import { attestScorePpm, available, keys, reputationPpm } from './state.js'

async function read<T>(kv: LedgerKV, key: string): Promise<T | null> {
  const raw = await kv.get(key)
  return raw === null ? null : decodeRecord<T>(raw)
}

export function getMeta(kv: LedgerKV): Promise<NetworkMeta | null> {
  return read<NetworkMeta>(kv, keys.meta)
}

export async function getParams(kv: LedgerKV): Promise<NetworkParams | null> {
  return (await getMeta(kv))?.params ?? null
}

/**
 * The network id that challenge receipts bind to: the genesis beacon, 32 bytes (null before genesis).
 * Hosters sign it into every receipt; attestors and the contract check it.
 */
export async function getNetworkId(kv: LedgerKV): Promise<Buffer | null> {
  const m = await getMeta(kv)
  return m === null ? null : Buffer.from(m.genesisBeacon, 'hex')
}

/** The current epoch (0 before the first epoch begins or before genesis). */
export async function currentEpoch(kv: LedgerKV): Promise<number> {
  return (await getMeta(kv))?.epoch ?? 0
}

/** The requests waiting for a matching round, with their queue positions (rounds.ts). */
export async function getFresh(kv: LedgerKV): Promise<FreshQueue> {
  return (await read<FreshQueue>(kv, keys.fresh)) ?? { next: 0, entries: [] }
}

/** The last chain link an indexer revealed in a round (null: none yet; check `epoch` and `commit`). */
export function getRoundChain(kv: LedgerKV, indexer: Hex): Promise<RoundChain | null> {
  return read<RoundChain>(kv, keys.round(indexer))
}

export function getAccount(kv: LedgerKV, id: Hex): Promise<Account | null> {
  return read<Account>(kv, keys.account(id))
}

/** A LedgerKV read through typed records (what account-index.ts reads). */
function scanner(kv: LedgerKV): RecordScanner {
  return {
    get: <T>(key: string) => read<T>(kv, key),
    scan: async <T>(prefix: string) => {
      const out: [string, T][] = []
      for await (const [key, raw] of kv.scan(prefix)) out.push([key, decodeRecord<T>(raw)])
      return out
    }
  }
}

/** Every account, in admission order (the bootstrap writer first). */
export function listAccounts(kv: LedgerKV): Promise<Account[]> {
  return accountsInAdmissionOrder(scanner(kv))
}

export function getOffer(kv: LedgerKV, hoster: Hex): Promise<Offer | null> {
  return read<Offer>(kv, keys.offer(hoster))
}

export async function listOffers(kv: LedgerKV): Promise<Offer[]> {
  const ids = await listOfferIds(scanner(kv))
  const out: Offer[] = []
  for (const id of ids) {
    const o = await getOffer(kv, id)
    if (o !== null) out.push(o)
  }
  return out
}

export function getRequest(kv: LedgerKV, id: number): Promise<HostingRequest | null> {
  return read<HostingRequest>(kv, keys.request(id))
}

export async function listRequests(kv: LedgerKV, filter: { publisher?: Hex } = {}): Promise<HostingRequest[]> {
  const m = await getMeta(kv)
  const out: HostingRequest[] = []
  for (let id = 1; m !== null && id < m.nextRequestId; id++) {
    const r = await getRequest(kv, id)
    if (r !== null && (filter.publisher === undefined || r.publisher === filter.publisher)) out.push(r)
  }
  return out
}

export function getAgreement(kv: LedgerKV, id: number): Promise<Agreement | null> {
  return read<Agreement>(kv, keys.agreement(id))
}

export interface AgreementFilter {
  hoster?: Hex
  publisher?: Hex
  requestId?: number
  state?: AgreementState | AgreementState[]
  /** Only agreements not ended (reads the live index instead of every agreement). */
  liveOnly?: boolean
}

/** The live agreements' ids, version 2 (one `live/<id:12>` key each), ascending. */
async function liveIds(kv: LedgerKV): Promise<number[]> {
  const out: number[] = []
  for await (const [key] of kv.scan(keys.livePrefix)) out.push(Number(key.slice(keys.livePrefix.length)))
  return out
}

/** How many agreements are live (version 1: the list; version 2: a range). */
export async function liveCount(kv: LedgerKV): Promise<number> {
  return ((await read<number[]>(kv, keys.live)) ?? (await liveIds(kv))).length
}

export async function listAgreements(kv: LedgerKV, filter: AgreementFilter = {}): Promise<Agreement[]> {
  let ids: number[]
  if (filter.liveOnly === true) {
    ids = (await read<number[]>(kv, keys.live)) ?? (await liveIds(kv))
  } else {
    const m = await getMeta(kv)
    ids = []
    for (let id = 1; m !== null && id < m.nextAgreementId; id++) ids.push(id)
  }
  const states = filter.state === undefined ? null : Array.isArray(filter.state) ? filter.state : [filter.state]
  const out: Agreement[] = []
  for (const id of ids) {
    const a = await getAgreement(kv, id)
    if (a === null) continue
    if (filter.hoster !== undefined && a.hoster !== filter.hoster) continue
    if (filter.publisher !== undefined && a.publisher !== filter.publisher) continue
    if (filter.requestId !== undefined && a.requestId !== filter.requestId) continue
    if (states !== null && !states.includes(a.state)) continue
    out.push(a)
  }
  return out
}

/**
 * A hoster's live (not ended) agreements, ascending: one range over its index on a version 2 ledger
 * (agreement-index.ts); on a version 1 ledger, the live set read agreement by agreement.
 */
export async function hosterAgreements(kv: LedgerKV, hoster: Hex): Promise<Agreement[]> {
  return (await indexedHosterAgreements(kv, hoster)) ?? listAgreements(kv, { hoster, liveOnly: true })
}

/** A publisher's live agreements, ascending (its index on a version 2 ledger, else the live set). */
export async function publisherAgreements(kv: LedgerKV, publisher: Hex): Promise<Agreement[]> {
  return (await indexedPublisherAgreements(kv, publisher)) ?? listAgreements(kv, { publisher, liveOnly: true })
}

/** A publisher's open (queued or active) requests, ascending (its index on a version 2 ledger, else every request). */
export async function openRequests(kv: LedgerKV, publisher: Hex): Promise<HostingRequest[]> {
  const indexed = await indexedOpenRequests(kv, publisher)
  if (indexed !== null) return indexed
  return (await listRequests(kv, { publisher })).filter((r) => r.state === 'queued' || r.state === 'active')
}

export function getEpoch(kv: LedgerKV, epoch: number): Promise<EpochRecord | null> {
  return read<EpochRecord>(kv, keys.epoch(epoch))
}

/** The beacon of an epoch (null until it started). */
export async function getBeacon(kv: LedgerKV, epoch: number): Promise<Buffer | null> {
  const e = await getEpoch(kv, epoch)
  return e === null || !e.started ? null : Buffer.from(e.beacon, 'hex')
}

export function getAttestation(kv: LedgerKV, epoch: number, agreementId: number): Promise<Attestation | null> {
  return read<Attestation>(kv, keys.attest(epoch, agreementId))
}

export interface Assignment {
  agreement: Agreement
  /** The hoster's DHT key for the challenge connection and the receipt's signer (hex), as recorded at selection. */
  nodeKey: Hex
  beacon: Buffer
  /** The network id receipts bind to (getNetworkId). */
  networkId: Buffer
  /** What to challenge (the attestation record): length and fork (minimum fork and signed length), samples. */
  length: number
  fork: number
  samples: number
  /** Whether this attestor already reported it. */
  reported: boolean
}

/** What an attestor must challenge in an epoch (scans the epoch's attested agreements). */
export async function assignmentsFor(kv: LedgerKV, attestor: Hex, epoch: number): Promise<Assignment[]> {
  const ctx = await assignmentContext(kv, epoch)
  if (ctx === null) return []
  const out: Assignment[] = []
  for (const id of ctx.attested) {
    const a = await assignmentIn(kv, ctx, attestor, epoch, id)
    if (a !== null) out.push(a)
  }
  return out
}

/**
 * One agreement's assignment for this attestor in an epoch, or null when it has none: a handful of reads
 * where `assignmentsFor` reads every attestation of the epoch (each challenge task needs only its own).
 */
export async function assignmentOf(kv: LedgerKV, attestor: Hex, epoch: number, agreementId: number): Promise<Assignment | null> {
  const ctx = await assignmentContext(kv, epoch)
  return ctx === null ? null : assignmentIn(kv, ctx, attestor, epoch, agreementId)
}

interface AssignmentContext { beacon: Buffer; networkId: Buffer; attested: readonly number[] }

async function assignmentContext(kv: LedgerKV, epoch: number): Promise<AssignmentContext | null> {
  const e = await getEpoch(kv, epoch)
  if (e === null || !e.started) return null
  const networkId = await getNetworkId(kv)
  if (networkId === null) return null
  return { beacon: Buffer.from(e.beacon, 'hex'), networkId, attested: e.attested }
}

async function assignmentIn(kv: LedgerKV, ctx: AssignmentContext, attestor: Hex, epoch: number, id: number): Promise<Assignment | null> {
  const att = await getAttestation(kv, epoch, id)
  if (att === null) return null
  const i = att.attestors.indexOf(attestor)
  if (i < 0) return null
  const agreement = await getAgreement(kv, id)
  if (agreement === null) return null
  return { agreement, nodeKey: att.nodeKey, beacon: ctx.beacon, networkId: ctx.networkId, length: att.length, fork: att.fork, samples: att.samples, reported: att.results[i] !== null }
}

export function getRejected(kv: LedgerKV, opId: string): Promise<RejectedRecord | null> {
  return read<RejectedRecord>(kv, keys.rejected(opId))
}

export interface Balance {
  balance: bigint
  credit: bigint
  lines: bigint
  available: bigint
  heldBack: bigint
  given: bigint
  received: bigint
  reputationPpm: number
  /** Attestor score (ppm) and whether it is excluded from attestor selection. */
  attestScorePpm: number
}

export async function getBalance(kv: LedgerKV, id: Hex): Promise<Balance | null> {
  const a = await getAccount(kv, id)
  if (a === null) return null
  let lines = 0n
  for (const v of Object.values(a.lines)) lines += v
  return {
    balance: a.balance,
    credit: a.credit,
    lines,
    available: available(a),
    heldBack: a.heldBack,
    given: a.given,
    received: a.received,
    reputationPpm: reputationPpm(a),
    attestScorePpm: attestScorePpm(a)
  }
}

/** Pinning-service status of a request: queued | pinning | pinned | failed. */
export async function pinStatus(kv: LedgerKV, requestId: number): Promise<'queued' | 'pinning' | 'pinned' | 'failed' | null> {
  const r = await getRequest(kv, requestId)
  if (r === null) return null
  if (r.state === 'cancelled' || r.state === 'expired') return 'failed'
  let allActive = true
  let any = false
  for (const row of r.slots) {
    for (const id of row) {
      if (id === 0) {
        allActive = false
        continue
      }
      any = true
      const a = await getAgreement(kv, id)
      if (a === null || a.state !== 'active') allActive = false
    }
  }
  if (!any) return 'queued'
  return allActive ? 'pinned' : 'pinning'
}

/** An invite by the hash of its secret (hex), or null. */
export function getInvite(kv: LedgerKV, hash: Hex): Promise<Invite | null> {
  return read<Invite>(kv, keys.invite(hash))
}
