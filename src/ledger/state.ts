// Typed records of the ledger state and their keys. Records are stored with the canonical encoding
// of record.ts (integers only; bigint for amounts and byte-seconds).
import type { NetworkParams, Outcome } from './ops.js'

/** Hex of a 32-byte key: the account id (= writer key of its author). */
export type Hex = string

export interface NetworkMeta {
  params: NetworkParams
  /** The bootstrap writer: admin. */
  admin: Hex
  /** Current epoch (0 until the first epoch begins). */
  epoch: number
  /** Current indexers, sorted. */
  indexers: Hex[]
  /** Next ids. */
  nextRequestId: number
  nextAgreementId: number
  /** Genesis beacon (hex). */
  genesisBeacon: Hex
}

export interface Account {
  id: Hex
  writer: boolean
  indexer: boolean
  /** Micro-favor; may be negative down to −(credit). */
  balance: bigint
  /** Welcome credit, micro-favor. */
  credit: bigint
  /** Sponsor lines: sponsor hex → escrowed micro-favor still available to this account. */
  lines: Record<Hex, bigint>
  /** Escrow this account has given to others: sponsored hex → micro-favor. */
  sponsoring: Record<Hex, bigint>
  /** Byte-seconds hosted and proven. */
  given: bigint
  /** Byte-seconds of this account's data hosted. */
  received: bigint
  /** Micro-favor earned and still held back across this account's agreements. */
  heldBack: bigint
  /** Beta reputation counts, ppm units (one observation = 1,000,000). */
  alpha: number
  beta: number
  /** Epochs this account passed as a hoster (vetting). */
  passedEpochs: number
  /** Warnings: 'unreachable' (hoster), 'out-of-credit' (publisher); cleared when resolved. */
  warnings: string[]
  /** Epoch it was admitted. */
  joinedEpoch: number
  /** Admission rate limit: epoch and count of writers it admitted in that epoch. */
  admitEpoch: number
  admitCount: number
  /** Beacon: commitment for the reveal due in tick `commitEpoch` (hex), or ''. */
  commit: Hex
  commitEpoch: number
  /** Ticks in which this indexer withheld (or could not give) its reveal. */
  withheld: number
  /** Attestor record: reports on the winning / losing side of a majority. */
  attestAgreed: number
  attestDisagreed: number
}

export interface Offer {
  hoster: Hex
  capacityBytes: number
  /** Bytes reserved by its live agreements. */
  usedBytes: number
  group: string
  /** The hoster's DHT public key for challenges (hex). */
  nodeKey: Hex
  withdrawn: boolean
  /** Live (not ended) agreement ids, ascending. */
  agreements: number[]
}

export interface RequestCore {
  key: Hex
  length: number
  byteLength: number
}

export type RequestState = 'queued' | 'active' | 'cancelled' | 'expired'

export interface HostingRequest {
  id: number
  publisher: Hex
  cores: RequestCore[]
  replicas: number
  /** Last epoch hosted (inclusive). */
  until: number
  maxPrice: bigint
  state: RequestState
  createdEpoch: number
  /** slots[coreIndex][replica] = serving agreement id, or 0 when open. */
  slots: number[][]
  /** Hosters that failed this request: never matched to it again. */
  failedHosters: Hex[]
  /** Every agreement ever created for this request, ascending. */
  agreements: number[]
}

export type AgreementState = 'pinning' | 'active' | 'paused' | 'ended'
/**
 * Why an agreement ended. `failed`: failingEpochsToRepair failing epochs in a row; `not-ready`: the hoster
 * did not post `ready` within pinningEpochs. Both exclude the hoster from the request and re-match the slot.
 */
export type EndReason = 'cancelled' | 'expired' | 'failed' | 'withdrawn' | 'out-of-credit' | 'not-ready'

export interface Agreement {
  id: number
  requestId: number
  coreIndex: number
  replica: number
  coreKey: Hex
  publisher: Hex
  hoster: Hex
  /** Recorded length (blocks) and byte length: billing and challenges follow these. */
  length: number
  byteLength: number
  state: AgreementState
  endReason: EndReason | null
  createdEpoch: number
  activeEpoch: number
  endedEpoch: number
  /** Consecutive failing epochs; a warning is raised at the first. */
  failStreak: number
  warning: Outcome | null
  /** Consecutive passing epochs since the last release of the held-back share. */
  cleanStreak: number
  /** Held-back micro-favor. */
  held: bigint
  /** Consecutive paused epochs. */
  pausedStreak: number
  /** The hoster withdrew: keeps serving until the replacement is ready. */
  exiting: boolean
  /** Replacement agreement for an exiting one (0 = none), and the one this replaces. */
  replacedBy: number
  replaces: number
  /** Totals for display. */
  paidMicro: bigint
  passes: number
  fails: number
}

/** Per agreement per epoch: selected attestors and their results (null until reported). */
export interface Attestation {
  agreementId: number
  epoch: number
  attestors: Hex[]
  results: (AttestResult | null)[]
}

export interface AttestResult {
  outcome: Outcome
  samples: number
  latencyP50Ms: number
  latencyP99Ms: number
  evidenceHash: Hex
}

export interface TickRecord {
  indexer: Hex
  time: number
  commit: Hex
  reveal: Hex
}

export interface EpochSummary {
  settled: number
  passed: number
  failed: number
  noOutcome: number
  paidMicro: bigint
  ended: number
}

export interface EpochRecord {
  epoch: number
  /** Ticks for this epoch in apply order. */
  ticks: TickRecord[]
  started: boolean
  /** Median of the starting majority's tick times, ms. */
  time: number
  /** beacon_e (hex), '' until started. */
  beacon: Hex
  /** Indexers that withheld their reveal in their tick for this epoch. */
  withheld: Hex[]
  /** Agreements challenged in this epoch (with an attestation record), ascending. */
  attested: number[]
  /** Filled when this epoch is settled. */
  summary: EpochSummary | null
}

export interface Proposal {
  kind: 'add-indexer' | 'remove-indexer'
  target: Hex
  votes: Hex[]
}

export interface RejectedRecord {
  opId: string
  writer: Hex
  type: string | null
  reason: string
  /** Epoch current when rejected. */
  epoch: number
}

// --- keys ---

const pad = (n: number): string => String(n).padStart(12, '0')

export const keys = {
  meta: 'meta/network',
  accounts: 'meta/accounts',
  live: 'meta/live',
  pending: 'meta/pending',
  open: 'meta/open',
  offers: 'meta/offers',
  account: (hex: Hex): string => `acct/${hex}`,
  offer: (hex: Hex): string => `offer/${hex}`,
  request: (id: number): string => `req/${pad(id)}`,
  agreement: (id: number): string => `agr/${pad(id)}`,
  epoch: (e: number): string => `epoch/${pad(e)}`,
  attest: (e: number, agreementId: number): string => `epoch/${pad(e)}/attest/${pad(agreementId)}`,
  report: (e: number, attestor: Hex): string => `report/${pad(e)}/${attestor}`,
  proposal: (kind: string, target: Hex): string => `meta/proposal/${kind}/${target}`,
  rejected: (opId: string): string => `rejected/${opId}`
}

/** A score in ppm from Beta counts: alpha / (alpha + beta). */
export function reputationPpm(a: Pick<Account, 'alpha' | 'beta'>): number {
  const total = a.alpha + a.beta
  return total === 0 ? 0 : Math.floor((a.alpha * 1_000_000) / total)
}

/** Everything an account may still spend: balance + welcome credit + sponsor lines. */
export function available(a: Account): bigint {
  let lines = 0n
  for (const v of Object.values(a.lines)) lines += v
  return a.balance + a.credit + lines
}
