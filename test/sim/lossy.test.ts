// The claim, checked by seeded trials of the real contract: a hoster that lost 10 % of its blocks
// is failed in its first challenged epoch with ≥ 99 % probability, whether it admits the loss (a signed
// NOT_HELD error: the attestor reports a proven `missing`) or goes silent whenever it lacks a block (the
// attestor reports `slow`). An unvetted hoster is sampled with samplesNew = 32 blocks per attestor.
//
// q = P(one attestor's 32 distinct indices miss all 100 lost blocks of 1,000) = C(900,32)/C(1000,32).
// admit:  any accepted missing decides        → P(fail) = 1 − q³                 ≈ 99.997 %
// silent: slow needs 2 of the 3 selected       → P(fail) = 1 − q³ − 3q²(1 − q)   ≈ 99.7 %
// (a silent hoster is paid only when all three drew only held blocks: q³, as an admitting one.)
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runSim } from '../../src/sim/index.js'
import type { Incident } from '../../src/sim/index.js'

const TRIALS = 150
const LENGTH = 1000
const LOST = 100
const SAMPLES_NEW = 32

function escapeOne(samples: number): number {
  let q = 1
  for (let i = 0; i < samples; i++) q *= (LENGTH - LOST - i) / (LENGTH - i)
  return q
}

async function trials(mode: 'admit' | 'silent'): Promise<Incident[]> {
  const incidents: Incident[] = []
  for (let seed = 1; seed <= TRIALS; seed++) {
    const r = await runSim({
      seed,
      hosters: 5,
      agreements: 15,
      publishers: 1,
      indexers: 1,
      epochs: 9,
      coreBlocks: LENGTH,
      params: { attestors: 3, samples: 16, samplesNew: SAMPLES_NEW },
      behaviours: { 'hoster-0': { kind: 'lossy', fraction: LOST / LENGTH, from: 3, mode } }
    })
    assert.equal(r.ops.rejected, 0)
    assert.deepEqual(r.refusedResults, {}, 'every honest result carries valid evidence')
    incidents.push(...r.incidents)
  }
  return incidents
}

for (const mode of ['admit', 'silent'] as const) {
  test(`lossy hoster (10 % lost) that ${mode === 'admit' ? 'admits the loss (signed NOT_HELD)' : 'goes silent when it lacks a block'}: ${TRIALS} seeded runs`, async () => {
    const incidents = await trials(mode)
    assert.ok(incidents.length >= TRIALS, `enough lossy agreements (${incidents.length})`)
    for (const inc of incidents) {
      assert.equal(inc.kind, 'lossy')
      assert.equal(inc.startEpoch, 3, 'first challenged epoch (epoch 1 is weak, 2 matches)')
    }
    const q = escapeOne(SAMPLES_NEW)
    const expected = mode === 'admit' ? 1 - q ** 3 : 1 - q ** 3 - 3 * q ** 2 * (1 - q)
    const n = incidents.length
    const failed = incidents.filter((i) => i.firstFailEpoch === i.startEpoch).length
    const sigma = Math.sqrt((expected * (1 - expected)) / n)
    const line = `${mode}: first epoch settles failing ${failed}/${n} = ${((failed / n) * 100).toFixed(2)} % (exact expectation ${(expected * 100).toFixed(3)} %)`
    console.log(line)
    assert.ok(failed / n >= 0.99, line)
    assert.ok(Math.abs(failed / n - expected) <= 4 * sigma + 1 / n, line)
    // and the agreement ends failed (failing epochs in a row; a no-outcome epoch leaves the streak) and is repaired elsewhere
    const ended = incidents.filter((i) => i.endReason === 'failed' && i.repairActiveEpoch !== null && i.repairHoster !== 'hoster-0').length
    console.log(`${mode}: ended failed and repaired on another hoster ${ended}/${n}`)
    assert.ok(ended / n >= 0.99)
  })
}
