// From a challenge result to the `report` result the ledger records (DESIGN §3: one result per
// agreement in an attestor's per-epoch `report` op). Integers only: the ledger does no float math.
import type { ChallengeOutcome, ChallengeResult } from './challenge.js'

export interface ReportResult {
  agreementId: string
  outcome: ChallengeOutcome
  samples: number
  /** Whole milliseconds. Per-block response times when the hoster answered, else the total latency. */
  latencyP50Ms: number
  latencyP99Ms: number
  /** BLAKE2b-256 of the attestor's evidence (see encodeEvidence). */
  evidenceHash: Buffer
}

/** Nearest-rank percentile of a non-empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError('percentile of nothing')
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)))
  return sorted[rank - 1] as number
}

export function toReportResult(agreementId: string, result: ChallengeResult): ReportResult {
  const times = result.perBlockMs && result.perBlockMs.length ? result.perBlockMs : [result.latencyMs]
  return {
    agreementId,
    outcome: result.outcome,
    samples: result.samples,
    latencyP50Ms: Math.round(percentile(times, 50)),
    latencyP99Ms: Math.round(percentile(times, 99)),
    evidenceHash: Buffer.from(result.evidenceHash)
  }
}
