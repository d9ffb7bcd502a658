import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Prng, challengeIndices, commitOf, checkReveal, nextBeacon, selectAttestors, HosterPool, selectHoster } from '../../src/ledger/index.js'
import type { HosterCandidate, SlotConstraints } from '../../src/ledger/index.js'

test('prng: deterministic per seed, different across seeds', () => {
  const a = Prng.from('s', 1)
  const b = Prng.from('s', 1)
  const c = Prng.from('s', 2)
  const xs = Array.from({ length: 20 }, () => a.nextU32())
  assert.deepEqual(xs, Array.from({ length: 20 }, () => b.nextU32()))
  assert.notDeepEqual(xs, Array.from({ length: 20 }, () => c.nextU32()))
})

test('prng: uniform stays in range and is roughly flat (chi-square)', () => {
  const p = Prng.from('uniform')
  const n = 10
  const counts = Array.from({ length: n }, () => 0)
  for (let i = 0; i < 20000; i++) {
    const x = p.uniform(n)
    assert.ok(x >= 0 && x < n && Number.isInteger(x))
    counts[x]!++
  }
  const exp = 2000
  const chi = counts.reduce((s, c) => s + ((c - exp) * (c - exp)) / exp, 0)
  assert.ok(chi < 30, `chi-square ${chi}`) // 9 dof, p ≈ 0.0004
  for (let i = 0; i < 100; i++) assert.ok(p.uniform(3 * 2 ** 40) < 3 * 2 ** 40)
  assert.throws(() => p.uniform(0), { code: 'E_PRNG' })
})

test('prng: sampleDistinct draws distinct values in range, both strategies', () => {
  const p = Prng.from('distinct')
  for (const [n, k] of [[10, 9], [1000, 16], [16, 16], [5, 0]] as const) {
    const s = p.sampleDistinct(n, k)
    assert.equal(s.length, k)
    assert.equal(new Set(s).size, k)
    assert.ok(s.every((x) => x >= 0 && x < n))
  }
  assert.throws(() => p.sampleDistinct(3, 4), { code: 'E_PRNG' })
})

test('prng: weighted choice follows integer weights', () => {
  const p = Prng.from('weighted')
  const counts = [0, 0, 0]
  for (let i = 0; i < 30000; i++) counts[p.weighted([1n, 0n, 3n])]!++
  assert.equal(counts[1], 0)
  assert.ok(Math.abs(counts[2]! / counts[0]! - 3) < 0.25, String(counts))
  assert.equal(p.weighted([0n, 0n]), -1)
})

test('beacon: commit–reveal and chaining', () => {
  const secret = Buffer.alloc(32, 9)
  const c = commitOf(secret)
  assert.equal(checkReveal(c, secret), true)
  assert.equal(checkReveal(c, Buffer.alloc(32, 8)), false)
  assert.equal(checkReveal(c, Buffer.alloc(0)), false)
  const b1 = nextBeacon(Buffer.alloc(32), [secret])
  assert.notDeepEqual(b1, nextBeacon(Buffer.alloc(32), []))
  assert.notDeepEqual(nextBeacon(b1, [secret, c]), nextBeacon(b1, [c, secret]), 'apply order matters')
})

test('challengeIndices: deterministic, distinct, in range, per attestor', () => {
  const beacon = Buffer.alloc(32, 3)
  const k1 = Buffer.alloc(32, 1)
  const k2 = Buffer.alloc(32, 2)
  const a = challengeIndices(beacon, 7, k1, 1000, 16)
  assert.deepEqual(a, challengeIndices(beacon, 7, k1, 1000, 16))
  assert.notDeepEqual(a, challengeIndices(beacon, 7, k2, 1000, 16))
  assert.notDeepEqual(a, challengeIndices(beacon, 8, k1, 1000, 16))
  assert.equal(new Set(a).size, 16)
  assert.ok(a.every((i) => i >= 0 && i < 1000))
  assert.deepEqual(challengeIndices(beacon, 7, k1, 5, 16), [0, 1, 2, 3, 4])
  assert.deepEqual(challengeIndices(beacon, 7, k1, 0, 16), [])
})

test('selection: attestors exclude as asked; hosters respect constraints; pool agrees with linear choice on eligibility', () => {
  const cands = Array.from({ length: 50 }, (_, i) => 'h' + String(i).padStart(2, '0'))
  const p = Prng.from('att')
  for (let t = 0; t < 200; t++) {
    const out = selectAttestors(p, cands, (h) => h < 'h45', 3)
    assert.equal(out.length, 3)
    assert.ok(out.every((h) => h >= 'h45'))
    assert.equal(new Set(out).size, 3)
  }
  assert.equal(selectAttestors(p, cands, (h) => h !== 'h07', 3).length, 1)
  const hosters: HosterCandidate[] = [
    { hoster: 'pub', group: '', freeBytes: 100, provenFreeBytes: 100, reputationPpm: 500000, vetted: true, lineage: 'pub' },
    { hoster: 'a', group: 'g', freeBytes: 100, provenFreeBytes: 100, reputationPpm: 500000, vetted: true, lineage: 'a' },
    { hoster: 'b', group: 'g', freeBytes: 100, provenFreeBytes: 100, reputationPpm: 500000, vetted: true, lineage: 'b' },
    { hoster: 'c', group: '', freeBytes: 5, provenFreeBytes: 5, reputationPpm: 500000, vetted: true, lineage: 'c' },
    { hoster: 'd', group: '', freeBytes: 100, provenFreeBytes: 100, reputationPpm: 500000, vetted: false, lineage: 'd' }
  ]
  const s: SlotConstraints = { publisher: 'pub', byteLength: 10, usedGroups: new Set(['group:g']), excluded: new Set(), hasUnvetted: true, relaxUnvetted: false, publisherLineage: 'pub', usedLineages: new Set() }
  assert.equal(selectHoster(p, hosters, s), -1)
  const pool = new HosterPool(hosters)
  assert.equal(pool.pick(p, s), -1)
  const s2: SlotConstraints = { ...s, hasUnvetted: false }
  for (let t = 0; t < 50; t++) assert.equal(hosters[pool.pick(p, s2)]?.hoster, 'd')
})
