// Adaptive audits (contract version 2; docs/challenges.md §3, issue 15 item 3): how many blocks each
// attestor samples from a hoster's core, by the hoster's record. Three tiers:
//   new      — unvetted, or a failing epoch in its recent record: samplesNew (caught in its first epoch);
//   standard — vetted, fewer than `cleanEpochs` clean epochs since its last failing or suspect one: samples;
//   clean    — vetted with a long clean record: as many as a daily budget of the core's blocks allows
//              (budgetPpm), at least samplesCleanMin, at most samples.
// The indices stay PRNG(beacon_e ‖ agreement ‖ attestor ‖ nonce) (src/proof/receipt.ts): only their count
// changes. A clean epoch is one settled with a pass for a publisher of another lineage and no accepted
// non-pass result against the hoster; any accepted slow/missing/unreachable result (even one outvoted)
// or failing epoch starts the count again, so a hoster that loses data leaves the clean tier the epoch
// after the first challenge that hits a lost block.
import { RECENT_FAILURE_EPOCHS, SECONDS_PER_DAY } from './constants.js'
import type { Ctx } from './context.js'
import type { NetworkParams } from './ops.js'
import { auditParams } from './params.js'
import type { Account, Hex } from './state.js'
import { VET_MIN_LINEAGES } from './constants.js'

/** A hoster's audit record (`audit/<hex>`, version 2): absent = no clean epoch yet. */
export interface AuditRecord {
  /** Clean epochs since the last failing or suspect one. */
  clean: number
  /** The last epoch counted in `clean` (each epoch once). */
  lastEpoch: number
}

export const auditKey = (hoster: Hex): string => `audit/${hoster}`

export type AuditTier = 'new' | 'standard' | 'clean'

type TierAccount = Pick<Account, 'vetEpochs' | 'vetLineages' | 'lastFailEpoch'>

/** Vetted (epoch.ts isVetted, repeated: epoch.ts imports this file). */
function vetted(h: TierAccount, p: Pick<NetworkParams, 'unvettedEpochs'>): boolean {
  if (p.unvettedEpochs === 0) return true
  return h.vetEpochs >= p.unvettedEpochs && h.vetLineages.length >= VET_MIN_LINEAGES
}

/** The tier of a hoster at the start of epoch e. */
export function auditTier(h: TierAccount, rec: AuditRecord | null, p: NetworkParams, e: number): AuditTier {
  const recent = h.lastFailEpoch !== 0 && e - h.lastFailEpoch <= RECENT_FAILURE_EPOCHS
  if (!vetted(h, p) || recent) return 'new'
  return rec !== null && rec.clean >= auditParams(p).cleanEpochs ? 'clean' : 'standard'
}

/**
 * The clean tier's blocks per attestor for a core of `length` blocks: the most that keeps the k attestors'
 * daily traffic within budgetPpm of the core's blocks — ⌊budgetPpm × length × epochSeconds / (10⁶ × 86,400
 * × k)⌋ — clamped to [samplesCleanMin, samples]. Traffic is counted in blocks, so the fraction holds for
 * any block size (each sample moves one block and its proof).
 */
export function cleanSamples(length: number, p: NetworkParams): number {
  const a = auditParams(p)
  const k = BigInt(Math.max(1, p.attestors))
  const budget = Number((BigInt(a.budgetPpm) * BigInt(length) * BigInt(p.epochSeconds)) / (1_000_000n * BigInt(SECONDS_PER_DAY) * k))
  return Math.max(a.samplesCleanMin, Math.min(p.samples, budget))
}

/** Blocks per attestor for one agreement of this hoster at the start of epoch e (version 2). */
export function samplesForTier(tier: AuditTier, length: number, p: NetworkParams): number {
  if (tier === 'new') return p.samplesNew
  if (tier === 'standard') return p.samples
  return cleanSamples(length, p)
}

/**
 * Settlement of epoch e (version 2), per hoster: `passed` (a pass for a publisher of another lineage),
 * `suspect` (an accepted non-pass result or a failing outcome). A suspect epoch resets the count; a
 * passed one counts once.
 */
export async function recordAuditEpoch(ctx: Ctx, hoster: Hex, e: number, passed: boolean, suspect: boolean): Promise<void> {
  const key = auditKey(hoster)
  const rec = (await ctx.tx.get<AuditRecord>(key)) ?? { clean: 0, lastEpoch: 0 }
  if (suspect) rec.clean = 0
  else if (passed && rec.lastEpoch !== e) rec.clean++
  else return
  rec.lastEpoch = e
  ctx.tx.set(key, rec)
}

// --- the formula (docs/challenges.md §3), for the simulator's trials and the bench ---

/**
 * P(one attestor's s distinct indices over n blocks miss all m lost ones) = C(n−m, s) / C(n, s).
 */
export function escapeOne(n: number, m: number, s: number): number {
  if (s >= n) return m > 0 ? 0 : 1
  let q = 1
  for (let i = 0; i < s; i++) q *= (n - m - i) / (n - i)
  return Math.max(0, q)
}

/**
 * P(a hoster that lost m of n blocks is detected — at least one of k attestors draws a lost block —
 * within `epochs` epochs sampled at s per attestor): 1 − q^(k·epochs). A lower bound once a detection
 * moves the hoster to a higher tier (more samples in the epochs after it).
 */
export function detectWithin(n: number, m: number, s: number, k: number, epochs: number): number {
  return 1 - escapeOne(n, m, s) ** (k * epochs)
}

/** Audit traffic per day as a fraction of the core's bytes: k × s blocks per epoch over `length` blocks. */
export function auditFractionPerDay(length: number, s: number, k: number, epochSeconds: number): number {
  return (k * Math.min(s, length) * (SECONDS_PER_DAY / epochSeconds)) / length
}
