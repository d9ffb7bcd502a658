// DESIGN §5 in integer math: prices, payment splits, debits against credit, outcomes, reputation.
import { GIB, PPM, SECONDS_PER_HOUR } from './constants.js'
import type { Outcome } from './ops.js'
import type { Account, Hex } from './state.js'
import { available, lockedTotal } from './state.js'

/**
 * Micro-favor a publisher owes for one epoch of one core:
 *   floor(byteLength × epochSeconds × priceMicroPerGiBHour / (2^30 × 3600)).
 * Rounded down once, over the exact product (bigint), so 1 GiB for 1 hour at the default price is
 * exactly 1,000,000 micro-favor.
 */
export function epochCost(byteLength: number, epochSeconds: number, priceMicroPerGiBHour: bigint): bigint {
  return (BigInt(byteLength) * BigInt(epochSeconds) * priceMicroPerGiBHour) / (GIB * SECONDS_PER_HOUR)
}

/** Byte-seconds of one epoch of one core (the `given`/`received` unit). */
export function byteSeconds(byteLength: number, epochSeconds: number): bigint {
  return BigInt(byteLength) * BigInt(epochSeconds)
}

export interface PaymentSplit {
  /** Debited from the publisher: exactly hosterNow + held + sum(attestors). */
  cost: bigint
  /** Credited to the hoster now. */
  hosterNow: bigint
  /** Held back from the hoster's share. */
  held: bigint
  /** One share per winning attestor, in their order; the remainder of the division goes to the first. */
  attestors: bigint[]
}

/**
 * Split a cost: hoster share = floor(cost × hosterSharePpm / 1e6); held = floor(share × heldBackPpm / 1e6);
 * the attestor pool (cost − hoster share) is divided equally among the winning attestors, rounding down,
 * the remainder to the first. With no attestors the pool goes to the hoster (never happens on a pass).
 */
export function splitPayment(cost: bigint, hosterSharePpm: number, heldBackPpm: number, attestorCount: number): PaymentSplit {
  const ppm = BigInt(PPM)
  let share = (cost * BigInt(hosterSharePpm)) / ppm
  if (attestorCount === 0) share = cost
  const held = (share * BigInt(heldBackPpm)) / ppm
  const pool = cost - share
  const attestors: bigint[] = []
  if (attestorCount > 0) {
    const each = pool / BigInt(attestorCount)
    const rest = pool - each * BigInt(attestorCount)
    for (let i = 0; i < attestorCount; i++) attestors.push(i === 0 ? each + rest : each)
  }
  return { cost, hosterNow: share - held, held, attestors }
}

export interface DebitResult {
  ok: boolean
  /** Micro-favor drawn from each sponsor line (sponsor hex → amount), in sponsor order. */
  fromLines: [Hex, bigint][]
  /**
   * Locks the payment carries to its payees (credit.ts): the account's own locked favor it spent (drawer →
   * amount) and what it drew from its own welcome credit (the account itself as drawer).
   */
  locks: [Hex, bigint][]
}

/**
 * Debit `amount` from an account (mutates it): first its positive balance, then its sponsor lines
 * (in ascending sponsor-key order), then its credit (the balance goes negative, at most down to −credit).
 * The first `founder` micro-favor below zero is founder credit (the genesis admin's: not locked on its
 * payees); the rest is welcome credit, locked. Refuses (ok: false, nothing changed) if the amount exceeds
 * what is available. The caller must reduce each sponsor's `sponsoring` entry by the amounts in `fromLines`.
 */
export function debit(acct: Account, amount: bigint, founder = 0n): DebitResult {
  if (amount < 0n || amount > available(acct)) return { ok: false, fromLines: [], locks: [] }
  const fromBalance = acct.balance > 0n ? (amount < acct.balance ? amount : acct.balance) : 0n
  let rest = amount - fromBalance
  const fromLines: [Hex, bigint][] = []
  const locks: [Hex, bigint][] = []
  // the positive balance is spent unlocked part first; what comes out of locked favor keeps its lock
  const locked = lockedTotal(acct)
  const unlocked = acct.balance > locked ? acct.balance - locked : 0n
  let fromLocked = fromBalance > unlocked ? fromBalance - unlocked : 0n
  for (const drawer of Object.keys(acct.lockedFrom).sort()) {
    if (fromLocked === 0n) break
    const v = acct.lockedFrom[drawer] ?? 0n
    const take = v < fromLocked ? v : fromLocked
    fromLocked -= take
    locks.push([drawer, take])
    if (v - take === 0n) delete acct.lockedFrom[drawer]
    else acct.lockedFrom[drawer] = v - take
  }
  for (const sponsor of Object.keys(acct.lines).sort()) {
    if (rest === 0n) break
    const line = acct.lines[sponsor] ?? 0n
    const take = line < rest ? line : rest
    if (take === 0n) continue
    rest -= take
    fromLines.push([sponsor, take])
    if (line - take === 0n) delete acct.lines[sponsor]
    else acct.lines[sponsor] = line - take
  }
  const belowBefore = acct.balance < 0n ? -acct.balance : 0n
  acct.balance -= fromBalance + rest
  const welcome = beyond(belowBefore + rest, founder) - beyond(belowBefore, founder)
  if (welcome > 0n) locks.push([acct.id, welcome])
  return { ok: true, fromLines, locks }
}

/** How far `x` exceeds `limit` (0 when it does not). */
function beyond(x: bigint, limit: bigint): bigint {
  return x > limit ? x - limit : 0n
}

export interface Decision {
  /** The agreement's outcome for the epoch, or null: no outcome (no pay, no penalty). */
  outcome: Outcome | null
  /** Attestor positions (into the selection) on the deciding side (paid on a pass; `attestAgreed`, a success). */
  winners: number[]
  /** Attestor positions that disagree with a majority (`attestDisagreed`, a failure of the attestor score). */
  losers: number[]
}

/**
 * The outcome from the accepted results of the k selected attestors (null = not reported, or refused for
 * bad evidence). docs/challenges.md §3, in order:
 * 1. Proven loss decides: any accepted `missing` (its evidence — the hoster's own signed answer — was
 *    checked in apply) → `missing`. Winners: the `missing` reporters; nobody is penalised (samples differ).
 * 2. Pay needs agreement: `pass` when a strict majority of the SELECTED attestors report `pass` and none
 *    reports `slow`/`unreachable`. Winners: the `pass` reporters.
 * 3. Judgements need a majority: when a strict majority of the selected report `slow` or `unreachable`,
 *    the more reported of the two (a tie → `slow`, the milder reading). Winners: those reporters; losers:
 *    the `pass` reporters (whether and how fast the hoster answered does not depend on sampling).
 * 4. Otherwise no outcome. When the `pass` reporters are a strict majority of the selected, the lone
 *    `slow`/`unreachable` reporters are losers (they blocked pay against the majority).
 * No rule lets one report decide anything but a proven `missing`.
 */
export function decideOutcome(results: readonly (Outcome | null)[]): Decision {
  const selected = results.length
  let pass = 0
  let slow = 0
  let unreachable = 0
  let missing = 0
  for (const r of results) {
    if (r === 'pass') pass++
    else if (r === 'missing') missing++
    else if (r === 'slow') slow++
    else if (r === 'unreachable') unreachable++
  }
  const winners: number[] = []
  const losers: number[] = []
  const positions = (pred: (r: Outcome) => boolean): number[] => {
    const out: number[] = []
    results.forEach((r, i) => {
      if (r !== null && pred(r)) out.push(i)
    })
    return out
  }
  const isJudgement = (r: Outcome): boolean => r === 'slow' || r === 'unreachable'
  if (missing > 0) return { outcome: 'missing', winners: positions((r) => r === 'missing'), losers }
  const maj = Math.floor(selected / 2) + 1
  const judged = slow + unreachable
  if (selected > 0 && pass >= maj && judged === 0) return { outcome: 'pass', winners: positions((r) => r === 'pass'), losers }
  if (selected > 0 && judged >= maj) {
    return { outcome: unreachable > slow ? 'unreachable' : 'slow', winners: positions(isJudgement), losers: positions((r) => r === 'pass') }
  }
  if (selected > 0 && pass >= maj) return { outcome: null, winners, losers: positions(isJudgement) }
  return { outcome: null, winners, losers }
}

/** How an observation moves a Beta reputation. */
export type Observation = 'success' | 'failure' | 'warning'

/**
 * Beta update with forgetting (Storj's audit score): alpha ← λ·alpha + s, beta ← λ·beta + f, where
 * one observation is PPM units and λ = decayPpm / 1e6. A warning decays nothing and adds nothing.
 */
export function observe(acct: Pick<Account, 'alpha' | 'beta'>, obs: Observation, decayPpm: number): void {
  if (obs === 'warning') return
  acct.alpha = Math.floor((acct.alpha * decayPpm) / PPM) + (obs === 'success' ? PPM : 0)
  acct.beta = Math.floor((acct.beta * decayPpm) / PPM) + (obs === 'failure' ? PPM : 0)
}

/**
 * The reputation effect of an agreement's failing epoch: missing data counts hard at once; unreachable
 * and slow give a warning on the first failing epoch of a streak, then count as failures.
 */
export function failureObservation(outcome: Outcome, failStreak: number): Observation {
  if (outcome === 'missing') return 'failure'
  return failStreak <= 1 ? 'warning' : 'failure'
}

/** The same Beta update on an account's attestor score (attestAlpha, attestBeta). */
export function observeAttestor(acct: Pick<Account, 'attestAlpha' | 'attestBeta'>, obs: Observation, decayPpm: number): void {
  const counts = { alpha: acct.attestAlpha, beta: acct.attestBeta }
  observe(counts, obs, decayPpm)
  acct.attestAlpha = counts.alpha
  acct.attestBeta = counts.beta
}
