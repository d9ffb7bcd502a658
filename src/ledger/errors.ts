// Errors of the ledger, each with a stable `code` (FavorError: match with instanceof or `.code`).
import { FavorError, type FavorErrorOptions } from '../errors.js'

export class LedgerError extends FavorError {
  constructor(code: string, message: string, options: FavorErrorOptions = {}) {
    super(message, code, options)
  }
}

/** Bytes that are not a well-formed op (truncated, trailing bytes, over a limit, non-canonical). */
export class DecodeError extends LedgerError {
  constructor(message: string, options: FavorErrorOptions = {}) {
    super('E_DECODE', message, options)
  }
}

/** An op whose version byte this code does not know, or no longer accepts. */
export class UnknownVersionError extends LedgerError {
  readonly old: boolean
  constructor(version: number, old = false) {
    super('E_VERSION', old ? `op version ${version} is no longer accepted (this network needs op version 3: upgrade Favor)` : `unknown op version ${version}`)
    this.old = old
  }
}

/** An op whose type tag this code does not know. */
export class UnknownOpError extends LedgerError {
  constructor(tag: number) {
    super('E_OP_TYPE', `unknown op type ${tag}`)
  }
}

/**
 * Stable codes of refusals: of a whole op (stored in `rejected/<opId>` as `code`) or of one report result
 * (stored in the attestation record as `refused`). Never renamed; documented in src/ledger/README.md.
 */
export const RejectCode = {
  /** A well-formed op refused for a reason without a more specific code (unauthorised, impossible). */
  REFUSED: 'REFUSED',
  /** Bytes that do not decode (truncated, trailing bytes, over a limit, non-canonical). */
  MALFORMED: 'MALFORMED',
  /** An op of an older version (1): challenge v1 ops are no longer accepted. */
  OP_VERSION_OLD: 'OP_VERSION_OLD',
  /** An op version this code does not know. */
  OP_VERSION_UNKNOWN: 'OP_VERSION_UNKNOWN',
  /** An op type tag this code does not know. */
  OP_TYPE_UNKNOWN: 'OP_TYPE_UNKNOWN',
  /** An internal error (a bug or a corrupt record); the op changed nothing. Stored with a fixed reason. */
  INTERNAL: 'INTERNAL',
  /** The writer key handed to apply is not 32 bytes. */
  WRITER_KEY_INVALID: 'WRITER_KEY_INVALID',
  // --- genesis, authority ---
  /** init-network on a network that already has one. */
  ALREADY_INITIALISED: 'ALREADY_INITIALISED',
  /** Any op but init-network before the network exists. */
  NOT_INITIALISED: 'NOT_INITIALISED',
  /** The author has no writer account. */
  NOT_A_WRITER: 'NOT_A_WRITER',
  /** init-network: a parameter is out of its range. */
  PARAMS_INVALID: 'PARAMS_INVALID',
  /** tick, an indexer vote or an upgrade vote by an account that is not an indexer. */
  NOT_INDEXER: 'NOT_INDEXER',
  // --- admission, indexer votes ---
  /** add-writer with indexer: true by an author that may not add an indexer directly (use add-indexer). */
  INDEXER_DIRECT_ADD: 'INDEXER_DIRECT_ADD',
  /** add-writer past the author's admissionsPerEpoch in this epoch. */
  ADMISSION_RATE_LIMIT: 'ADMISSION_RATE_LIMIT',
  /** add-indexer / remove-indexer naming a key without an account. */
  TARGET_NOT_WRITER: 'TARGET_NOT_WRITER',
  /** add-indexer for an indexer. */
  ALREADY_INDEXER: 'ALREADY_INDEXER',
  /** remove-indexer for an account that is not an indexer. */
  TARGET_NOT_INDEXER: 'TARGET_NOT_INDEXER',
  /** remove-indexer of the only indexer. */
  LAST_INDEXER: 'LAST_INDEXER',
  /** A second vote by the same indexer on the same proposal (indexer or upgrade). */
  DUPLICATE_VOTE: 'DUPLICATE_VOTE',
  // --- hosting ---
  /** withdraw without an offer (or one already withdrawn). */
  NO_OFFER: 'NO_OFFER',
  /** request without cores. */
  REQUEST_NO_CORES: 'REQUEST_NO_CORES',
  /** request with replicas < 1. */
  REPLICAS_INVALID: 'REPLICAS_INVALID',
  /** request whose `until` is not a future epoch. */
  UNTIL_PAST: 'UNTIL_PAST',
  /** request whose maxPrice is below the network price. */
  PRICE_TOO_LOW: 'PRICE_TOO_LOW',
  /** request naming one core twice. */
  DUPLICATE_CORE: 'DUPLICATE_CORE',
  /** extend (v2): the request would hold more than MAX_CORES_PER_REQUEST cores. */
  TOO_MANY_CORES: 'TOO_MANY_CORES',
  /** request for a core of length 0. */
  CORE_EMPTY: 'CORE_EMPTY',
  /** cancel / grow of a request id that does not exist. */
  NO_SUCH_REQUEST: 'NO_SUCH_REQUEST',
  /** cancel / grow by someone else than the request's publisher. */
  NOT_PUBLISHER: 'NOT_PUBLISHER',
  /** cancel / grow of a cancelled or expired request. */
  REQUEST_ENDED: 'REQUEST_ENDED',
  /** ready for an agreement id that does not exist. */
  NO_SUCH_AGREEMENT: 'NO_SUCH_AGREEMENT',
  /** ready by someone else than the agreement's hoster. */
  NOT_HOSTER: 'NOT_HOSTER',
  /** ready on an ended agreement. */
  AGREEMENT_ENDED: 'AGREEMENT_ENDED',
  /** grow naming a core that is not in the request. */
  CORE_NOT_IN_REQUEST: 'CORE_NOT_IN_REQUEST',
  /** grow to exactly the recorded length, byte length and fork. */
  NO_GROWTH: 'NO_GROWTH',
  // --- ticks ---
  /** tick for an epoch other than the current or the next one (or for epoch 0). */
  TICK_WRONG_EPOCH: 'TICK_WRONG_EPOCH',
  /** A second tick by one indexer for one epoch. */
  DUPLICATE_TICK: 'DUPLICATE_TICK',
  /** tickTime before the current epoch's time. */
  TICK_TIME_EARLY: 'TICK_TIME_EARLY',
  /** The reveal does not open the author's commitment. */
  REVEAL_MISMATCH: 'REVEAL_MISMATCH',
  /** A reveal when no commitment is due in this epoch. */
  REVEAL_UNEXPECTED: 'REVEAL_UNEXPECTED',
  // --- matching rounds (rounds.ts) ---
  /** round for an epoch other than the current one, or before the first epoch. */
  ROUND_WRONG_EPOCH: 'ROUND_WRONG_EPOCH',
  /** round index 0 or above roundsPerEpoch (the chain's last link is the tick's reveal); any index when roundsPerEpoch is 0. */
  ROUND_INDEX_INVALID: 'ROUND_INDEX_INVALID',
  /** round by an indexer with no hash chain committed for the next epoch (it has not ticked this epoch, or already ticked the next). */
  ROUND_NO_CHAIN: 'ROUND_NO_CHAIN',
  /** round index at or below the last link revealed (a replay, or going back along the chain). */
  ROUND_STALE: 'ROUND_STALE',
  /** round index beyond the last revealed link + 1: links are revealed one at a time (no choosing among them). */
  ROUND_SKIP: 'ROUND_SKIP',
  /** The link does not hash in one step to the last revealed link (or to the commitment): a forged link. */
  ROUND_LINK_MISMATCH: 'ROUND_LINK_MISMATCH',
  // --- favor ---
  /** transfer / sponsor / set-limit aimed at the author itself. */
  SELF_TARGET: 'SELF_TARGET',
  /** transfer / sponsor / set-limit to a key without an account. */
  NO_SUCH_ACCOUNT: 'NO_SUCH_ACCOUNT',
  /** transfer or sponsor of an amount ≤ 0. */
  AMOUNT_INVALID: 'AMOUNT_INVALID',
  /** transfer, sponsor or set-limit beyond the author's positive balance (credit is not transferable). */
  INSUFFICIENT_BALANCE: 'INSUFFICIENT_BALANCE',
  // --- contract upgrades ---
  /** upgrade to a contract version not above the one in force. */
  UPGRADE_NOT_NEWER: 'UPGRADE_NOT_NEWER',
  /** upgrade whose fromEpoch is not after the current epoch. */
  UPGRADE_EPOCH_PAST: 'UPGRADE_EPOCH_PAST',
  /** upgrade while another one is already scheduled. */
  UPGRADE_PENDING: 'UPGRADE_PENDING',
  // --- whole report op ---
  /** A report for an epoch before the current one. */
  REPORT_LATE: 'REPORT_LATE',
  /** A report for an epoch after the current one, or before the first epoch. */
  REPORT_FUTURE: 'REPORT_FUTURE',
  /** A report without results. */
  REPORT_EMPTY: 'REPORT_EMPTY',
  /** Two results for one agreement in one report op. */
  REPORT_DUPLICATE_RESULT: 'REPORT_DUPLICATE_RESULT',
  /** The agreement is not challenged in this epoch. */
  NOT_CHALLENGED: 'NOT_CHALLENGED',
  /** The author is not a selected attestor of the agreement in this epoch. */
  NOT_SELECTED: 'NOT_SELECTED',
  /** The author already reported this agreement in this epoch (accepted or refused). */
  DUPLICATE_REPORT: 'DUPLICATE_REPORT',
  // --- one result (refused alone, recorded, counted against the attestor; the rest of the op applies) ---
  /** pass or missing without a receipt. */
  RECEIPT_MISSING: 'RECEIPT_MISSING',
  /** The receipt's signature does not verify against the hoster's node key for this network, agreement, epoch, attestor and nonce. */
  RECEIPT_BAD_SIGNATURE: 'RECEIPT_BAD_SIGNATURE',
  /** pass: the receipt's fork is older than the fork challenged. */
  RECEIPT_STALE_FORK: 'RECEIPT_STALE_FORK',
  /** pass: the receipt's length is below the challenged length. */
  RECEIPT_SHORT: 'RECEIPT_SHORT',
  /** missing without the failing item. */
  ITEM_MISSING: 'ITEM_MISSING',
  /** missing: the number of item hashes is not the number of challenged blocks, or the position is out of range. */
  ITEM_BAD_POSITION: 'ITEM_BAD_POSITION',
  /** missing: the item, the item hashes or the manifest do not hash to the receipt's answer hash. */
  ITEM_NOT_IN_ANSWER: 'ITEM_NOT_IN_ANSWER',
  /** missing: the item is a valid proof, or an error that admits no loss (BUSY, INTERNAL). */
  ITEM_SHOWS_NO_LOSS: 'ITEM_SHOWS_NO_LOSS',
  /** A failing item on pass/slow/unreachable, or a receipt on unreachable. */
  EVIDENCE_UNEXPECTED: 'EVIDENCE_UNEXPECTED',
  /** The hoster has no node key on the ledger: no receipt can be checked. */
  NO_NODE_KEY: 'NO_NODE_KEY',
  // --- indexers, growth ---
  /** The vote or admission would leave an even number (≥ 2) of indexers and no member can be promoted. */
  INDEXER_SET_EVEN: 'INDEXER_SET_EVEN',
  /** ready: length, byteLength or fork differ from the agreement's recorded ones. */
  READY_MISMATCH: 'READY_MISMATCH',
  /** grow: a core cannot shrink on the same fork, nor go back to an older fork. */
  GROW_SHRINK: 'GROW_SHRINK',
  /** grow (contract v2): the same length on the same fork with another byte length (one signed tree has one size). */
  GROW_SIZE_INCONSISTENT: 'GROW_SIZE_INCONSISTENT',
  /** prove-size: the proof does not verify against the core's key at the recorded fork and at least the recorded length. */
  SIZE_PROOF_INVALID: 'SIZE_PROOF_INVALID',
  /** prove-size: the proof is valid but does not show the declared byte length wrong. */
  SIZE_NOT_DISPROVEN: 'SIZE_NOT_DISPROVEN',
  // --- admission, sponsor lines, welcome credit (docs/sybil.md) ---
  /** A join without an invite on a network whose policy is invite (refused by the writer asked, before the ledger). */
  INVITE_REQUIRED: 'INVITE_REQUIRED',
  /** redeem: no invite has this secret's hash. */
  INVITE_INVALID: 'INVITE_INVALID',
  /** redeem: the invite was already redeemed. */
  INVITE_USED: 'INVITE_USED',
  /** redeem: the invite expired; invite: its expiry is not in the future. */
  INVITE_EXPIRED: 'INVITE_EXPIRED',
  /** invite: an invite with this hash exists already. */
  INVITE_DUPLICATE: 'INVITE_DUPLICATE',
  /** invite, redeem, sponsor, set-limit: the line is more than the sponsor's transferable balance. */
  SPONSOR_LINE_OVER_BALANCE: 'SPONSOR_LINE_OVER_BALANCE',
  /** add-writer, invite, redeem: the policy does not let the author admit (admin-only network). */
  NOT_ADMIN: 'NOT_ADMIN',
  /** add-writer, redeem: the key is already a member. */
  ALREADY_MEMBER: 'ALREADY_MEMBER',
  /** transfer: the amount exceeds the balance minus the favor still locked (paid out of unrepaid welcome credit). */
  TRANSFER_LOCKED: 'TRANSFER_LOCKED'
} as const
export type RejectCodeValue = (typeof RejectCode)[keyof typeof RejectCode]

/** A well-formed op that the contract refuses (unauthorised, impossible). `reject` is what is stored. */
export class RejectError extends LedgerError {
  readonly reject: RejectCodeValue
  constructor(reject: RejectCodeValue, message: string) {
    super('E_REJECT', message)
    this.reject = reject
  }
}

/**
 * The ledger's store (a LedgerKV) failed under apply. Apply does not turn this into a rejection (only
 * this node's store failed; the others would not refuse the op): it throws, and the Autobase binding
 * stops applying.
 */
export class StoreError extends LedgerError {
  constructor(what: string, key: string, cause: unknown) {
    super('E_STORE', `the ledger store failed to ${what} ${key}`, { cause })
  }
}

/**
 * The contract version in force on this ledger is one this code does not know: applying on would
 * diverge from the nodes that run it. The Autobase binding interrupts apply; the view stays at the
 * last op this code understood. The fix is to upgrade Favor.
 */
export class ContractVersionError extends LedgerError {
  readonly contractVersion: number
  readonly known: readonly number[]
  readonly fromEpoch: number
  constructor(contractVersion: number, known: readonly number[], fromEpoch: number) {
    super('E_CONTRACT_VERSION', `the ledger runs contract version ${contractVersion} from epoch ${fromEpoch}; this Favor knows versions ${known.join(', ')}: upgrade Favor to keep following this network`)
    this.contractVersion = contractVersion
    this.known = known
    this.fromEpoch = fromEpoch
  }
}

/** A contract invariant broke (a bug or a corrupt record). Stored as INTERNAL with a fixed reason. */
export class InvariantError extends LedgerError {
  constructor(message: string) {
    super('E_INVARIANT', message)
  }
}

/** A value the deterministic record encoding refuses (a float, undefined in an array, ...). */
export class RecordEncodingError extends LedgerError {
  constructor(message: string) {
    super('E_RECORD', message)
  }
}
