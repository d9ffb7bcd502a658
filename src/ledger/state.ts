// Typed records of the ledger state and their keys. Records are stored with the canonical encoding
// of record.ts (integers only; bigint for amounts and byte-seconds).
import type { NetworkParams, Outcome, UnitKind } from './ops.js'

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
  /** Genesis beacon (hex). It is also the network id that challenge receipts bind to (getNetworkId). */
  genesisBeacon: Hex
  /** The contract version the network was created with (init-network's, CONTRACT_VERSION by default). */
  contractVersion: number
  /** A contract upgrade an indexer majority voted for: in force once `epoch ≥ fromEpoch` (upgrade.ts). */
  upgrade: { contractVersion: number; fromEpoch: number } | null
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
  /** Its place in the admission order (indexer promotion, listings): accounts admitted before it, 0 for the bootstrap writer. */
  admissionSeq: number
  /** Admission rate limit: epoch and count of writers it admitted in that epoch. */
  admitEpoch: number
  admitCount: number
  /** Beacon: commitment for the reveal due in tick `commitEpoch` (hex), or ''. */
  commit: Hex
  commitEpoch: number
  /** Ticks in which this indexer withheld (or could not give) its reveal. */
  withheld: number
  /** Attestor record: results on the deciding side / against a majority / refused for bad evidence. */
  attestAgreed: number
  attestDisagreed: number
  attestRefused: number
  /** Attestor score, Beta counts in ppm units like alpha/beta (agreeing = success; disagreeing, refused = failure). */
  attestAlpha: number
  attestBeta: number
  /** Epoch of this hoster's last failing settled epoch (any agreement), 0 = none: "recent record" for samplesNew. */
  lastFailEpoch: number
  /** The member that vouched for this account (admitted it, directly or by an invite); '' for the genesis admin. */
  sponsor: Hex
  /**
   * The account's sponsor lineage (docs/sybil.md): the member at the top of its sponsor chain just below the
   * genesis admin (the admin and each member the admin vouched for start their own). Replicas of one core
   * never go to two accounts of one lineage nor to the publisher's; attestors are never of the hoster's or
   * the publisher's lineage.
   */
  lineage: Hex
  /** Proven capacity: the most bytes this hoster passed challenges for in one settled epoch. */
  provenBytes: number
  /** Vetting: epochs (each counted once) with a pass for a publisher of another lineage, the last such epoch, those lineages (≤ VET_LINEAGES_KEPT). */
  vetEpochs: number
  vetLastEpoch: number
  vetLineages: Hex[]
  /**
   * Favor received that was paid out of someone's unrepaid welcome credit: drawer hex → micro-favor. Not
   * transferable (nor escrowable as a line) while the drawer still owes (credit.ts); spent on hosting it
   * moves, still locked, to the payees.
   */
  lockedFrom: Record<Hex, bigint>
  /** Indexers: the last epoch this account ticked (or was made an indexer); silence is counted from it. */
  lastTickEpoch: number
  /** Epoch this account was removed as an indexer for silence (0 = never): not promoted automatically again. */
  silentRemovedEpoch: number
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
  /** The core's fork as last recorded (request, grow). */
  fork: number
}

export type RequestState = 'queued' | 'active' | 'cancelled' | 'expired'

export interface HostingRequest {
  id: number
  publisher: Hex
  cores: RequestCore[]
  /** What the cores make up (op version 3); absent: a single core ('core'). */
  kind?: UnitKind
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
 * `over-capacity`: a grow would take the hoster past its offered capacity: no penalty, held-back share
 * released, the slot re-matched elsewhere.
 */
export type EndReason = 'cancelled' | 'expired' | 'failed' | 'withdrawn' | 'out-of-credit' | 'not-ready' | 'over-capacity'

export interface Agreement {
  id: number
  requestId: number
  coreIndex: number
  replica: number
  coreKey: Hex
  publisher: Hex
  hoster: Hex
  /** Recorded length (blocks), byte length and fork of the core (request, grow): what the hoster must hold. */
  length: number
  byteLength: number
  fork: number
  /**
   * What challenges cover and billing follows (docs/challenges.md §4): the recorded state the hoster
   * acknowledged with `ready`, or that the growth grace made due. A grow leaves it; a rewrite lowers the
   * challenged length to at most the new length at once.
   */
  challengedLength: number
  challengedByteLength: number
  challengedFork: number
  /** Epoch at which the challenged state moves to the recorded one without an ack (0: nothing pending). */
  graceUntil: number
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

/**
 * Per agreement per epoch: what is challenged (fixed at selection), the selected attestors and, per
 * attestor, its result (accepted, or refused with a RejectCode) — null until reported.
 */
export interface Attestation {
  agreementId: number
  epoch: number
  /** The challenged length, byte length (billed on a pass) and fork: the agreement's challenged state at selection. */
  length: number
  byteLength: number
  fork: number
  /** Blocks per attestor: params.samples, or params.samplesNew for an unvetted or recently failing hoster. */
  samples: number
  /** The hoster's node key (hex) at selection: receipts must be signed by it. */
  nodeKey: Hex
  attestors: Hex[]
  results: (AttestResult | null)[]
}

export interface AttestResult {
  outcome: Outcome
  samples: number
  latencyP50Ms: number
  latencyP99Ms: number
  rttMs: number
  /** The attestor's JudgementCode (informational). */
  code: number
  /** The receipt's nonce (hex; '' without a receipt): with the beacon it fixes the challenged indices. */
  nonce: Hex
  /** missing: the position of the failing item in the answer (-1 otherwise). */
  failingPosition: number
  /** '' when accepted; else the RejectCode it was refused with (then it counts as no report). */
  refused: string
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
  /**
   * Indexers whose commitment was due in this epoch and was not opened by the ticks that started it
   * (whether they ticked or not): recorded when the epoch starts.
   */
  withheld: Hex[]
  /** Ticks that started the epoch (the first `startTicks` of `ticks`), and the indexer count then. */
  startTicks: number
  indexerCount: number
  /** Reveals in the beacon. */
  reveals: number
  /**
   * Fewer reveals than a strict majority of indexerCount: the beacon could be known in advance, so this
   * epoch does no matching and no attestor selection.
   */
  weak: boolean
  /** Agreements challenged in this epoch (with an attestation record), ascending. */
  attested: number[]
  /** Filled when this epoch is settled. */
  summary: EpochSummary | null
}

/** A new epoch record (not started). */
export function emptyEpoch(epoch: number): EpochRecord {
  return { epoch, ticks: [], started: false, time: 0, beacon: '', withheld: [], startTicks: 0, indexerCount: 0, reveals: 0, weak: false, attested: [], summary: null }
}

/** A single-use invite (`invite` op): only the hash of its secret is on the ledger. */
export interface Invite {
  hash: Hex
  /** Its author: the newcomer's sponsor. */
  sponsor: Hex
  /** Credit line escrowed from the sponsor's balance at redemption, micro-favor (0 allowed). */
  credit: bigint
  createdEpoch: number
  /** Last epoch it can be redeemed in. */
  expiresEpoch: number
  /** The account it admitted ('' = unused) and when. */
  usedBy: Hex
  usedEpoch: number
}

/**
 * An indexer's progress along the hash chain it committed to in its tick for `epoch` (`round/<hex>`,
 * rounds.ts): the last link a `round` revealed during `epoch`, and its index. A record of another epoch
 * means no link of the current chain was revealed yet (the anchor is the account's commitment).
 */
export interface RoundChain {
  epoch: number
  /** The commitment (hex) the chain hangs from. */
  commit: Hex
  index: number
  link: Hex
}

/**
 * Requests that got a slot to fill since the last round that tried them (`meta/fresh`, rounds.ts):
 * `[requestId, position]` in ascending positions, one entry per request (its latest). A round tries the
 * entries below its `upTo`; a strong epoch start tries every pending request and empties the queue.
 */
export interface FreshQueue {
  /** The position the next entry gets. */
  next: number
  entries: [number, number][]
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
  /** A RejectCode. */
  code: string
  reason: string
  /** Epoch current when rejected. */
  epoch: number
}

// --- keys ---

const pad = (n: number): string => String(n).padStart(12, '0')

export const keys = {
  meta: 'meta/network',
  /** Accounts admitted (account-index.ts). */
  accountCount: 'meta/account-count',
  /** Agreements not ended: one list (version 1); version 2 has one key per agreement (`liveEntry`). */
  live: 'meta/live',
  liveEntry: (id: number): string => `live/${pad(id)}`,
  livePrefix: 'live/',
  pending: 'meta/pending',
  open: 'meta/open',
  offers: 'meta/offers',
  account: (hex: Hex): string => `acct/${hex}`,
  /** Every account record's key starts with it (account-index.ts reads them by a range). */
  accountPrefix: 'acct/',
  offer: (hex: Hex): string => `offer/${hex}`,
  /** Every offer record's key starts with it (version 2 reads the offers by a range: account-index.ts). */
  offerPrefix: 'offer/',
  request: (id: number): string => `req/${pad(id)}`,
  agreement: (id: number): string => `agr/${pad(id)}`,
  epoch: (e: number): string => `epoch/${pad(e)}`,
  attest: (e: number, agreementId: number): string => `epoch/${pad(e)}/attest/${pad(agreementId)}`,
  report: (e: number, attestor: Hex): string => `report/${pad(e)}/${attestor}`,
  invite: (hash: Hex): string => `invite/${hash}`,
  proposal: (kind: string, target: Hex): string => `meta/proposal/${kind}/${target}`,
  fresh: 'meta/fresh',
  round: (indexer: Hex): string => `round/${indexer}`,
  /**
   * The current epoch's beacon alone (contract version 2): what a `report` needs, without decoding the epoch
   * record and its list of every attested agreement once per report op. Only the current epoch's is kept.
   */
  beacon: (e: number): string => `beacon/${pad(e)}`,
  rejected: (opId: string): string => `rejected/${opId}`
}

/** Strict majority of n. */
export function majority(n: number): number {
  return Math.floor(n / 2) + 1
}

/** A score in ppm from Beta counts: alpha / (alpha + beta). */
export function reputationPpm(a: Pick<Account, 'alpha' | 'beta'>): number {
  const total = a.alpha + a.beta
  return total === 0 ? 0 : Math.floor((a.alpha * 1_000_000) / total)
}

/** The attestor score in ppm from its Beta counts. */
export function attestScorePpm(a: Pick<Account, 'attestAlpha' | 'attestBeta'>): number {
  return reputationPpm({ alpha: a.attestAlpha, beta: a.attestBeta })
}

/** Everything an account may still spend: balance + welcome credit + sponsor lines. */
export function available(a: Account): bigint {
  let lines = 0n
  for (const v of Object.values(a.lines)) lines += v
  return a.balance + a.credit + lines
}

/** An account's sponsor lineage (its own id for the admin and the members the admin vouched for). */
export function lineageOf(a: Pick<Account, 'id' | 'lineage'>): Hex {
  return a.lineage === '' ? a.id : a.lineage
}

/** Favor an account received out of welcome credit and may not transfer yet (before releasing repaid locks). */
export function lockedTotal(a: Pick<Account, 'lockedFrom'>): bigint {
  let t = 0n
  for (const v of Object.values(a.lockedFrom)) t += v
  return t
}
