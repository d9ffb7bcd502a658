// Adaptive audits, issue 15 item 3: a hoster with a clean record is sampled with the clean tier's few
// blocks (2 per attestor for a 1 GiB core of 64 KiB blocks: 0.88 % of its blocks a day), and a 10 %-lossy
// one is still detected — some attestor draws a lost block — at the rate docs/challenges.md §3 states:
// per agreement 1 − q^k in its first lossy epoch, and the hoster within 3 epochs 1 − q^(3kA) (A lossy
// agreements; until its first detection all stay in the clean tier). Seeded simulator runs of the real
// contract against the exact hypergeometric formula.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runAuditTrials } from '../../src/sim/index.js'

const RUNS = 150

test(`clean-tier audits of a 10 %-lossy hoster (1 GiB cores of 64 KiB blocks): ${RUNS} seeded runs agree with the formula`, async () => {
  const r = await runAuditTrials({ runs: RUNS, coreBlocks: 16_384, hosters: 6, agreements: 12 })
  assert.deepEqual(r.samples, [2], 'every lossy agreement started in the clean tier (2 blocks per attestor)')
  assert.ok(r.fractionFormula <= 0.01)
  assert.ok(Math.abs(r.fractionMeasured - r.fractionFormula) < 1e-9, `challenged ${r.fractionMeasured} of the blocks a day, formula ${r.fractionFormula}`)
  const within = (got: number, n: number, p: number): boolean => Math.abs(got / n - p) <= 4 * Math.sqrt((p * (1 - p)) / n) + 1 / n
  const line1 = `first lossy epoch, per agreement: ${r.detectedFirst}/${r.incidents} = ${((r.detectedFirst / r.incidents) * 100).toFixed(1)} % (formula ${(r.expectedFirst * 100).toFixed(1)} %)`
  const line3 = `within 3 epochs, per hoster: ${r.hosterDetectedWithin3}/${r.hosterRuns} = ${((r.hosterDetectedWithin3 / r.hosterRuns) * 100).toFixed(1)} % (formula ${(r.hosterExpectedWithin3 * 100).toFixed(1)} %); per agreement ${((r.detectedWithin3 / r.incidents) * 100).toFixed(1)} % (bound ≥ ${(r.expectedWithin3 * 100).toFixed(1)} %)`
  console.log(line1)
  console.log(line3)
  assert.ok(r.incidents >= RUNS, `enough lossy agreements (${r.incidents})`)
  assert.ok(within(r.detectedFirst, r.incidents, r.expectedFirst), line1)
  assert.ok(r.hosterRuns >= RUNS * 0.8)
  assert.ok(within(r.hosterDetectedWithin3, r.hosterRuns, r.hosterExpectedWithin3), line3)
  assert.ok(r.detectedWithin3 / r.incidents >= r.expectedWithin3 - 4 * Math.sqrt((r.expectedWithin3 * (1 - r.expectedWithin3)) / r.incidents), line3)
})
