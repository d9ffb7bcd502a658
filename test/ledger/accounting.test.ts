import { test } from 'node:test'
import assert from 'node:assert/strict'
import { epochCost, splitPayment, debit, decideOutcome, observe, failureObservation, byteSeconds, newAccountForTest } from './acct-fixture.js'

const GiB = 2 ** 30

test('epochCost: bytes × seconds × price / (GiB × 3600), rounded down', () => {
  assert.equal(epochCost(GiB, 3600, 1_000_000n), 1_000_000n)
  assert.equal(epochCost(GiB, 60, 1_000_000n), 16_666n) // 16,666.67 → down
  assert.equal(epochCost(1, 3600, 1_000_000n), 0n)
  assert.equal(epochCost(1024 * GiB, 3600, 1_000_000n), 1_024_000_000n)
  // beyond 2^53 stays exact
  assert.equal(epochCost(Number.MAX_SAFE_INTEGER, 3600, 1_000_000n), (BigInt(Number.MAX_SAFE_INTEGER) * 1_000_000n) / BigInt(GiB))
  assert.equal(byteSeconds(GiB, 3600), 3_865_470_566_400n)
})

test('splitPayment: 90/10 with 25 % of the hoster share held back; remainder to the first attestor', () => {
  assert.deepEqual(splitPayment(1_000_000n, 900_000, 250_000, 3), { cost: 1_000_000n, hosterNow: 675_000n, held: 225_000n, attestors: [33_334n, 33_333n, 33_333n] })
  const s = splitPayment(999n, 900_000, 250_000, 2)
  assert.equal(s.hosterNow + s.held + s.attestors.reduce((a, b) => a + b, 0n), 999n)
  assert.deepEqual(s, { cost: 999n, hosterNow: 675n, held: 224n, attestors: [50n, 50n] })
})

test('debit: balance first, then sponsor lines in key order, then welcome credit; never beyond', () => {
  const a = newAccountForTest()
  a.balance = 100n
  a.credit = 1000n
  a.lines = { bb: 50n, aa: 30n }
  assert.equal(debit(a, 1181n).ok, false)
  assert.equal(a.balance, 100n)
  const r = debit(a, 150n)
  assert.deepEqual(r.fromLines, [['aa', 30n], ['bb', 20n]])
  assert.equal(a.balance, 0n)
  assert.deepEqual(a.lines, { bb: 30n })
  assert.equal(debit(a, 1030n).ok, true)
  assert.equal(a.balance, -1000n)
  assert.deepEqual(a.lines, {})
  assert.equal(debit(a, 1n).ok, false)
})

test('decideOutcome: any missing → missing, nobody penalised for it', () => {
  assert.deepEqual(decideOutcome(['pass', 'pass', 'missing']), { outcome: 'missing', winners: [2], losers: [] })
  assert.deepEqual(decideOutcome(['unreachable', 'missing', 'pass']), { outcome: 'missing', winners: [1], losers: [] })
  assert.deepEqual(decideOutcome(['unreachable', 'unreachable', 'missing']), { outcome: 'missing', winners: [2], losers: [] })
  assert.deepEqual(decideOutcome(['missing', null, null]), { outcome: 'missing', winners: [0], losers: [] }) // no quorum needed
  assert.deepEqual(decideOutcome(['missing', 'missing', 'slow']), { outcome: 'missing', winners: [0, 1], losers: [] })
})

test('decideOutcome: pay needs a strict majority of the selected and no slow/unreachable; judgements need a majority', () => {
  assert.deepEqual(decideOutcome(['pass', 'pass', 'pass']), { outcome: 'pass', winners: [0, 1, 2], losers: [] })
  assert.deepEqual(decideOutcome(['pass', 'pass', null]), { outcome: 'pass', winners: [0, 1], losers: [] })
  // a lone judgement against a pass majority: no outcome (no pay, no penalty), the judgement disagrees
  assert.deepEqual(decideOutcome(['pass', 'pass', 'unreachable']), { outcome: null, winners: [], losers: [2] })
  assert.deepEqual(decideOutcome(['slow', 'pass', 'pass']), { outcome: null, winners: [], losers: [0] })
  // a judgement majority decides; pass reporters against it disagree
  assert.deepEqual(decideOutcome(['unreachable', 'unreachable', 'pass']), { outcome: 'unreachable', winners: [0, 1], losers: [2] })
  assert.deepEqual(decideOutcome([null, 'slow', 'slow']), { outcome: 'slow', winners: [1, 2], losers: [] })
  assert.deepEqual(decideOutcome(['pass', null, null]).outcome, null) // 1 of 3 is no majority of the selected
  assert.deepEqual(decideOutcome(['pass', 'slow', null]), { outcome: null, winners: [], losers: [] }) // neither side a majority
  assert.deepEqual(decideOutcome(['unreachable', null, null]).outcome, null) // a lone unreachable decides nothing
  assert.deepEqual(decideOutcome([]).outcome, null)
  assert.deepEqual(decideOutcome(['pass']).outcome, 'pass')
  assert.deepEqual(decideOutcome(['pass', 'pass', 'pass', 'slow']).outcome, null)
  assert.deepEqual(decideOutcome(['pass', 'pass', null, null]).outcome, null) // 2 of 4 is no strict majority
})

test('decideOutcome: slow/unreachable tie goes to the milder slow; no tie-break can escalate to missing', () => {
  assert.deepEqual(decideOutcome(['slow', 'unreachable', 'pass']).outcome, 'slow')
  assert.deepEqual(decideOutcome(['unreachable', 'slow', null]).outcome, 'slow')
  assert.deepEqual(decideOutcome(['unreachable', 'unreachable', 'slow']).outcome, 'unreachable')
  assert.deepEqual(decideOutcome(['slow', 'slow', 'slow', 'unreachable', 'unreachable']).outcome, 'slow')
  // exhaustively over 3 attestors: missing iff some report is missing; losers never include a missing or a
  // pass next to a missing
  const vals = [null, 'pass', 'missing', 'slow', 'unreachable'] as const
  for (const a of vals) for (const b of vals) for (const c of vals) {
    const rs = [a, b, c]
    const d = decideOutcome(rs)
    assert.equal(d.outcome === 'missing', rs.includes('missing'), JSON.stringify(rs))
    if (rs.includes('missing')) assert.deepEqual(d.losers, [])
    for (const i of d.losers) assert.notEqual(rs[i], 'missing')
  }
})

test('reputation: Beta counts with decay; warnings first for unreachable', () => {
  const a = { alpha: 1_000_000, beta: 1_000_000 }
  observe(a, 'success', 950_000)
  assert.deepEqual(a, { alpha: 1_950_000, beta: 950_000 })
  observe(a, 'failure', 950_000)
  assert.deepEqual(a, { alpha: 1_852_500, beta: 1_902_500 })
  observe(a, 'warning', 950_000)
  assert.deepEqual(a, { alpha: 1_852_500, beta: 1_902_500 })
  assert.equal(failureObservation('unreachable', 1), 'warning')
  assert.equal(failureObservation('unreachable', 2), 'failure')
  assert.equal(failureObservation('missing', 1), 'failure')
})
