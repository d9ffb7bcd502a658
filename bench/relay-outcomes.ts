// From per-challenge measurements to per-epoch outcomes: a candidate deadline turns each valid answer
// into `pass` or `slow`, then the contract's own `decideOutcome` (src/ledger/accounting.ts; the rules of
// docs/challenges.md §3) decides the epoch:
//   1. any `missing` → missing;
//   2. `pass` when a strict majority of the selected attestors passed and none said slow/unreachable;
//   3. `slow`/`unreachable` when a strict majority said one of them (the more frequent; a tie → slow);
//   4. otherwise no outcome (no pay, no penalty).
import { decideOutcome } from '../src/ledger/index.js'
import type { ChallengeSample } from './relay-protocol.js'

export type Verdict = 'pass' | 'missing' | 'slow' | 'unreachable'
export type EpochOutcome = Verdict | 'none'

/** The attestor's verdict on one challenge had the deadline been `deadlineMs`. */
export function judge(s: ChallengeSample, deadlineMs: number): Verdict {
  if (s.outcome !== 'pass') return s.outcome
  return s.timeMs > deadlineMs ? 'slow' : 'pass'
}

/** An epoch's outcome from the verdicts of ALL its selected attestors, by the contract's rule. */
export function epochOutcome(verdicts: readonly Verdict[]): EpochOutcome {
  return decideOutcome(verdicts).outcome ?? 'none'
}

export interface DeadlineStats {
  deadlineMs: number
  challenges: number
  /** Challenges judged slow at this deadline (or failed otherwise), fraction. */
  challengeFail: number
  epochs: number
  /** Epochs the rules fail (missing, or a strict majority slow/unreachable), fraction. */
  epochFailed: number
  /** Epochs not paid (anything but `pass`), fraction. */
  epochUnpaid: number
}

/** `epochs`: the samples of each epoch, one per selected attestor. */
export function statsAt(epochs: readonly (readonly ChallengeSample[])[], deadlineMs: number): DeadlineStats {
  let challenges = 0
  let challengeFail = 0
  let failed = 0
  let unpaid = 0
  for (const e of epochs) {
    const v = e.map((s) => judge(s, deadlineMs))
    challenges += v.length
    challengeFail += v.filter((x) => x !== 'pass').length
    const o = epochOutcome(v)
    if (o !== 'pass') unpaid++
    if (o !== 'pass' && o !== 'none') failed++
  }
  const n = epochs.length
  return {
    deadlineMs,
    challenges,
    challengeFail: challenges ? challengeFail / challenges : 0,
    epochs: n,
    epochFailed: n ? failed / n : 0,
    epochUnpaid: n ? unpaid / n : 0
  }
}

/** The p-th percentile (0..100) of values, nearest rank; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank] as number
}
