import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AlreadyExistsError, DiskQuota, InvalidArgumentError, NotFoundError, QuotaExceededError } from '../../src/runtime/index.js'

test('reserve refuses past capacity with QuotaExceededError', () => {
  const q = new DiskQuota({ capacityBytes: 1_000 })
  q.reserve('ag1', 600, 'alice')
  assert.throws(() => q.reserve('ag2', 401, 'bob'), (err: unknown) => {
    assert.ok(err instanceof QuotaExceededError)
    assert.equal(err.code, 'QUOTA_EXCEEDED')
    assert.equal(err.requestedBytes, 401)
    assert.equal(err.availableBytes, 400)
    return true
  })
  q.reserve('ag2', 400, 'bob')
  assert.equal(q.freeBytes, 0)
  assert.throws(() => q.reserve('ag1', 1), AlreadyExistsError)
})

test('writes count against their own reservation only', () => {
  const q = new DiskQuota({ capacityBytes: 1_000 })
  q.reserve('alice-1', 300, 'alice')
  q.reserve('bob-1', 300, 'bob')
  q.charge('alice-1', 300)
  assert.equal(q.canWrite('alice-1', 1), false)
  assert.throws(() => q.charge('alice-1', 1), QuotaExceededError)
  // Alice cannot eat into Bob's reservation, nor into free space without reserving it.
  assert.equal(q.get('bob-1')?.usedBytes, 0)
  assert.equal(q.canWrite('bob-1', 300), true)
  assert.throws(() => q.charge('nobody', 1), NotFoundError)
})

test('grow, shrink and release adjust the totals; usage summarises per owner', () => {
  const q = new DiskQuota({ capacityBytes: 1_000 })
  q.reserve('a1', 200, 'alice')
  q.reserve('a2', 100, 'alice')
  q.reserve('b1', 300, 'bob')
  q.charge('a1', 150)
  q.grow('a1', 500)
  assert.equal(q.reservedBytes, 900)
  assert.throws(() => q.grow('a1', 700), QuotaExceededError)
  assert.throws(() => q.grow('a1', 100), InvalidArgumentError) // below what is used
  q.grow('a1', 150)
  assert.equal(q.reservedBytes, 550)
  const u = q.usage()
  assert.equal(u.usedBytes, 150)
  assert.equal(u.freeBytes, 450)
  assert.deepEqual(u.owners.find((o) => o.owner === 'alice'), { owner: 'alice', reservedBytes: 250, usedBytes: 150, reservations: 2 })
  assert.equal(q.release('b1'), true)
  assert.equal(q.release('b1'), false)
  assert.equal(q.reservedBytes, 250)
})

test('lowering capacity below the reservations honours them but hands out nothing new', () => {
  const q = new DiskQuota({ capacityBytes: 1_000 })
  q.reserve('a', 800)
  q.setCapacity(500)
  assert.equal(q.freeBytes, -300)
  assert.throws(() => q.reserve('b', 1), QuotaExceededError)
  assert.throws(() => new DiskQuota({ capacityBytes: -1 }), InvalidArgumentError)
  assert.throws(() => q.reserve('c', 1.5), InvalidArgumentError)
})
