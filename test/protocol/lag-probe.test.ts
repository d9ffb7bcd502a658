// The attestor's own event-loop stall, measured while a challenge waits for its answer (LagProbe).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { LagProbe } from '../../src/protocol/lag-probe.js'

function blockFor(ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until) { /* a synchronous stall of this process's own loop */ }
}

test('a stall of the loop shows in full, also when it is still under way at stop()', () => {
  const probe = new LagProbe(20)
  blockFor(300)
  // no timer could run during the stall: stop() itself must count it (a busy machine only adds to it)
  assert.ok(probe.stop() >= 300 - 20, 'the stall is counted')
})

test('stop() is idempotent and the probe no longer runs afterwards', async () => {
  const probe = new LagProbe(10)
  await new Promise((resolve) => setTimeout(resolve, 30))
  const first = probe.stop()
  blockFor(200)
  await new Promise((resolve) => setTimeout(resolve, 30))
  assert.equal(probe.stop(), first, 'a stall after stop() is not counted')
})

test('peek() counts a stall under way and leaves the probe running for the next one', () => {
  const probe = new LagProbe(20)
  blockFor(200)
  const first = probe.peek()
  assert.ok(first >= 200 - 20, `the stall under way is counted: ${first} ms`)
  blockFor(400)
  const later = probe.stop()
  assert.ok(later >= 400 - 20 && later >= first, `a later, longer stall is still seen: ${later} ms`)
})
