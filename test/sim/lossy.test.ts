// The claim, checked by seeded trials of the real contract: a hoster that loses 10 % of its
// blocks, challenged by 3 attestors × 16 samples each epoch, is caught within one epoch with ≥ 99 %
// probability, and a repair follows.
//
// The contract counts a `missing` report on its own (accounting.ts, decideOutcome): an epoch settles as
// failing (`missing`) as soon as one selected attestor's sample hits a lost block. So the epoch settles
// failing with probability 1 − q³, q = P(one attestor's 16 distinct indices miss every lost block)
// = C(900,16)/C(1000,16) ≈ 0.185, i.e. ≈ 99.39 % — DESIGN §4's (1−f)^(3·16) ≈ 0.6 % escape figure
// (with sampling without replacement). Each lossy agreement's first epoch is one trial; the 300 seeded
// runs give ~900 of them, and each run's lossy hoster (all of its agreements) is checked too.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runSim } from '../../src/sim/index.js'
import type { Incident } from '../../src/sim/index.js'

const TRIALS = 300
const LENGTH = 1000
const LOST = 100
const SAMPLES = 16

/** P(16 distinct uniform indices of 1000 avoid all 100 lost ones) = C(900,16)/C(1000,16). */
function escapeOne(): number {
  let q = 1
  for (let i = 0; i < SAMPLES; i++) q *= (LENGTH - LOST - i) / (LENGTH - i)
  return q
}

test(`lossy hoster (10 % of blocks lost), 3 attestors × 16 samples: ${TRIALS} seeded trials`, async () => {
  const incidents: Incident[] = []
  const runs: Incident[][] = []
  for (let seed = 1; seed <= TRIALS; seed++) {
    const r = await runSim({
      seed,
      hosters: 5,
      agreements: 15,
      publishers: 1,
      indexers: 1,
      epochs: 14,
      coreBlocks: LENGTH,
      params: { attestors: 3, samples: SAMPLES },
      behaviours: { 'hoster-0': { kind: 'lossy', fraction: LOST / LENGTH, from: 3 } }
    })
    assert.equal(r.ops.rejected, 0)
    incidents.push(...r.incidents)
    if (r.incidents.length > 0) runs.push(r.incidents) // the lossy hoster was matched at all
  }
  assert.ok(incidents.length >= TRIALS, `enough lossy agreements (${incidents.length})`)
  for (const inc of incidents) {
    assert.equal(inc.kind, 'lossy')
    assert.equal(inc.startEpoch, 3)
  }
  const q = escapeOne()
  const n = incidents.length
  const reported = incidents.filter((i) => i.firstReportEpoch === i.startEpoch).length
  const failed = incidents.filter((i) => i.firstFailEpoch === i.startEpoch).length
  const expected = 1 - q ** 3
  const sigma = Math.sqrt((expected * (1 - expected)) / n)
  const line = (what: string, obs: number, of: number, exp: number): string => `${what}: ${obs}/${of} = ${((obs / of) * 100).toFixed(2)} % (exact expectation ${(exp * 100).toFixed(2)} %)`
  console.log(line('agreements whose first lossy epoch has ≥1 missing report', reported, n, expected))
  console.log(line('agreements whose first lossy epoch settles failing', failed, n, expected))
  // per run: the lossy hoster is caught in its first epoch (some agreement of it settles failing) and
  // every one of its agreements settles failing in that epoch
  const hosterCaught = runs.filter((r) => r.some((i) => i.firstFailEpoch === i.startEpoch)).length
  const allCaught = runs.filter((r) => r.every((i) => i.firstFailEpoch === i.startEpoch)).length
  console.log(`runs: lossy hoster caught in its first epoch ${hosterCaught}/${runs.length}; every agreement of it failing in that epoch ${allCaught}/${runs.length}`)

  // the claim: the first epoch settles failing in ≥ 99 % of trials (expected 99.39 %)
  assert.ok(failed / n >= 0.99, line('first epoch settles failing', failed, n, expected))
  assert.ok(hosterCaught / runs.length >= 0.99)
  // a missing report is enough: every epoch that had one settled failing
  for (const inc of incidents) assert.ok(inc.firstReportEpoch === null || inc.firstFailEpoch === inc.firstReportEpoch, `agreement ${inc.agreementId}`)
  assert.equal(failed, reported)
  // and the rate agrees with the exact hypergeometric expectation (within 4σ)
  assert.ok(Math.abs(failed / n - expected) <= 4 * sigma, line('first epoch settles failing', failed, n, expected))

  // every lossy agreement is detected, failed (3 failing epochs in a row) and repaired on another hoster
  for (const inc of incidents) {
    assert.ok(inc.firstFailEpoch !== null, `agreement ${inc.agreementId} detected`)
    assert.equal(inc.endReason, 'failed')
    assert.ok(inc.repairActiveEpoch !== null, `agreement ${inc.agreementId} repaired`)
    assert.ok(inc.repairHoster !== null && inc.repairHoster !== 'hoster-0')
    assert.ok(inc.repairActiveEpoch - inc.startEpoch >= 3, 'at least three failing epochs before the repair')
  }
  const repairs = incidents.map((i) => (i.repairActiveEpoch as number) - i.startEpoch)
  console.log(`repaired ${n}/${n}; epochs from loss to the replacement active: mean ${(repairs.reduce((s, x) => s + x, 0) / n).toFixed(2)}, max ${Math.max(...repairs)}`)
})
