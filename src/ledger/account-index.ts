// The accounts, without a list of them (issues 15, 16). Records live at `acct/<hex>` and are read by a
// range over that prefix (in id order); each carries its place in the admission order (`admissionSeq`),
// given from one counter, `meta/account-count`. An admission writes the new account, its author's and
// the counter: O(log accounts) in the view's B-tree. A single list of every id that each admission
// rewrote made building a ledger quadratic, and a head right after an admission carried the whole list
// in its block (balance statements, docs/statements.md).
import type { Ctx } from './context.js'
import type { Account, Hex, Offer } from './state.js'
import { keys } from './state.js'

/** What accounts are read through: the op's Tx (its own writes included), or a LedgerKV for queries. */
export interface RecordScanner {
  get<T>(key: string): Promise<T | null>
  scan<T>(prefix: string): Promise<[string, T][]>
}

/** Accounts admitted so far (the bootstrap writer included). */
export async function accountCount(r: RecordScanner): Promise<number> {
  return (await r.get<number>(keys.accountCount)) ?? 0
}

/** The network's first account (init-network): first in the admission order. */
export function indexGenesisAccount(ctx: Ctx, acct: Account): void {
  acct.admissionSeq = 0
  ctx.putAccount(acct)
  ctx.tx.set(keys.accountCount, 1)
}

/** A newly admitted account goes last in the admission order. */
export async function indexAccount(ctx: Ctx, acct: Account): Promise<void> {
  const n = await accountCount(ctx.tx)
  acct.admissionSeq = n
  ctx.putAccount(acct)
  ctx.tx.set(keys.accountCount, n + 1)
}

/** Every account, in id order. */
export async function accountsById(r: RecordScanner): Promise<Account[]> {
  return (await r.scan<Account>(keys.accountPrefix)).map(([, a]) => a)
}

/** Every account, in admission order (the bootstrap writer first). */
export async function accountsInAdmissionOrder(r: RecordScanner): Promise<Account[]> {
  return (await accountsById(r)).sort((a, b) => a.admissionSeq - b.admissionSeq)
}

/**
 * The hosters with an offer, in id order. Version 1 keeps their list in one record (`meta/offers`) that
 * every new offer rewrote (quadratic in hosters); version 2 has none and reads the `offer/` records by a
 * range instead (a network upgraded from version 1 drops the list when it builds its indexes).
 */
export async function listOfferIds(r: RecordScanner): Promise<Hex[]> {
  const list = await r.get<Hex[]>(keys.offers)
  if (list !== null) return list
  return (await r.scan<Offer>(keys.offerPrefix)).map(([, o]) => o.hoster)
}
