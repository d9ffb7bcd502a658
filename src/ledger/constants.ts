// Network defaults. Every constant names its unit. Values that a network may change live in
// NetworkParams (state.ts) and are fixed at genesis by `init-network`.

/** Version byte written at the start of every op. Decoders reject any other value. */
export const OP_VERSION = 3
/**
 * Op versions this code refuses with a clear reason instead of "unknown": version 1 (challenge v1:
 * reports without receipts, cores without forks) and version 2 (requests without a kind) are no longer
 * accepted.
 */
export const OLD_OP_VERSIONS: readonly number[] = [1, 2]

/**
 * The contract version this code writes at genesis, and every contract version it can apply. A ledger
 * whose version in force (meta.contractVersion, or a scheduled `upgrade` once its fromEpoch is reached)
 * is not in KNOWN_CONTRACT_VERSIONS stops this node's apply with ContractVersionError ("upgrade Favor").
 * Any change to what apply writes for a given op log (test/ledger/fixtures) needs a new version here.
 */
export const CONTRACT_VERSION = 2
export const KNOWN_CONTRACT_VERSIONS: readonly number[] = [1, 2]
/** Highest contract version an `upgrade` op may name (a bound for the codec, not a promise). */
export const MAX_CONTRACT_VERSION = 0xffff

/** Bytes in one GiB (the "G" of the favor unit: 1 favor = 1 GiB kept for 1 hour). */
export const GIB = 1n << 30n
/** Seconds in one hour (the "hour" of the favor unit). */
export const SECONDS_PER_HOUR = 3600n
/** Micro-favor in one favor. All amounts are integer micro-favor. */
export const MICRO_PER_FAVOR = 1_000_000n
/** Parts per million: the scale of every ratio (shares, reputation scores). */
export const PPM = 1_000_000

/** Epoch duration, seconds, used for billing (a real network: one hour). */
export const DEFAULT_EPOCH_SECONDS = 3600
/** Price, micro-favor per GiB-hour (1 favor per GiB-hour). */
export const DEFAULT_PRICE_MICRO_PER_GIB_HOUR = 1_000_000n
/** Welcome credit of a new account, micro-favor (how far below zero its balance may go). */
export const DEFAULT_WELCOME_CREDIT_MICRO = 0n
/**
 * The genesis admin's founder credit, micro-favor (1,000 favor: 1,000 GiB-hours at the default price). The
 * source of transferable favor in a new network (docs/sybil.md §2).
 */
export const DEFAULT_FOUNDER_CREDIT_MICRO = 1_000_000_000n
/** Attestors selected per agreement per epoch (k). */
export const DEFAULT_ATTESTORS = 3
/** Block samples each attestor challenges per agreement per epoch (vetted hoster, clean recent record). */
export const DEFAULT_SAMPLES = 16
/** Samples per attestor for an unvetted hoster or one with a recent failure or warning (docs/challenges.md §3). */
export const DEFAULT_SAMPLES_NEW = 32
/**
 * "Recent" for samplesNew: a hoster whose last failing epoch (any agreement, any outcome other than pass)
 * settled at most this many epochs ago is sampled with samplesNew.
 */
export const RECENT_FAILURE_EPOCHS = 24
/**
 * Adaptive audits (contract version 2, docs/challenges.md §3): a vetted hoster with at least
 * DEFAULT_AUDIT_CLEAN_EPOCHS clean epochs (epochs with a pass and no failing or suspect result, counted
 * since its last one) is sampled within a daily budget of DEFAULT_AUDIT_BUDGET_PPM of each core's blocks
 * (1 %), never fewer than DEFAULT_SAMPLES_CLEAN_MIN blocks per attestor.
 */
export const DEFAULT_AUDIT_CLEAN_EPOCHS = 72
export const DEFAULT_AUDIT_BUDGET_PPM = 10_000
export const DEFAULT_SAMPLES_CLEAN_MIN = 2
/** Seconds in a day: the audit budget is per day. */
export const SECONDS_PER_DAY = 86_400
/** Growth grace: fixed epochs, plus one epoch per growBytesPerEpoch appended (docs/challenges.md §4). */
export const DEFAULT_GROW_GRACE_EPOCHS = 2
export const DEFAULT_GROW_BYTES_PER_EPOCH = 16 * 1024 * 1024
/** Consecutive epochs without a tick after which an indexer is removed by the contract. */
export const DEFAULT_INDEXER_SILENT_EPOCHS = 6
/** Indexers the contract aims for (odd). */
export const DEFAULT_INDEXER_TARGET = 3
/** Hoster's share of an epoch's payment, ppm (the attestors share the rest). */
export const DEFAULT_HOSTER_SHARE_PPM = 900_000
/** Part of the hoster's share held back as collateral, ppm. */
export const DEFAULT_HELD_BACK_PPM = 250_000
/** Consecutive clean (passing) epochs of an agreement after which its held-back share is released. */
export const DEFAULT_HELD_BACK_EPOCHS = 24
/** Passing epochs a hoster needs before it is vetted. */
export const DEFAULT_UNVETTED_EPOCHS = 24
/** Consecutive failing epochs that end an agreement and trigger a repair. */
export const DEFAULT_FAILING_EPOCHS_TO_REPAIR = 3
/** Consecutive paused epochs (publisher out of credit) after which an agreement ends. */
export const DEFAULT_PAUSED_EPOCHS_TO_END = 3
/**
 * Epochs a matched hoster has to mirror a core and post `ready` before the agreement ends as `not-ready`
 * (the slot is re-matched on another hoster; the hoster's reputation takes a failure). Generous: real
 * hosters follow a core live and post ready within an epoch or two even with epochs of a few seconds.
 */
export const DEFAULT_PINNING_EPOCHS = 6
/**
 * Matching rounds (rounds.ts): the default aims at one round every DEFAULT_ROUND_SECONDS of an epoch
 * (720 rounds in a one-hour epoch), at most MAX_ROUNDS_PER_EPOCH (a 12-hour epoch still has 5 s rounds;
 * longer ones get longer rounds). Each round costs an indexer one link of its hash chain; verifying a tick's
 * reveal costs the contract roundsPerEpoch + 1 hashes (~1.2 µs each).
 */
export const DEFAULT_ROUND_SECONDS = 5
export const MAX_ROUNDS_PER_EPOCH = 8640
/** Writers one member may admit per epoch (open and invite policies; invites count when created). */
export const DEFAULT_ADMISSIONS_PER_EPOCH = 8
/** Reputation forgetting factor per update, ppm (Storj-style Beta audit score). */
export const DEFAULT_REPUTATION_DECAY_PPM = 950_000

/** Reputation counts are kept in ppm units: one observation = PPM. */
export const REPUTATION_UNIT = PPM
/** Initial Beta counts (alpha, beta) of a new account, ppm units: a neutral prior of 1 and 1. */
export const INITIAL_ALPHA = PPM
export const INITIAL_BETA = PPM
/**
 * An attestor is no longer selected once its attestor score (attestAlpha / (attestAlpha + attestBeta))
 * is below one half after at least this many failures (disagreeing or refused results).
 */
export const ATTESTOR_MIN_FAILURES = 2
export const ATTESTOR_MIN_SCORE_PPM = 500_000

// Decoder limits (an op over these is rejected as malformed).
/** Cores in one request. */
export const MAX_CORES_PER_REQUEST = 64
/** Replicas of one request. */
export const MAX_REPLICAS = 16
/** Results in one report op. */
export const MAX_REPORT_RESULTS = 1024
/** Group name, bytes of UTF-8. */
export const MAX_GROUP_BYTES = 64
/**
 * Whole op, bytes. Room for one failing item with a proof of the largest block (MAX_PROOF_BYTES, ~1 MiB)
 * plus a full batch of receipts; an attestor puts a result with a large failing proof in its own op.
 */
export const MAX_OP_BYTES = 2 * 1024 * 1024
/** Samples in one report result (= the most blocks one challenge may ask for). */
export const MAX_SAMPLES = 64
/** Item hashes in one failing item (= the most blocks one challenge may ask for). */
export const MAX_ITEM_HASHES = 64
/** A core's length (blocks) and byte length are at most this (2^53 - 1, a safe integer). */
export const MAX_SAFE = Number.MAX_SAFE_INTEGER
/** Largest amount in an op, micro-favor (2^64 - 1). */
export const MAX_AMOUNT = (1n << 64n) - 1n
/** Longest reason string stored with a rejected op, characters. */
export const MAX_REASON_CHARS = 200
/** Epochs the per-agreement attestation records are kept after settling (older ones are pruned). */
export const ATTEST_RETENTION_EPOCHS = 24

// --- Sybil resistance (docs/sybil.md) ---
/**
 * Proven capacity: a hoster is matched for at most max(PROVEN_GROWTH_FACTOR × its proven bytes (the most
 * bytes it passed challenges for in one epoch), its allowance) in all, whatever it declares, and that capped
 * free space is its selection weight. GROWTH_ALLOWANCE_BYTES is one per sponsor lineage, split evenly over
 * its hosters that have not proven half of it; each epoch a hoster can at most double what it proved.
 */
export const GROWTH_ALLOWANCE_BYTES = 1024 * 1024 * 1024
export const PROVEN_GROWTH_FACTOR = 2
/** Vetting: passing epochs (counted once per epoch) for publishers of at least this many other lineages. */
export const VET_MIN_LINEAGES = 2
/** Distinct publisher lineages kept on an account for vetting (only the count up to VET_MIN_LINEAGES matters). */
export const VET_LINEAGES_KEPT = 4
/**
 * Bootstrap: while fewer than this many vetted hosters offer capacity, the one-unvetted-replica-per-core
 * rule is relaxed (a fresh community has no vetted hoster); lineage, group and proven-capacity rules stay.
 */
export const BOOTSTRAP_VETTED_HOSTERS = 3
/** Default invite lifetime, epochs (a week of one-hour epochs). */
export const DEFAULT_INVITE_EPOCHS = 168
/** Bytes of an invite secret (its BLAKE2b-256 hash is what the ledger keeps). */
export const INVITE_SECRET_BYTES = 32
