// DESIGN §5 in integer math: prices, payment splits, debits against credit, outcomes, reputation.
import { GIB, PPM, SECONDS_PER_HOUR } from './constants.js'
import type { Outcome } from './ops.js'
import type { Account, Hex } from './state.js'
import { available } from './state.js'

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
}

/**
 * Debit `amount` from an account (mutates it): first its positive balance, then its sponsor lines
 * (in ascending sponsor-key order), then its welcome credit (the balance goes negative, at most down
 * to −credit). Refuses (ok: false, nothing changed) if the amount exceeds what is available.
 * The caller must reduce each sponsor's `sponsoring` entry by the amounts in `fromLines`.
 */
export function debit(acct: Account, amount: bigint): DebitResult {
  if (amount < 0n || amount > available(acct)) return { ok: false, fromLines: [] }
  const fromBalance = acct.balance > 0n ? (amount < acct.balance ? amount : acct.balance) : 0n
  let rest = amount - fromBalance
  const fromLines: [Hex, bigint][] = []
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
  acct.balance -= fromBalance + rest
  return { ok: true, fromLines }
}

export interface Decision {
  /** The agreement's outcome for the epoch, or null: no outcome (no pay, no penalty). */
  outcome: Outcome | null
  /** Attestor positions (into the selection) on the winning side (paid on a pass; `attestAgreed` counted). */
  winners: number[]
  /** Attestor positions penalised: a pass/fail disagreement that sampling cannot explain. */
  losers: number[]
}

/**
 * The outcome from the attestors' results (null = not reported). Rules, in order:
 * 1. Missing counts on its own: if at least one selected attestor reported `missing` (it connected and the
 *    hoster failed to produce an authentic block; the attestor keeps the hoster-signed evidence whose hash
 *    is in its report), the outcome is `missing`, whatever the others reported and however many reported.
 *    Winners are the attestors that reported `missing`; nobody is penalised — a `pass` next to a `missing`
 *    is what independent samples of a partly lost core look like, and a `slow`/`unreachable` next to it is
 *    a different network path.
 * 2. Otherwise (only pass, slow, unreachable reports): a quorum of floor(selected/2)+1 reports is needed,
 *    else no outcome (silence neither pays nor punishes). Pass vs fail (slow or unreachable) by strict
 *    majority of the reports; a tie is no outcome. The failing kind is the most reported of slow and
 *    unreachable, a tie to `slow` (the milder reading: some attestor did reach the hoster). Attestors on
 *    the losing side of that pass/fail majority are losers (penalised): the hoster's answer does not
 *    depend on sampling there, only on whether and how fast it answered.
 * A lone report can therefore never escalate an outcome through a tie-break: the only outcome one report
 * decides is `missing` (rule 1), which rests on evidence the attestor must keep.
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
  if (missing > 0) {
    results.forEach((r, i) => {
      if (r === 'missing') winners.push(i)
    })
    return { outcome: 'missing', winners, losers }
  }
  const fail = slow + unreachable
  const quorum = Math.floor(selected / 2) + 1
  if (selected === 0 || pass + fail < quorum || pass === fail) return { outcome: null, winners, losers }
  const passed = pass > fail
  const outcome: Outcome = passed ? 'pass' : unreachable > slow ? 'unreachable' : 'slow'
  results.forEach((r, i) => {
    if (r === null) return
    if ((r === 'pass') === passed) winners.push(i)
    else losers.push(i)
  })
  return { outcome, winners, losers }
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
