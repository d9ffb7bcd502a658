import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AbortError, ClosedError, Semaphore, TimeoutError, TooManyWaitersError, createNodeLimits } from '../../src/runtime/index.js'

test('never lets more than max holders in, and serves waiters in order', async () => {
  const s = new Semaphore({ max: 2 })
  let inFlight = 0
  let max = 0
  const order: number[] = []
  await Promise.all(Array.from({ length: 8 }, (_, i) => s.run(async () => {
    order.push(i)
    inFlight++
    max = Math.max(max, inFlight)
    await new Promise<void>((resolve) => { setImmediate(resolve) }) // yield: let the others try to enter
    inFlight--
  })))
  assert.equal(max, 2)
  assert.deepEqual(order, [0, 1, 2, 3, 4, 5, 6, 7])
  assert.deepEqual(s.stats(), { max: 2, active: 0, waiting: 0, acquired: 8, rejected: 0, timedOut: 0, aborted: 0 })
})

test('release is idempotent; tryAcquire never waits', async () => {
  const s = new Semaphore({ max: 1 })
  const release = await s.acquire()
  assert.equal(s.tryAcquire(), null)
  release()
  release()
  assert.equal(s.active, 0)
  const again = s.tryAcquire()
  assert.notEqual(again, null)
  again?.()
})

test('times out, aborts, bounds its waiters, and rejects waiters on close', async () => {
  const s = new Semaphore({ max: 1, maxWaiters: 2, name: 'transfers' })
  const hold = await s.acquire()
  await assert.rejects(s.acquire({ timeoutMs: 20 }), TimeoutError)
  const ac = new AbortController()
  const aborting = s.acquire({ signal: ac.signal })
  ac.abort()
  await assert.rejects(aborting, AbortError)
  const w1 = s.acquire()
  const w2 = s.acquire()
  await assert.rejects(s.acquire(), TooManyWaitersError)
  assert.equal(s.waiting, 2)
  s.close()
  await assert.rejects(w1, ClosedError)
  await assert.rejects(w2, ClosedError)
  hold()
  const st = s.stats()
  assert.equal(st.timedOut, 1)
  assert.equal(st.aborted, 1)
  assert.equal(st.rejected, 1)
  assert.equal(st.waiting, 0)
})

test('node limits: separate connection and transfer limiters', async () => {
  const limits = createNodeLimits({ connections: 3, transfers: 1 })
  assert.equal(limits.connections.max, 3)
  const t1 = await limits.transfers.acquire()
  assert.equal(limits.transfers.tryAcquire(), null)
  assert.notEqual(limits.connections.tryAcquire(), null)
  t1()
  limits.close()
  await assert.rejects(limits.connections.acquire(), ClosedError)
})
