import { test } from 'node:test'
import assert from 'node:assert/strict'
import { blake2b } from '../../src/stack/index.js'
import { SamplePrng, challengeSeed, sampleIndices } from '../../src/proof/index.js'

const seed = (n: number): Buffer => blake2b(Buffer.from(`seed-${n}`))

test('sampling is deterministic, distinct and in range', () => {
  for (const [length, k] of [[1, 1], [10, 3], [10, 10], [10, 16], [17, 16], [1000, 16], [2 ** 40, 64]] as const) {
    const a = sampleIndices(seed(length), length, k)
    assert.deepEqual(a, sampleIndices(seed(length), length, k))
    assert.equal(a.length, Math.min(k, length))
    assert.equal(new Set(a).size, a.length)
    for (const i of a) assert.ok(Number.isInteger(i) && i >= 0 && i < length)
  }
  assert.deepEqual(sampleIndices(seed(0), 0, 16), [])
  assert.deepEqual(sampleIndices(seed(0), 5, 0), [])
  assert.notDeepEqual(sampleIndices(seed(1), 1000, 16), sampleIndices(seed(2), 1000, 16))
  assert.throws(() => sampleIndices(seed(0), -1, 1), RangeError)
})

test('sampling is uniform (chi-square over 10 buckets, 20 000 draws)', () => {
  const prng = new SamplePrng(seed(42))
  const counts = new Array<number>(10).fill(0)
  const n = 20_000
  for (let i = 0; i < n; i++) counts[prng.below(10)]! += 1
  const expected = n / 10
  const chi = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0)
  assert.ok(chi < 27.9, `chi-square ${chi} (df 9, p = 0.001 bound 27.9)`)
  // every index of a small core is picked about equally often across seeds
  const hits = new Array<number>(20).fill(0)
  for (let s = 0; s < 2000; s++) for (const i of sampleIndices(seed(s), 20, 5)) hits[i]! += 1
  for (const h of hits) assert.ok(h > 380 && h < 620, `index hit ${h} times, expected ~500`)
})

test('the challenge seed binds beacon, agreement and attestor', () => {
  const b = Buffer.alloc(32, 1)
  const k = Buffer.alloc(32, 2)
  assert.deepEqual(challengeSeed(b, 'agr-1', k), blake2b([b, Buffer.from('agr-1'), k]))
  assert.notDeepEqual(challengeSeed(b, 'agr-1', k), challengeSeed(b, 'agr-2', k))
})
