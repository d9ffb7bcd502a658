// Adaptive audits against the formula (docs/challenges.md §3): seeded simulator runs in which hoster-0 earns
// the clean tier (cleanEpochs clean epochs) and then loses a fraction of every core it holds. The contract
// fixes the samples (its tier); the simulated attestors draw the real challenge indices. Per lossy
// agreement: detected in its first lossy epoch (independent across agreements: 1 − q^k exactly) and within
// 3 epochs (1 − q^(3k) is a lower bound: the first detection on any of the hoster's agreements moves it
// to the standard tier). Also the audit traffic the contract asked for in the clean tier, in blocks.
import { auditFractionPerDay, cleanSamples, defaultParams, detectWithin, SECONDS_PER_DAY } from '../ledger/index.js'
import type { NetworkParams } from '../ledger/index.js'
import { runSim } from './simulator.js'
import type { Incident } from './types.js'

export interface AuditTrialOptions {
  runs: number
  /** Blocks per core (16,384 = 1 GiB of 64 KiB blocks). */
  coreBlocks?: number
  /** Lost fraction (default 0.1). */
  fraction?: number
  mode?: 'admit' | 'silent'
  /** Clean epochs to the clean tier in the trials (short, so that runs are short). */
  cleanEpochs?: number
  hosters?: number
  agreements?: number
  firstSeed?: number
}

export interface AuditTrialResult {
  incidents: number
  /** Blocks per attestor the contract fixed in each incident's first lossy epoch (all equal: the clean tier). */
  samples: number[]
  attestors: number
  detectedFirst: number
  detectedWithin3: number
  /** The formula: P(detected in the first epoch) = 1 − q^k and the lower bound 1 − q^(3k). */
  expectedFirst: number
  expectedWithin3: number
  /**
   * Per run, the lossy hoster as a whole: detected (any of its A lossy agreements) within 3 epochs. Until its
   * first detection every one of them stays in the clean tier, so P = 1 − q^(3kA) exactly; expected = the mean
   * over the runs. A = 1 is the per-agreement figure the docs state.
   */
  hosterRuns: number
  hosterDetectedWithin3: number
  hosterExpectedWithin3: number
  /** Clean-tier audit traffic per day, fraction of the stored blocks: the formula, and what the runs challenged. */
  fractionFormula: number
  fractionMeasured: number
}

export async function runAuditTrials(o: AuditTrialOptions): Promise<AuditTrialResult> {
  const coreBlocks = o.coreBlocks ?? 1000
  const fraction = o.fraction ?? 0.1
  const cleanEpochs = o.cleanEpochs ?? 3
  // epoch 3 is the first challenged (1 weak, 2 matches); epochs 3 … 2 + cleanEpochs earn the clean tier
  const from = 3 + cleanEpochs
  const params: Partial<NetworkParams> = { attestors: 3, samples: 16, samplesNew: 32, unvettedEpochs: 0, audit: { cleanEpochs, budgetPpm: 10_000, samplesCleanMin: 2 } }
  const p = defaultParams(params)
  const incidents: Incident[] = []
  let challengedBlocks = 0
  let storedBlocks = 0
  let hosterRuns = 0
  let hosterDetected = 0
  let hosterExpected = 0
  const k = p.attestors
  const s = cleanSamples(coreBlocks, p)
  const lost = Math.round(fraction * coreBlocks)
  for (let i = 0; i < o.runs; i++) {
    const r = await runSim({
      seed: (o.firstSeed ?? 1) + i,
      hosters: o.hosters ?? 6,
      agreements: o.agreements ?? 30,
      publishers: 2,
      indexers: 1,
      epochs: from + 3,
      coreBlocks,
      blockBytes: 4096,
      params,
      behaviours: { 'hoster-0': { kind: 'lossy', fraction, from, mode: o.mode ?? 'admit' } },
      checkInvariants: false
    })
    const mine = r.incidents.filter((x) => x.kind === 'lossy')
    incidents.push(...mine)
    const atStart = mine.filter((x) => x.startEpoch === from)
    if (atStart.length > 0) {
      hosterRuns++
      const first = Math.min(...atStart.map((x) => x.firstReportEpoch ?? Infinity))
      if (first - from < 3) hosterDetected++
      hosterExpected += detectWithin(coreBlocks, lost, s, k, 3 * atStart.length)
    }
    // the epoch before the loss: every hoster in the clean tier
    const before = r.epochs.find((e) => e.epoch === from - 1)
    if (before !== undefined) {
      challengedBlocks += before.auditBlocks
      storedBlocks += before.settled * coreBlocks
    }
  }
  const perEpoch = SECONDS_PER_DAY / p.epochSeconds
  return {
    incidents: incidents.length,
    samples: [...new Set(incidents.map((x) => x.startSamples))].sort((a, b) => a - b),
    attestors: k,
    detectedFirst: incidents.filter((x) => x.firstReportEpoch === x.startEpoch).length,
    detectedWithin3: incidents.filter((x) => x.firstReportEpoch !== null && x.firstReportEpoch - x.startEpoch < 3).length,
    expectedFirst: detectWithin(coreBlocks, lost, s, k, 1),
    expectedWithin3: detectWithin(coreBlocks, lost, s, k, 3),
    hosterRuns,
    hosterDetectedWithin3: hosterDetected,
    hosterExpectedWithin3: hosterRuns === 0 ? 0 : hosterExpected / hosterRuns,
    fractionFormula: auditFractionPerDay(coreBlocks, s, k, p.epochSeconds),
    fractionMeasured: storedBlocks === 0 ? 0 : (challengedBlocks * perEpoch) / storedBlocks
  }
}
