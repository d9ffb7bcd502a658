import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ClosedError, ManualClock, RepeatingTask, TimeoutError } from '../../src/runtime/index.js'
import { aborted, deferred } from './helpers.js'

test('runs every interval plus jitter, never overlapping, and stops cleanly', async () => {
  const clock = new ManualClock(0)
  const starts: number[] = []
  let inFlight = 0
  let max = 0
  let gate = deferred()
  const task = new RepeatingTask(async () => {
    starts.push(clock.now())
    inFlight++
    max = Math.max(max, inFlight)
    await gate.promise
    inFlight--
  }, { intervalMs: 100, jitterMs: 20, random: () => 0.5, clock })
  task.start()
  task.start()
  await clock.advance(109)
  assert.deepEqual(starts, [])
  await clock.advance(1)
  assert.deepEqual(starts, [110])
  await clock.advance(500) // the run is still going: no second start
  assert.deepEqual(starts, [110])
  gate.resolve()
  gate = deferred()
  await clock.advance(0)
  assert.equal(task.runs, 1)
  await clock.advance(110) // timed from the end of the previous run
  assert.deepEqual(starts, [110, 720])
  gate.resolve()
  await task.stop()
  assert.equal(max, 1)
  assert.equal(clock.pendingTimers, 0, 'every timer cleared')
  await clock.advance(1_000)
  assert.equal(starts.length, 2)
  await task.stop()
})

test('stop aborts a run in progress; a run past its timeout is aborted; errors are reported', async () => {
  const clock = new ManualClock(0)
  const reasons: unknown[] = []
  const errors: Error[] = []
  const task = new RepeatingTask(async (signal) => {
    const reason = await aborted(signal)
    reasons.push(reason)
    throw reason
  }, { intervalMs: 10, timeoutMs: 50, runImmediately: true, clock, onError: (e) => { errors.push(e) } })
  task.start()
  await clock.advance(50)
  assert.ok(reasons[0] instanceof TimeoutError)
  assert.equal(errors.length, 1)
  await clock.advance(10)
  assert.equal(task.running, true)
  await task.stop()
  assert.ok(reasons[1] instanceof ClosedError)
  assert.equal(errors.length, 1, 'the abort caused by stop is not reported as an error')
  assert.equal(clock.pendingTimers, 0)
})
