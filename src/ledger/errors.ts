// Errors of the ledger, each with a stable `code`.

export class LedgerError extends Error {
  readonly code: string
  constructor(code: string, message: string) {
    super(message)
    this.name = new.target.name
    this.code = code
  }
}

/** Bytes that are not a well-formed op (truncated, trailing bytes, over a limit, non-canonical). */
export class DecodeError extends LedgerError {
  constructor(message: string) {
    super('E_DECODE', message)
  }
}

/** An op whose version byte this code does not know, or no longer accepts. */
export class UnknownVersionError extends LedgerError {
  readonly old: boolean
  constructor(version: number, old = false) {
    super('E_VERSION', old ? `op version ${version} is no longer accepted (challenge v2 needs op version 2: upgrade Favor)` : `unknown op version ${version}`)
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
  /** An internal error (a bug or a corrupt record); the op changed nothing. */
  INTERNAL: 'INTERNAL',
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
  /** add-writer, invite, redeem: the author reached its admissions for this epoch. */
  ADMISSION_RATE_LIMIT: 'ADMISSION_RATE_LIMIT',
  /** transfer: the amount exceeds the balance minus the favor still locked (paid out of unrepaid welcome credit). */
  TRANSFER_LOCKED: 'TRANSFER_LOCKED'
} as const
export type RejectCodeValue = (typeof RejectCode)[keyof typeof RejectCode]

/** A well-formed op that the contract refuses (unauthorised, impossible). */
export class RejectError extends LedgerError {
  readonly reject: RejectCodeValue
  constructor(message: string, reject: RejectCodeValue = RejectCode.REFUSED) {
    super('E_REJECT', message)
    this.reject = reject
  }
}

/** A value the deterministic record encoding refuses (a float, undefined in an array, ...). */
export class RecordEncodingError extends LedgerError {
  constructor(message: string) {
    super('E_RECORD', message)
  }
}
