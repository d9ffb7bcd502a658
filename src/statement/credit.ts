// Credit across communities (docs/statements.md): a member of network B honours a statement of network
// A by escrowing part of its own B balance as a sponsor line for the A member's B account. This module
// is the pure part: verify the statement, compute the line. Nothing is minted: the line is an ordinary
// `sponsor` op in B, backed by the B member's balance, so B's sum of balances, held-back shares and
// lines stays 0 and the B member alone bears the risk that the A member does not repay.
import { StatementError } from './errors.js'
import { decodeStatement } from './format.js'
import { verifyStatement, type VerifiedStatement } from './verify.js'

/** Micro-units of a rate: R = rateMicro / 1,000,000. */
const RATE_SCALE = 1_000_000n
/** A B member honouring A's favor at more than 1,000 to 1 is surely a typo. */
const MAX_RATE_MICRO = 1000n * RATE_SCALE
/** Without a maximum age from the caller, a statement older than a day is not honoured. */
export const DEFAULT_CREDIT_MAX_AGE_MS = 24 * 3600_000

/** '0.5', '1', '2.25' (at most six decimals, more than 0, at most 1000) → micro-units; null when not such a number. */
export function parseRate(text: string): bigint | null {
  const m = /^(\d{1,4})(?:\.(\d{1,6}))?$/.exec(text.trim())
  if (m === null) return null
  const micro = BigInt(m[1] as string) * RATE_SCALE + BigInt((m[2] ?? '').padEnd(6, '0'))
  return micro > 0n && micro <= MAX_RATE_MICRO ? micro : null
}

export function formatRate(micro: bigint): string {
  const frac = (micro % RATE_SCALE).toString().padStart(6, '0').replace(/0+$/, '')
  return `${(micro / RATE_SCALE).toString()}${frac === '' ? '' : '.' + frac}`
}

export interface CreditTerms {
  /** The network whose statements this member honours; null = take it from the file (warned). */
  networkKey: string | null
  rateMicro: bigint
  /** The most micro-favor the line may be, whatever the statement proves. */
  limit: bigint
  maxAgeMs?: number
  now?: number
}

export interface CreditDecision {
  statement: VerifiedStatement
  /** min(limit, rate × proven balance), micro-favor (0 when the proven balance is not positive). */
  amount: bigint
  /**
   * What the line is computed from: the proven **balance** (micro-favor the A member is owed in A, net of
   * what it spent), not `given` (byte-seconds of storage, another unit, and gross of what it consumed).
   */
  basis: 'balance'
  /** Why the line is what it is: 'rate' (rate × balance) or 'limit' (capped). */
  boundBy: 'rate' | 'limit'
  warnings: string[]
}

/**
 * Verifies a statement of another network and computes the line this member would open for it. Throws
 * StatementError with the verifier's codes, and NO_CREDIT when the proven balance gives no line.
 */
export function creditFromStatement(bytes: Uint8Array, terms: CreditTerms): CreditDecision {
  if (terms.limit <= 0n) throw new StatementError('MALFORMED', 'the limit must be more than 0')
  const warnings: string[] = []
  let network = terms.networkKey
  if (network === null) {
    network = decodeStatement(bytes).networkKey.toString('hex')
    warnings.push(`no network key given: trusting the one the file names (${network}); the proof then holds for that network, which may not be the one you mean`)
  }
  const statement = verifyStatement(bytes, {
    networkKey: network,
    maxAgeMs: terms.maxAgeMs ?? DEFAULT_CREDIT_MAX_AGE_MS,
    ...(terms.now !== undefined ? { now: terms.now } : {})
  })
  const byRate = statement.balance > 0n ? statement.balance * terms.rateMicro / RATE_SCALE : 0n
  if (byRate <= 0n) throw new StatementError('NO_CREDIT', `the proven balance (${statement.balance} micro-favor) at rate ${formatRate(terms.rateMicro)} gives no credit`)
  const amount = byRate < terms.limit ? byRate : terms.limit
  return { statement, amount, basis: 'balance', boundBy: byRate < terms.limit ? 'rate' : 'limit', warnings }
}
