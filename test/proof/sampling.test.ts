import { test } from 'node:test'
import assert from 'node:assert/strict'
import { blake2b } from '../../src/stack/index.js'
import { sampleIndices } from '../../src/proof/index.js'

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

test('sampling is uniform: every index of a small core is picked about equally often across seeds', () => {
  const hits = new Array<number>(20).fill(0)
  for (let s = 0; s < 2000; s++) for (const i of sampleIndices(seed(s), 20, 5)) hits[i]! += 1
  for (const h of hits) assert.ok(h > 380 && h < 620, `index hit ${h} times, expected ~500`)
})
