import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AlreadyExistsError, InvalidArgumentError, Metrics } from '../../src/runtime/index.js'

test('counters, gauges and collectors appear in a sorted snapshot', () => {
  const m = new Metrics()
  const c = m.counter('challenges.sent', 'challenges sent')
  c.inc()
  c.inc(2)
  assert.equal(m.counter('challenges.sent'), c)
  const g = m.gauge('peers')
  g.set(5)
  g.dec()
  g.inc(3)
  const remove = m.collect('scheduler', () => ({ queued: 4, running: 1 }))
  assert.deepEqual(m.snapshot(), {
    'challenges.sent': { type: 'counter', value: 3, help: 'challenges sent' },
    peers: { type: 'gauge', value: 7, help: '' },
    'scheduler.queued': { type: 'gauge', value: 4, help: '' },
    'scheduler.running': { type: 'gauge', value: 1, help: '' }
  })
  remove()
  assert.equal(Object.keys(m.snapshot()).length, 2)
  assert.throws(() => { c.inc(-1) }, InvalidArgumentError)
  assert.throws(() => m.gauge('challenges.sent'), AlreadyExistsError)
  assert.throws(() => m.counter('bad name'), InvalidArgumentError)
})
