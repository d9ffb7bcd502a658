// Typed errors for block proofs. `code` is stable: callers (the challenge protocol, the ledger's
// evidence, tests) branch on it; `message` is for people.
import { FavorError } from '../errors.js'

export type ProofErrorCode =
  /** The manifest does not decode, is not canonical, does not hash to the core key, or is unsupported. */
  | 'BAD_MANIFEST'
  /** A Merkle sibling has the wrong flat index, or the block's subtree is not one of the full roots. */
  | 'BAD_PATH'
  /** The ed25519 signature over the tree does not verify, or a block does not match the signed head. */
  | 'BAD_SIGNATURE'
  /** The signed length is below the length the verifier requires. */
  | 'TOO_SHORT'
  /** A proof is for another block than the one asked for (or the count differs). */
  | 'WRONG_INDEX'
  /** Bytes that do not decode, trailing bytes, non-canonical encodings, missing or extra parts. */
  | 'MALFORMED'
  /** The proof's fork is older than the fork the verifier requires. */
  | 'FORK_MISMATCH'
  /** Proofs in one bundle are not against one and the same signed head (length, fork, signature). */
  | 'HEAD_MISMATCH'
  /** Bytes above a size limit. */
  | 'OVERSIZED'
  /** Hoster side: the block (or the tree nodes its proof needs) is not held locally. */
  | 'NOT_HELD'

export class ProofError extends FavorError {
  declare readonly code: ProofErrorCode

  constructor(code: ProofErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, code, options)
  }
}

export function isProofError(err: unknown): err is ProofError {
  return err instanceof ProofError
}
