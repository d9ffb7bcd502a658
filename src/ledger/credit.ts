// Welcome credit cannot be laundered into transferable favor (DESIGN §5, docs/sybil.md).
//
// Favor paid out of a drawer's welcome credit is LOCKED on whoever receives it (`lockedFrom[drawer]`). A
// locked amount may pay for hosting (the lock then moves, with its drawer, to the payees; favor that comes
// back to its drawer is repayment and unlocked) but may not be transferred nor escrowed as a sponsor line
// while its drawer still owes. A drawer owes what its balance is below its own locked favor (`owes`): favor
// it earned out of other drawers' unrepaid credit does not repay its own. When it repays with favor that
// is not locked (favor paid back to it, a transfer, a payment out of a sponsor line), the locks on its
// payees shrink to what it still owes. Conservative: when several payees hold locks of one drawer, each is
// capped by the drawer's whole debt, so more may stay locked than is owed, never less. So no favor
// becomes transferable unless someone really paid for it (src/ledger/invariants.ts checks it).
//
// The one exception is the genesis admin's FOUNDER credit (`founderCreditMicro`): what the founder pays
// out of it (for hosting, directly or through the lines and invite credit it escrows) is not locked. The
// founder is the community's root of trust and answers for that debt; it is how favor that someone really
// owes enters a new network. It is never transferable itself: only hosting work turns it into favor.
import type { Ctx } from './context.js'
import type { Account, Hex, NetworkMeta } from './state.js'
import { lockedTotal } from './state.js'

/**
 * What an account still owes of the welcome credit it drew: how far what it holds (balance + held back) is
 * below its locked favor, not counting `founder` (the genesis admin's founder credit, which locks nothing).
 */
export function owes(a: Pick<Account, 'balance' | 'heldBack' | 'lockedFrom'>, founder = 0n): bigint {
  const d = lockedTotal(a) - a.balance - a.heldBack - founder
  return d > 0n ? d : 0n
}

/** The founder credit of `id` on a network with this meta: the genesis admin's, 0 for everyone else. */
export function founderCredit(meta: Pick<NetworkMeta, 'admin' | 'params'>, id: Hex): bigint {
  return id === meta.admin ? meta.params.founderCreditMicro : 0n
}

/** Shrink each lock of `a` to what its drawer still owes (mutates `a`; the caller stores it). */
export async function releaseRepaid(ctx: Ctx, a: Account): Promise<void> {
  for (const drawer of Object.keys(a.lockedFrom).sort()) {
    const v = a.lockedFrom[drawer] ?? 0n
    const d = drawer === a.id ? 0n : owes((await ctx.account(drawer)) ?? { balance: 0n, heldBack: 0n, lockedFrom: {} }, founderCredit(ctx.meta, drawer))
    const keep = v < d ? v : d
    if (keep <= 0n) delete a.lockedFrom[drawer]
    else a.lockedFrom[drawer] = keep
  }
}

/** Favor `a` may transfer: its positive balance minus what is still locked. */
export async function transferable(ctx: Ctx, a: Account): Promise<bigint> {
  await releaseRepaid(ctx, a)
  const t = a.balance - lockedTotal(a)
  return t > 0n ? t : 0n
}

/**
 * Favor `a` may escrow as a sponsor line or invite credit: what it may transfer, plus — for the genesis
 * admin — the founder credit it has not drawn yet (lines are drawn only to pay for hosting, so founder
 * credit reaches nobody but hosters and attestors that did the work).
 */
export async function escrowable(ctx: Ctx, a: Account): Promise<bigint> {
  const founder = founderCredit(ctx.meta, a.id)
  const below = a.balance < 0n ? -a.balance : 0n
  const left = founder > below ? founder - below : 0n
  return (await transferable(ctx, a)) + left
}

/**
 * Hand the locks of one payment to its payees, in order (the hoster first, then the attestors), each up
 * to its share. A lock whose drawer is the payee itself is dropped: favor coming back to its drawer is
 * repayment.
 */
export function allocateLocks(locks: readonly [Hex, bigint][], shares: readonly [Account, bigint][]): void {
  const rest = locks.filter(([, v]) => v > 0n).map(([k, v]): [Hex, bigint] => [k, v])
  let i = 0
  for (const [payee, share] of shares) {
    let room = share
    while (room > 0n && i < rest.length) {
      const cur = rest[i] as [Hex, bigint]
      const take = cur[1] < room ? cur[1] : room
      if (cur[0] !== payee.id) payee.lockedFrom[cur[0]] = (payee.lockedFrom[cur[0]] ?? 0n) + take
      cur[1] -= take
      room -= take
      if (cur[1] === 0n) i++
    }
  }
}
