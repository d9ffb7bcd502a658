// The node's error classes (stable codes, instanceof-checkable; src/errors.ts).
import { FavorError } from '../errors.js'
import type { RejectCodeValue } from '../ledger/index.js'

export class NotWritableError extends FavorError {
  static override readonly code = 'E_NOT_WRITABLE'
  constructor(message: string) {
    super(message, NotWritableError.code)
  }
}

/**
 * A user action the node refuses, before or after appending: `code` is stable (the API maps it),
 * the message says why. LEDGER_REFUSED carries the contract's reason.
 */
export class ActionError extends FavorError {
  declare readonly code: 'INVALID_ARGUMENT' | 'NOT_FOUND' | 'REFUSED' | 'LEDGER_REFUSED' | 'TIMEOUT'
  /** LEDGER_REFUSED: the contract's stable RejectCode (what callers branch on), else null. */
  readonly reject: RejectCodeValue | null
  constructor(code: ActionError['code'], message: string, reject: RejectCodeValue | null = null) {
    super(message, code)
    this.reject = reject
  }
}

/** The node is closed (or closing) and cannot do this any more. */
export class NodeClosedError extends FavorError {
  static override readonly code = 'CLOSED'
  constructor(message = 'node closed') {
    super(message, NodeClosedError.code)
  }
}
