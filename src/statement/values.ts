// The values a statement proves, read from the ledger records found in the proven blocks.
import { decodeRecord } from '../ledger/record.js'
import { StatementError } from './errors.js'

export interface StatementValues {
  /** Network key (hex). */
  network: string
  /** The account (writer key, hex). */
  account: string
  /** Ledger version: the length of the view the indexers signed. */
  version: number
  fork: number
  /** The ledger's epoch at that version (0 before the first epoch). */
  epoch: number
  /** Start time of that epoch (ms since 1970, the median of the indexers' tick times); null at epoch 0. */
  epochTime: number | null
  /** Micro-favor. */
  balance: bigint
  /** Byte-seconds hosted and proven. */
  given: bigint
  /** Byte-seconds of the account's data hosted. */
  received: bigint
  /** Micro-favor earned and still held back. */
  heldBack: bigint
  /** Reputation, parts per million (Beta score alpha / (alpha + beta)). */
  reputationPpm: number
  /** The indexers (account ids, hex) whose signatures over this version verified. */
  signers: string[]
  /** The indexer set the ledger itself records at this version (account ids, hex). */
  indexers: string[]
}

type Rec = Record<string, unknown>

export function parseRecord(bytes: Buffer, what: string): Rec {
  let v: unknown
  try {
    v = decodeRecord<unknown>(bytes)
  } catch (err) {
    throw new StatementError('MALFORMED', `${what} record does not parse`, { cause: err })
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new StatementError('MALFORMED', `${what} record is not an object`)
  return v as Rec
}

export function bigField(r: Rec, name: string, what: string): bigint {
  const v = r[name]
  if (typeof v === 'bigint') return v
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v)
  throw new StatementError('MALFORMED', `${what}.${name} is not an integer`)
}

export function intField(r: Rec, name: string, what: string): number {
  const v = r[name]
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v
  throw new StatementError('MALFORMED', `${what}.${name} is not an integer`)
}

export function hexList(r: Rec, name: string, what: string): string[] {
  const v = r[name]
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new StatementError('MALFORMED', `${what}.${name} is not a list of keys`)
  return v
}

/** Reputation as the ledger computes it (src/ledger/state.ts reputationPpm), from the raw counts. */
export function reputationOf(acct: Rec): number {
  const alpha = intField(acct, 'alpha', 'account')
  const beta = intField(acct, 'beta', 'account')
  const total = alpha + beta
  return total === 0 ? 0 : Math.floor((alpha * 1_000_000) / total)
}

/** JSON-friendly form: bigints as decimal strings. */
export function valuesToJSON(v: StatementValues): Record<string, unknown> {
  return {
    ...v,
    balance: v.balance.toString(),
    given: v.given.toString(),
    received: v.received.toString(),
    heldBack: v.heldBack.toString()
  }
}
