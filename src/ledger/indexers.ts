// The indexer set: kept at an odd size so that no single silent member can halt epochs or finality
// (README "Indexers"). Promotions follow admission order; every change is a membership effect that the
// Autobase binding executes.
//
// Rules (reconcile, after every admission, indexer vote and epoch start):
//  1. Growth: while the set is odd, below indexerTarget by at least 2, and two members can be promoted,
//     promote the first two (admission order). A network of 3 members with the default target 3 runs
//     with 3 indexers; one of 1 or 2 members with 1.
//  2. Parity: an even set (≥ 2) promotes the first promotable member (even above the target: an odd set
//     matters more than the target); else an automatic change (silence removal, removal vote) demotes one indexer — the one that ticked least
//     recently, the later admitted on a tie — and an addition (vote, direct admission) is refused.
// Promotable: a writer that is not an indexer and was never removed for silence.
import { accountsInAdmissionOrder } from './account-index.js'
import { reject } from './context.js'
import type { Ctx } from './context.js'
import { InvariantError, RejectCode } from './errors.js'
import type { Account, Hex } from './state.js'

export type ReconcileMode = 'auto' | 'add' | 'remove'

/** Promotable members, in admission order. */
async function promotable(ctx: Ctx, exclude: Hex): Promise<Account[]> {
  return (await accountsInAdmissionOrder(ctx.tx)).filter((a) => a.id !== exclude && a.writer && !a.indexer && a.silentRemovedEpoch === 0)
}

/** Make `a` an indexer (or not), with its membership effect and event. */
export function setIndexer(ctx: Ctx, a: Account, on: boolean): void {
  a.indexer = on
  if (on) {
    a.lastTickEpoch = ctx.meta.epoch
  } else {
    a.commit = ''
    a.commitEpoch = 0
  }
  ctx.putAccount(a)
  ctx.meta.indexers = on ? [...ctx.meta.indexers, a.id].sort() : ctx.meta.indexers.filter((h) => h !== a.id)
  ctx.touchMeta()
  ctx.effects.membership.push({ addWriter: Buffer.from(a.id, 'hex'), indexer: on })
  ctx.event({ type: 'indexer-changed', indexer: a.id, added: on })
}

/** The indexer an automatic demotion removes: the least recently ticking, the later admitted on a tie. */
async function demotionVictim(ctx: Ctx): Promise<Account> {
  let victim: Account | null = null
  for (const id of ctx.meta.indexers) {
    const a = await ctx.mustAccount(id)
    if (victim === null || a.lastTickEpoch < victim.lastTickEpoch || (a.lastTickEpoch === victim.lastTickEpoch && a.admissionSeq > victim.admissionSeq)) victim = a
  }
  if (victim === null) throw new InvariantError('no indexer to demote')
  return victim
}

/** Bring the indexer set to the rules above; `mode` says what changed it; `exclude` is never promoted (just removed). */
export async function reconcileIndexers(ctx: Ctx, mode: ReconcileMode, exclude: Hex = ''): Promise<void> {
  const target = Math.max(1, ctx.meta.params.indexerTarget)
  // read every account only when a promotion is possible: an admission into a set already odd and at
  // its target (the usual case) reads none
  let pool: Account[] | null = null
  const next = async (): Promise<Account | undefined> => {
    pool ??= await promotable(ctx, exclude)
    return pool.shift()
  }
  while (ctx.meta.indexers.length % 2 === 1 && ctx.meta.indexers.length + 2 <= target) {
    // promote two or none: with a single promotable member the set stays odd (and returns below)
    const a = await next()
    const b = a === undefined ? undefined : await next()
    if (a === undefined || b === undefined) break
    setIndexer(ctx, a, true)
    setIndexer(ctx, b, true)
  }
  const n = ctx.meta.indexers.length
  if (n < 2 || n % 2 === 1) return
  const first = await next()
  if (first !== undefined) {
    setIndexer(ctx, first, true)
    return
  }
  if (mode === 'add') reject(RejectCode.INDEXER_SET_EVEN, `this would leave ${n} indexers (one silent member could halt them) and no member can be promoted`)
  setIndexer(ctx, await demotionVictim(ctx), false)
}

/**
 * At the start of epoch e: remove every indexer that ticked none of the last indexerSilentEpochs epochs
 * (never the last one), then reconcile (promote a replacement, or keep the set odd).
 */
export async function removeSilentIndexers(ctx: Ctx, e: number): Promise<void> {
  const silentEpochs = ctx.meta.params.indexerSilentEpochs
  if (silentEpochs < 1) return
  let changed = false
  for (const id of [...ctx.meta.indexers]) {
    if (ctx.meta.indexers.length <= 1) break
    const a = await ctx.mustAccount(id)
    if (e - a.lastTickEpoch < silentEpochs) continue
    a.silentRemovedEpoch = e
    setIndexer(ctx, a, false)
    ctx.event({ type: 'indexer-silent', indexer: a.id, epoch: e, lastTickEpoch: a.lastTickEpoch })
    changed = true
  }
  if (changed) await reconcileIndexers(ctx, 'auto')
}
