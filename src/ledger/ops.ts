// The ledger's ops: their TypeScript shapes and type tags. The binary codec is in codec.ts.
// Every op carries the author's claimed wall time (`time`, ms since the Unix epoch); the contract
// records it but never trusts it for anything but the tick median.

/**
 * Admission policy. `invite` (the default): a member vouches for each newcomer — directly with `add-writer`
 * or through a single-use `invite` the newcomer redeems (`redeem`) — and becomes its sponsor. `open`: any
 * writer admits (rate-limited). `adminOnly`: only the admin admits. Every admission records the sponsor.
 */
export const Admission = { open: 0, adminOnly: 1, invite: 2 } as const
export type AdmissionPolicy = (typeof Admission)[keyof typeof Admission]

/** Parameters fixed at genesis. Units in the names; defaults in constants.ts. */
export interface NetworkParams {
  /** Seconds billed per epoch. */
  epochSeconds: number
  /** Micro-favor per GiB-hour. */
  priceMicroPerGiBHour: bigint
  /**
   * Micro-favor of welcome credit each new account gets (opt-in, default 0). Favor paid out of it stays
   * non-transferable on whoever receives it until the drawer repays (docs/sybil.md).
   */
  welcomeCreditMicro: bigint
  /**
   * The founder's credit, micro-favor: how far below zero the genesis admin's balance may go to pay for
   * hosting and to escrow sponsor lines and invite credit (never to transfer). Unlike welcome credit, favor
   * paid out of it is NOT locked: the founder is the community's root of trust and answers for it, so it
   * is the network's source of transferable favor (docs/sybil.md §2).
   */
  founderCreditMicro: bigint
  /** Attestors per agreement per epoch. */
  attestors: number
  /** Samples per attestor per agreement per epoch for a vetted hoster with no recent failure. */
  samples: number
  /**
   * Samples per attestor for an unvetted hoster, or one with a failure or warning in its recent record.
   * 32 makes a hoster that goes silent whenever it lacks a block (10 % lost) fail its first epoch with
   * probability ≥ 99 %, as one that admits the loss does (docs/challenges.md).
   */
  samplesNew: number
  /**
   * Growth grace: challenges keep covering the last acknowledged length for growGraceEpochs +
   * ceil(appended bytes / growBytesPerEpoch) epochs after a grow, unless the hoster acknowledges the new
   * length sooner with `ready`.
   */
  growGraceEpochs: number
  growBytesPerEpoch: number
  /** An indexer that ticks none of this many consecutive epochs is removed (and replaced if possible). */
  indexerSilentEpochs: number
  /**
   * Indexers the contract aims for (odd; 1 allowed). When the members reach it, members are promoted in
   * admission order up to the largest odd count ≤ indexerTarget; the set is never left at an even size ≥ 2
   * when that can be avoided (README, "Indexers").
   */
  indexerTarget: number
  /** Hoster share of a payment, ppm. */
  hosterSharePpm: number
  /** Held-back part of the hoster share, ppm. */
  heldBackPpm: number
  /** Clean epochs after which the held-back share is released. */
  heldBackEpochs: number
  /** Passing epochs before a hoster is vetted. */
  unvettedEpochs: number
  /** Consecutive failing epochs that end an agreement. */
  failingEpochsToRepair: number
  /** Consecutive paused epochs that end an agreement. */
  pausedEpochsToEnd: number
  /**
   * Epochs a matched hoster has to post `ready`: an agreement created at the start of epoch c that is still
   * pinning when epoch c + pinningEpochs starts ends as `not-ready` and its slot is re-matched elsewhere.
   */
  pinningEpochs: number
  /** Admission policy (Admission.invite, Admission.open or Admission.adminOnly). */
  admission: AdmissionPolicy
  /** Writers one writer may admit per epoch (open policy). */
  admissionsPerEpoch: number
  /** Reputation forgetting factor, ppm. */
  reputationDecayPpm: number
  /**
   * Matching rounds per epoch (0..MAX_ROUNDS_PER_EPOCH; default epochSeconds / 5 s, see params.ts): the
   * length of each indexer's hash chain minus one. Each tick commits H^(roundsPerEpoch+1)(secret) and
   * `round` ops reveal the chain's links one by one (rounds.ts); 0 turns rounds off (matching only at
   * epoch starts, commitments H(secret)).
   */
  roundsPerEpoch: number
  /**
   * Adaptive audits (contract version 2; docs/challenges.md §3): encoded after the contract version in a
   * version 2 `init-network`; absent on a network created under version 1 (auditParams gives the defaults).
   */
  audit?: AuditParams
}

/** Adaptive audit parameters (contract version 2). Defaults in constants.ts. */
export interface AuditParams {
  /** Clean epochs (a pass, no failing or suspect result) a vetted hoster needs for the clean tier. */
  cleanEpochs: number
  /** The clean tier's daily audit traffic, ppm of each core's blocks (10,000 = 1 % a day). */
  budgetPpm: number
  /** The clean tier's least blocks per attestor (small cores exceed the budget by this floor). */
  samplesCleanMin: number
}

export type Outcome = 'pass' | 'missing' | 'slow' | 'unreachable'
export const OUTCOMES: readonly Outcome[] = ['pass', 'missing', 'slow', 'unreachable']

/**
 * What a request's cores make up (op version 3): one core, a Hyperdrive (metadata core first, then its
 * blobs core), or an Autobase. The contract stores it; placement, challenges and billing are per core.
 */
export type UnitKind = 'core' | 'drive' | 'autobase'
export const UNIT_KINDS: readonly UnitKind[] = ['core', 'drive', 'autobase']

export interface CoreSpec {
  /** Hypercore public key, 32 bytes. */
  key: Uint8Array
  /** Blocks. */
  length: number
  /** Bytes. */
  byteLength: number
  /** The core's fork (bumped by a truncation); answers from an older fork fail. */
  fork: number
}

/**
 * A hoster's signed receipt over its whole answer to one challenge (src/proof/receipt.ts):
 * signature = sign(H(network ‖ agreementId ‖ epoch ‖ attestorKey ‖ nonce ‖ answerHash ‖ fork ‖ length)).
 * The agreement, epoch and attestor come from the report itself; the network id is the ledger's.
 */
export interface Receipt {
  /** The attestor's fresh 32-byte nonce; the challenged indices derive from it. */
  nonce: Uint8Array
  /** Fork and signed length of the head the hoster answered from. */
  fork: number
  length: number
  /** H(H(manifest) ‖ item hashes), 32 bytes. */
  answerHash: Uint8Array
  /** ed25519 by the hoster's node key (its offer's nodeKey), 64 bytes. */
  signature: Uint8Array
}

/**
 * The one item of a signed answer that shows lost data, with what the contract needs to check it:
 * every item's hash (so the answer hash can be recomputed) and the manifest the hoster committed to.
 */
export interface FailingItem {
  /** Position of the item in the answer (0-based, < itemHashes.length). */
  position: number
  /** The hoster's item: its wire proof bytes (kind 'proof') or its signed error code (kind 'error'). */
  kind: 'proof' | 'error'
  /** ItemError code when kind is 'error', else 0. */
  errorCode: number
  /** The wire proof bytes when kind is 'proof', else empty. */
  proof: Uint8Array
  /** The manifest bytes the hoster sent (empty if none). */
  manifest: Uint8Array
  /** The hash of every item of the answer, in order, 32 bytes each. */
  itemHashes: Uint8Array[]
}

/**
 * One attestor's result for one agreement in one epoch. Evidence the contract checks in apply:
 * - pass: `receipt` required (valid signature by the hoster's node key, fork ≥ the recorded fork,
 *   length ≥ the challenged length); `failing` must be null.
 * - missing: `receipt` and `failing` required; the failing item must hash into the receipt's answer
 *   hash and must really show loss (an admitted error, or a proof the contract re-verifies and finds
 *   invalid, stale-forked or short).
 * - slow / unreachable: judgements nobody can prove; `receipt` optional (a valid answer after the
 *   deadline), `failing` null. They count only by a strict majority of the selected attestors.
 */
export interface ReportResult {
  agreementId: number
  outcome: Outcome
  /** Blocks challenged. */
  samples: number
  /** Response time minus the measured round trip, ms (p50 and p99 over the challenge's blocks). */
  latencyP50Ms: number
  latencyP99Ms: number
  /** The round trip the attestor measured on the channel before sending the nonce, ms. */
  rttMs: number
  /** Why slow/unreachable (a JudgementCode of src/proof/receipt.ts, informational; 0 for pass and missing). */
  code: number
  receipt: Receipt | null
  failing: FailingItem | null
}

interface Base {
  /** Author's claimed wall time, ms. */
  time: number
}

export type Op =
  /**
   * `init-network`: genesis. `contractVersion` (default CONTRACT_VERSION when encoding) is the contract
   * the network starts with; a node whose code does not know it stops instead of applying it.
   */
  | (Base & { type: 'init-network'; params: NetworkParams; contractVersion?: number })
  | (Base & { type: 'add-writer'; writerKey: Uint8Array; indexer: boolean })
  | (Base & { type: 'add-indexer'; writerKey: Uint8Array })
  | (Base & { type: 'remove-indexer'; writerKey: Uint8Array })
  | (Base & { type: 'offer'; capacityBytes: number; group: string; nodeKey: Uint8Array })
  | (Base & { type: 'withdraw' })
  | (Base & { type: 'request'; cores: CoreSpec[]; replicas: number; until: number; maxPrice: bigint; kind?: UnitKind })
  | (Base & { type: 'cancel'; requestId: number })
  /**
   * `ready`: the hoster holds a full verified copy at exactly the agreement's recorded (length, byteLength,
   * fork) — the first one turns a pinning agreement active; later ones acknowledge growth, so that
   * challenges cover the new length at once instead of after the growth grace period.
   */
  | (Base & { type: 'ready'; agreementId: number; length: number; byteLength: number; fork: number })
  | (Base & { type: 'tick'; epoch: number; tickTime: number; commit: Uint8Array; reveal: Uint8Array })
  | (Base & { type: 'report'; epoch: number; results: ReportResult[] })
  | (Base & { type: 'transfer'; to: Uint8Array; amount: bigint })
  | (Base & { type: 'sponsor'; to: Uint8Array; amount: bigint })
  | (Base & { type: 'set-limit'; to: Uint8Array; limit: bigint })
  /**
   * `invite`: a member creates a single-use invite: the ledger keeps only the hash of the secret the newcomer
   * will present, the credit line the author will escrow from its own balance when it is redeemed, and the
   * epoch after which it is void.
   */
  | (Base & { type: 'invite'; hash: Uint8Array; credit: bigint; expiresEpoch: number })
  /** `redeem`: a writer admits `writerKey` with the invite secret it presented (over favor/join/1). */
  | (Base & { type: 'redeem'; writerKey: Uint8Array; secret: Uint8Array })
  /** `grow`: the core grew (same fork, never shorter) or was rewritten (a higher fork, any length ≥ 1). */
  | (Base & { type: 'grow'; requestId: number; coreKey: Uint8Array; length: number; byteLength: number; fork: number })
  /**
   * `upgrade {contractVersion, fromEpoch}`: an indexer's vote to run contract `contractVersion` from
   * epoch `fromEpoch` on; scheduled at a strict majority of the current indexers (upgrade.ts).
   */
  | (Base & { type: 'upgrade'; contractVersion: number; fromEpoch: number })
  /**
   * `round {epoch, index, link, upTo}`: an indexer's matching round inside epoch `epoch` (the current one).
   * `link` is link `index` (1..roundsPerEpoch) of the hash chain it committed to in its tick for `epoch`:
   * H^(R−index)(secret_{epoch+1}), R = roundsPerEpoch + 1, never a link at or below one already revealed.
   * The round matches the slots that became pending before the queue position `upTo` (rounds.ts).
   */
  | (Base & { type: 'round'; epoch: number; index: number; link: Uint8Array; upTo: number })
  /**
   * `prove-size {requestId, coreKey, manifest, proof}` (contract version 2; anyone admitted): a block proof
   * of the core, signed by the core's own key, at the recorded fork and at least the recorded length. The
   * signed tree's byte length shows what the publisher's declared `byteLength` should be; when they
   * differ, the contract corrects the record (size-proof.ts).
   */
  | (Base & { type: 'prove-size'; requestId: number; coreKey: Uint8Array; manifest: Uint8Array; proof: Uint8Array })
  /**
   * `extend {requestId, cores}` (contract version 2; the request's publisher): more cores for a live
   * request — a unit that gained cores (an Autobase's new members and rotated view cores). Each new core
   * gets `replicas` open slots, matched, challenged, repaired and billed like the request's first cores.
   */
  | (Base & { type: 'extend'; requestId: number; cores: CoreSpec[] })

export type OpType = Op['type']
export type OpOf<T extends OpType> = Extract<Op, { type: T }>

/** Wire tags. Never renumber; add new ones at the end. */
export const OP_TAGS: Readonly<Record<OpType, number>> = {
  'init-network': 1,
  'add-writer': 2,
  'add-indexer': 3,
  'remove-indexer': 4,
  offer: 5,
  withdraw: 6,
  request: 7,
  cancel: 8,
  ready: 9,
  tick: 10,
  report: 11,
  transfer: 12,
  sponsor: 13,
  'set-limit': 14,
  grow: 15,
  upgrade: 16,
  invite: 17,
  redeem: 18,
  round: 19,
  'prove-size': 20,
  extend: 21
}

/**
 * The contract version from which an op type exists. Under an older version in force, such an op is
 * refused exactly as that version's code refused an unknown tag (no type, `OP_TYPE_UNKNOWN`), so nodes
 * of both versions agree on it.
 */
export const OP_SINCE_VERSION: Readonly<Partial<Record<OpType, number>>> = {
  'prove-size': 2,
  extend: 2
}

export const OP_TYPES_BY_TAG: ReadonlyMap<number, OpType> = new Map(
  (Object.entries(OP_TAGS) as [OpType, number][]).map(([t, n]) => [n, t])
)
