// Types of the deterministic simulator: its configuration (nodes and their behaviours) and the report
// it returns. Everything but `perf` is a pure function of the configuration (seed included).
import type { EndReason, Hex, NetworkParams, Outcome } from '../ledger/index.js'

/** How a simulated node behaves. Epochs are ledger epochs (inclusive ranges). */
export type Behaviour =
  | { kind: 'honest' }
  /** Unreachable from epoch `from` to `to`: answers no challenge, posts nothing, reports nothing. */
  | { kind: 'offline'; from: number; to: number }
  /**
   * From epoch `from`, has lost `fraction` (0..1) of the blocks of every core it holds (chosen from the seed).
   * `mode` admit (default): answers a challenge that hits a lost block with a signed NOT_HELD error (the
   * attestor reports a proven `missing`); silent: goes silent instead (the attestor reports `slow`).
   */
  | { kind: 'lossy'; fraction: number; from: number; mode?: 'admit' | 'silent' }
  /**
   * Keeps nothing and relays every challenge to a holder: its answer time (beyond the round trip) is
   * normal around `delayMs` with deviation `jitterMs`; an answer after `deadlineMs` is `slow`.
   */
  | { kind: 'relay'; delayMs: number; jitterMs: number; deadlineMs: number }
  /** Answers challenges after the deadline from `from` to `to`. */
  | { kind: 'slow'; from: number; to: number }
  /** Sends `withdraw` in epoch `at` (graceful exit: keeps serving until replaced). */
  | { kind: 'withdraws'; at: number }
  /**
   * As an attestor: `pass` (lazy) reports pass without running a challenge (no receipt); `fail` reports
   * `missing` for everything with a receipt it forged itself; `slow` reports `slow` for everything.
   */
  | { kind: 'lyingAttestor'; mode: 'pass' | 'fail' | 'slow' }
  /**
   * A Sybil identity (SimConfig.sybil): declares far more than it has; it keeps the cores it is given, in
   * agreement order, up to `realBytes`, and holds nothing of the others (a challenge there is a proven
   * `missing`).
   */
  | { kind: 'overcommit'; realBytes: number }

export type BehaviourKind = Behaviour['kind']

export type ScenarioName = 'honest' | 'lossy' | 'offline' | 'slow' | 'withdraw' | 'lying' | 'mixed' | 'liar' | 'lazy' | 'relay' | 'silent-indexer'
export const SCENARIOS: readonly ScenarioName[] = ['honest', 'lossy', 'offline', 'slow', 'withdraw', 'lying', 'mixed', 'liar', 'lazy', 'relay', 'silent-indexer']
/** Scenarios whose report includes the attack's damage against the same run without it (damage.ts). */
export const ATTACK_SCENARIOS: readonly ScenarioName[] = ['liar', 'lazy', 'relay', 'silent-indexer']

export type Role = 'indexer' | 'hoster' | 'publisher'

export interface SimConfig {
  /** One seed → one identical run (keys, core keys, beacon secrets, lost blocks, latencies). */
  seed: number
  hosters: number
  /** Agreements requested (cores × replicas); the network may create more through repairs. */
  agreements: number
  /** Epochs run and settled. */
  epochs: number
  /** Publishers (default: ⌈agreements / 20⌉). */
  publishers?: number
  /** Indexers (default 3). They tick with commit–reveal and attest like every account. */
  indexers?: number
  /** Replicas per core (default 1). */
  replicas?: number
  /** Cores per request op (default: a publisher's cores in one op, at most 64). */
  coresPerRequest?: number
  /** Blocks per core (default 1,000) and bytes per block (default 65,536). */
  coreBlocks?: number
  blockBytes?: number
  /** Hoster failure domains: 0 (default) = every hoster its own group. */
  hosterGroups?: number
  /** Network parameter overrides (attestors, samples, heldBackEpochs, ...). */
  params?: Partial<NetworkParams>
  /** Fills `behaviours` for some hosters (see scenarios.ts). Explicit `behaviours` win. */
  scenario?: ScenarioName
  /** Behaviour per node label (`hoster-3`, `publisher-0`, `indexer-1`); default honest. */
  behaviours?: Record<string, Behaviour>
  /** Labels whose balance/reputation series are kept (default: every non-honest node + a few others). */
  track?: string[]
  /** Epochs a hoster needs to mirror a core before it posts `ready` (default 0: in the epoch it was matched). */
  mirrorEpochs?: number
  /**
   * New cores requested every epoch from epoch 1 on, round-robin over the publishers, on top of the
   * `agreements` requested at genesis (default 0).
   */
  arrivalCoresPerEpoch?: number
  /** A Sybil operator besides the honest hosters (docs/sybil.md). */
  sybil?: SybilConfig
  /** Check the accounting invariants (src/ledger/invariants.ts) after every op (default: with ≤ 100 accounts). */
  checkInvariants?: boolean
}

export interface SybilConfig {
  /** Identities (hoster accounts) of the operator. */
  identities: number
  /** The operator's share x of the real capacity (honest + its own), 0 ≤ x < 1. */
  realShare: number
  /** What each identity declares in its offer (default 1 PiB). */
  declaredBytes?: number
  /**
   * How its identities got in: 'lineage' (default) the admin vouched for one, which vouched for the rest
   * (one sponsor lineage); 'admin' the admin was fooled into vouching for each (k lineages).
   */
  vouching?: 'lineage' | 'admin'
  /**
   * Epoch in which its identities are admitted and offer (default 0: at genesis, with the honest hosters);
   * later, they join a running network whose honest hosters may be vetted already.
   */
  joinEpoch?: number
}

/** What the Sybil operator got (SimReport.sybil). */
export interface SybilStats {
  identities: number
  realShare: number
  vouching: 'lineage' | 'admin'
  /** Its share of the proven capacity (Σ provenBytes) at the end. */
  provenShare: number
  /** Its share of the live replicas (agreements) at the end. */
  replicaShare: number
  /** Its share of the live replicas created after it joined (all of them when it joined at genesis). */
  replicaShareSinceJoin: number
  /** Cores (of requests with ≥ 2 replicas) whose every live replica it holds, and the cores counted. */
  coresAllSybil: number
  cores: number
  /**
   * Cores (of requests with ≥ 2 replicas) whose every replica (all `replicas` of them live) it held at the end
   * of some epoch, and the cores that had an agreement created while it was a member (exposed to it).
   */
  coresEverAllSybil: number
  /** Cores whose live replicas (at least one) were all its own at the end of some epoch (a sole holder, even of a core not yet fully placed). */
  coresEverSoleSybil: number
  /** Cores of which it held two live replicas or more at the end of some epoch. */
  coresEverTwoSybil: number
  coresExposed: number
  /**
   * First epoch whose matching saw two of its identities vetted (0 = never): from then on, with identities of
   * distinct lineages, it could take more than one replica of a new core; and the cores matched from then on.
   */
  vettedEpoch: number
  coresExposedVetted: number
  /** Its share of the favor earned (Σ positive balance + held back over hosters and attestors). */
  favorShare: number
  /** Agreements on its identities that ended failed (data it did not keep: repairs honest publishers bore). */
  failedOnSybil: number
  /** Replica-epochs honest publishers paid for on its identities, and all replica-epochs paid. */
  paidOnSybil: number
  paidTotal: number
  /** Attestation records (retained epochs) of agreements on its identities, and those where a majority of the attestors were its own. */
  attestedOnSybil: number
  attestMajoritySybil: number
}

/** The configuration with every default filled in. */
export interface ResolvedConfig {
  seed: number
  hosters: number
  agreements: number
  epochs: number
  publishers: number
  indexers: number
  replicas: number
  coresPerRequest: number
  coreBlocks: number
  blockBytes: number
  hosterGroups: number
  scenario: ScenarioName | null
  mirrorEpochs: number
  arrivalCoresPerEpoch: number
  sybil: SybilConfig | null
  checkInvariants: boolean
  params: NetworkParams
  behaviours: Record<string, Behaviour>
  track: string[]
}

export interface EpochOutcome {
  epoch: number
  /** Ledger time of the epoch (median of the indexers' ticks), ms. */
  time: number
  /** From the contract's settlement of this epoch (its EpochSummary). */
  settled: number
  passed: number
  failed: number
  noOutcome: number
  paidMicro: bigint
  ended: number
  /** Failing outcomes by kind (the contract's `agreement-warning` events of this settlement). */
  failing: Record<Exclude<Outcome, 'pass'>, number>
  /** Agreements created / activated / ended (by reason) while this epoch was current. */
  created: number
  activated: number
  endedBy: Partial<Record<EndReason, number>>
  /** Ops applied and rejected while this epoch was current (its tick included). */
  ops: number
  rejected: number
  /** Report results sent by attestors for this epoch. */
  reportResults: number
  /**
   * Blocks the attestors of this epoch challenge, summed over the attestation records (samples × attestors,
   * at most the core's length each): audit traffic in blocks (adaptive audits, docs/challenges.md §3).
   */
  auditBlocks: number
  /** Wall time spent on this epoch (acting + tick), ms (not deterministic). */
  wallMs: number
}

export type IncidentKind = 'lossy' | 'offline' | 'slow' | 'withdraw' | 'relay'

/** One agreement of a misbehaving (or withdrawing) hoster, followed from the first affected epoch. */
export interface Incident {
  kind: IncidentKind
  agreementId: number
  requestId: number
  hoster: string
  /** First epoch in which the agreement was challenged while the hoster misbehaved (withdraw: the epoch it withdrew). */
  startEpoch: number
  /** Blocks per attestor the contract fixed for the agreement in its first affected epoch (its hoster's audit tier). */
  startSamples: number
  /** First epoch in which at least one selected attestor reported a failing result (contract attestation record). */
  firstReportEpoch: number | null
  /** First epoch whose settled outcome was failing (contract settlement). */
  firstFailEpoch: number | null
  /** Epoch the agreement ended and why. */
  endedEpoch: number | null
  endReason: EndReason | null
  /** The replacement agreement (on another hoster) and the epoch it became active. */
  repairAgreementId: number | null
  repairHoster: string | null
  repairActiveEpoch: number | null
}

export interface DetectionStats {
  incidents: number
  /** Incidents with a failing attestor report in the first affected epoch. */
  reportedFirstEpoch: number
  /** Incidents whose first affected epoch settled as failing (the contract's outcome: any missing, else majority). */
  failedFirstEpoch: number
  /** Incidents with a failing outcome at all; epochs from start to first failing outcome (1 = the first epoch). */
  detected: number
  meanEpochsToDetect: number | null
  maxEpochsToDetect: number | null
  /** Incidents whose slot was repaired (replacement active); epochs from start to the replacement being active. */
  repaired: number
  meanEpochsToRepair: number | null
  maxEpochsToRepair: number | null
}

export interface FlowTotals {
  balance: bigint
  heldBack: bigint
  given: bigint
  received: bigint
}

export interface FlowPoint {
  epoch: number
  byRole: Record<Role, FlowTotals>
  /** Σ(balance + heldBack + sponsor lines) over every account: 0 while nothing is minted. */
  conserved: bigint
}

export interface AccountPoint {
  epoch: number
  balance: bigint
  heldBack: bigint
  given: bigint
  received: bigint
  reputationPpm: number
}

export interface AccountFlow {
  label: string
  role: Role
  behaviour: BehaviourKind
  balance: bigint
  heldBack: bigint
  given: bigint
  received: bigint
  reputationPpm: number
  passedEpochs: number
  attestAgreed: number
  attestDisagreed: number
  attestRefused: number
  attestScorePpm: number
  indexer: boolean
  warnings: string[]
}

export interface SimReport {
  config: Omit<ResolvedConfig, 'params' | 'behaviours'> & { attestors: number; samples: number; behaviours: Record<string, Behaviour> }
  /** State digest (hex) after the last settlement: equal for equal configurations. */
  digest: string
  epochs: EpochOutcome[]
  incidents: Incident[]
  detection: Partial<Record<IncidentKind, DetectionStats>>
  flows: FlowPoint[]
  /** Per-epoch series of the tracked accounts. */
  tracked: Record<string, AccountPoint[]>
  /** Final state of every account (hosters, publishers, indexers). */
  accounts: AccountFlow[]
  /** Honest attestors that took a reputation failure for being on the losing side of a pass/fail majority. */
  honestAttestorPenalties: number
  ops: { applied: number; accepted: number; rejected: number; byType: Record<string, number>; rejectedByReason: Record<string, number> }
  /** Report results the contract refused, by RejectCode (recorded; counted against their attestors). */
  refusedResults: Record<string, number>
  /** Epochs that started weak (too few reveals: no matching, no attestor selection). */
  weakEpochs: number
  /** Agreements ended, by reason and by whether their hoster behaves honestly. */
  endedHonest: Partial<Record<EndReason, number>>
  /** The Sybil operator's results (SimConfig.sybil), or null. */
  sybil: SybilStats | null
  /** Agreements created in total, and live (not ended) at the end. */
  agreementsCreated: number
  agreementsLive: number
  perf: {
    setupMs: number
    runMs: number
    wallMs: number
    epochsPerSec: number
    opsPerSec: number
    peakRssBytes: number
    peakHeapBytes: number
    kvEntries: number
    /** Of wallMs, the time spent inside the contract's `apply` (the rest is the simulator and reads). */
    applyMs: number
  }
}

export type { Hex }
