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

/** An op whose version byte this code does not know. */
export class UnknownVersionError extends LedgerError {
  constructor(version: number) {
    super('E_VERSION', `unknown op version ${version}`)
  }
}

/** An op whose type tag this code does not know. */
export class UnknownOpError extends LedgerError {
  constructor(tag: number) {
    super('E_OP_TYPE', `unknown op type ${tag}`)
  }
}

/** A well-formed op that the contract refuses (unauthorised, impossible). */
export class RejectError extends LedgerError {
  constructor(message: string) {
    super('E_REJECT', message)
  }
}

/** A value the deterministic record encoding refuses (a float, undefined in an array, ...). */
export class RecordEncodingError extends LedgerError {
  constructor(message: string) {
    super('E_RECORD', message)
  }
}
