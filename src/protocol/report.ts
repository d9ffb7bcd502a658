// From a challenge result to the `report` result the ledger records and checks (docs/challenges.md §2):
// pass carries the receipt; missing the receipt and the failing item; slow/unreachable their code.
// Integers only: the ledger does no float math.
import type { ReportResult } from '../ledger/ops.js'
import type { ChallengeResult } from './challenge.js'

/** Nearest-rank percentile of a non-empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError('percentile of nothing')
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)))
  return sorted[rank - 1] as number
}

export function toReportResult(agreementId: number, r: ChallengeResult): ReportResult {
  const net = r.responseMs === null ? null : Math.max(0, r.responseMs - r.rttMs)
  const times = r.perItemMs.length > 0 ? r.perItemMs : [net ?? r.latencyMs]
  return {
    agreementId,
    outcome: r.outcome,
    samples: r.samples,
    latencyP50Ms: Math.round(percentile(times, 50)),
    latencyP99Ms: Math.round(percentile(times, 99)),
    rttMs: Math.round(r.rttMs),
    code: r.code,
    receipt: r.outcome === 'unreachable' ? null : r.receipt,
    failing: r.outcome === 'missing' ? r.failing : null
  }
}
