// The accounting invariants (DESIGN §5, docs/sybil.md), checked after every op by the fuzz test and the
// simulator. Read-only; returns the first violation as a sentence, or null.
//   1. Conservation: Σ balance + Σ held back + Σ unused sponsor lines = 0 (favor moves, it is never made).
//   2. No laundering: for every account D, the favor still locked on others as paid out of D's welcome
//      credit is at least what D still owes (credit.ts `owes`): no favor paid out of unrepaid welcome
//      credit is transferable. Balances go below zero only by drawing welcome credit (or, for the
//      genesis admin, founder credit, which locks nothing: credit.ts).
//   3. Lines: every line an account holds is mirrored by its sponsor's `sponsoring` entry.
import { founderCredit, owes } from './credit.js'
import type { LedgerKV } from './kv.js'
import { getMeta, listAccounts } from './queries.js'
import type { Hex } from './state.js'

export async function checkInvariants(kv: LedgerKV): Promise<string | null> {
  const accounts = await listAccounts(kv)
  const meta = await getMeta(kv)
  if (meta === null) return accounts.length === 0 ? null : 'accounts without network meta'
  const byId = new Map(accounts.map((a) => [a.id, a]))
  let sum = 0n
  const locked = new Map<Hex, bigint>()
  for (const a of accounts) {
    sum += a.balance + a.heldBack
    for (const [sponsor, v] of Object.entries(a.lines)) {
      sum += v
      if (v <= 0n) return `account ${a.id} holds a non-positive line ${v} from ${sponsor}`
      if (byId.get(sponsor)?.sponsoring[a.id] !== v) return `line of ${a.id} from ${sponsor} (${v}) is not mirrored by the sponsor`
    }
    for (const [d, v] of Object.entries(a.lockedFrom ?? {})) {
      if (v <= 0n) return `account ${a.id} holds a non-positive lock ${v} from ${d}`
      locked.set(d, (locked.get(d) ?? 0n) + v)
    }
    if (a.balance < -a.credit) return `account ${a.id} is below its welcome credit: ${a.balance} < -${a.credit}`
  }
  if (sum !== 0n) return `balances + held back + lines sum to ${sum}, not 0`
  for (const a of accounts) {
    const o = owes(a, founderCredit(meta, a.id))
    if ((locked.get(a.id) ?? 0n) < o) return `account ${a.id} owes ${o} of welcome credit but only ${locked.get(a.id) ?? 0n} of what it paid is still locked`
  }
  return null
}
