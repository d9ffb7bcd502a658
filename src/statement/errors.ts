// Typed errors of balance statements. `code` is stable (the CLI exits with it, the API returns it,
// tests branch on it); `message` is for people.
import { FavorError } from '../errors.js'

export type StatementErrorCode =
  /** Bytes that do not decode, trailing or non-canonical bytes, records that do not parse. */
  | 'MALFORMED'
  /** A file or a part of it above its size limit. */
  | 'OVERSIZED'
  /** Not a statement format this verifier knows. */
  | 'UNSUPPORTED_VERSION'
  /** The statement is for another network than the one the verifier asked about. */
  | 'WRONG_NETWORK'
  /** The view is signed under a signer the verifier does not trust as the network's indexer. */
  | 'UNKNOWN_SIGNER'
  /** A link of the indexer-set chain is not signed by a majority of the set before it, or is out of order. */
  | 'BAD_CHAIN'
  /** A signature, or a block's hash against the signed head, does not verify. */
  | 'BAD_SIGNATURE'
  /** A Merkle path or the Hyperbee path to a record is of the wrong shape, or a block it needs is missing. */
  | 'BAD_PATH'
  /** The proven ledger state has no such account (or the node was asked for one it does not know). */
  | 'NO_SUCH_ACCOUNT'
  /** The ledger version is older than the verifier's maximum age (or its age is unknown). */
  | 'TOO_OLD'
  /** Honouring a statement: the proven balance gives no credit line. */
  | 'NO_CREDIT'
  /** Maker side: the ledger view has no signed head yet, or a block is not held locally. */
  | 'NOT_READY'

export class StatementError extends FavorError {
  declare readonly code: StatementErrorCode

  constructor(code: StatementErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, code, options)
  }
}

export function isStatementError(err: unknown): err is StatementError {
  return err instanceof StatementError
}
