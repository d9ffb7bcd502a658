import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  ClosedError, DeadlineExceededError, ManualClock, NonRetryableError, QueueFullError, Scheduler,
  TaskCancelledError, UnknownTaskKindError, backoffDelay
} from '../../src/runtime/index.js'
import type { SchedulerEvents, TaskEvent } from '../../src/runtime/index.js'
import { aborted, deferred, waitFor } from './helpers.js'

type Tasks = { work: { n: number }, other: { n: number } }

function recordEvents(s: Scheduler<Tasks>): Array<[keyof SchedulerEvents, TaskEvent]> {
  const seen: Array<[keyof SchedulerEvents, TaskEvent]> = []
  for (const name of ['enqueued', 'started', 'succeeded', 'failed', 'retrying', 'cancelled', 'expired'] as const) {
    s.on(name, (e: TaskEvent) => { seen.push([name, e]) })
  }
  return seen
}

describe('backoffDelay', () => {
  test('doubles from the base, caps at the max, jitters within the upper half', () => {
    const opts = { baseMs: 100, maxMs: 1_000 }
    assert.equal(backoffDelay(1, opts, () => 0), 50)
    assert.equal(backoffDelay(1, opts, () => 0.999999), 100)
    assert.equal(backoffDelay(2, opts, () => 0.5), 150)
    assert.equal(backoffDelay(3, opts, () => 0), 200)
    assert.equal(backoffDelay(10, opts, () => 0), 500) // capped: half of 1000
    assert.equal(backoffDelay(10, opts, () => 0.999999), 1_000)
  })
})

describe('Scheduler', () => {
  test('honours the global concurrency limit', async (t) => {
    const s = new Scheduler<Tasks>({}, { concurrency: 3 })
    t.after(() => s.close())
    let inFlight = 0
    let max = 0
    const done: number[] = []
    // Handlers hold their slot until every task is queued and the limit is reached, so the bound is
    // tested however slowly enqueue runs (a timed hold let early tasks finish first under load).
    const gate = deferred()
    s.register('work', async ({ n }) => {
      inFlight++
      max = Math.max(max, inFlight)
      await gate.promise
      inFlight--
      done.push(n)
    })
    await s.open()
    for (let n = 0; n < 10; n++) await s.enqueue('work', { n })
    await waitFor(() => inFlight === 3, 10_000, 'three tasks running')
    gate.resolve()
    await s.onIdle()
    assert.equal(max, 3)
    assert.equal(done.length, 10)
    assert.equal(s.counters().succeeded, 10)
  })

  test('honours a per-kind concurrency limit next to the global one', async (t) => {
    const s = new Scheduler<Tasks>({}, { concurrency: 10 })
    t.after(() => s.close())
    const inFlight = { work: 0, other: 0 }
    const max = { work: 0, other: 0 }
    const gate = deferred()
    const handler = (kind: 'work' | 'other') => async (): Promise<void> => {
      inFlight[kind]++
      max[kind] = Math.max(max[kind], inFlight[kind])
      await gate.promise
      inFlight[kind]--
    }
    s.register('work', handler('work'), { concurrency: 2 })
    s.register('other', handler('other'))
    await s.open()
    for (let n = 0; n < 6; n++) await s.enqueue('work', { n })
    for (let n = 0; n < 4; n++) await s.enqueue('other', { n })
    await waitFor(() => inFlight.work === 2 && inFlight.other === 4, 10_000, 'two work and four other tasks running')
    gate.resolve()
    await s.onIdle()
    assert.equal(max.work, 2)
    assert.equal(max.other, 4)
  })

  test('runs higher priority first, FIFO among equals', async (t) => {
    const s = new Scheduler<Tasks>({}, { concurrency: 1 })
    t.after(() => s.close())
    const gate = deferred()
    const order: number[] = []
    s.register('work', async ({ n }) => {
      if (n === 0) await gate.promise
      order.push(n)
    })
    await s.open()
    await s.enqueue('work', { n: 0 }) // occupies the only slot
    await s.enqueue('work', { n: 1 }, { priority: 0 })
    await s.enqueue('work', { n: 2 }, { priority: 10 })
    await s.enqueue('work', { n: 3 }, { priority: 5 })
    await s.enqueue('work', { n: 4 }, { priority: 10 })
    gate.resolve()
    await s.onIdle()
    assert.deepEqual(order, [0, 2, 4, 3, 1])
  })

  test('dedupes by key while queued and never runs one key twice at once', async (t) => {
    const s = new Scheduler<Tasks>({}, { concurrency: 5 })
    t.after(() => s.close())
    const gate = deferred()
    const hold = deferred() // keeps the keyed task running while c and d are enqueued
    let runs = 0
    let inFlightK = 0
    let maxK = 0
    s.register('work', async ({ n }) => {
      if (n === 0) { await gate.promise; return }
      runs++
      inFlightK++
      maxK = Math.max(maxK, inFlightK)
      await hold.promise
      inFlightK--
    })
    await s.open()
    // A key dedupes against a *queued* task: hold the first one queued with a delayed start.
    const a = await s.enqueue('work', { n: 1 }, { key: 'k', delayMs: 30 })
    const b = await s.enqueue('work', { n: 2 }, { key: 'k' })
    assert.equal(a.deduped, false)
    assert.equal(b.deduped, true)
    assert.equal(b.id, a.id)
    await waitFor(() => inFlightK === 1, 2_000, 'the keyed task to start')
    // Running now: a new task with the key is queued, not deduped, and waits for the running one.
    const c = await s.enqueue('work', { n: 3 }, { key: 'k' })
    assert.equal(c.deduped, false)
    assert.notEqual(c.id, a.id)
    const d = await s.enqueue('work', { n: 4 }, { key: 'k' })
    assert.equal(d.id, c.id)
    assert.equal(d.deduped, true)
    hold.resolve()
    gate.resolve()
    await s.onIdle()
    assert.equal(runs, 2)
    assert.equal(maxK, 1)
  })

  test('has(key) covers queued, running and backing-off tasks; depths() counts per kind', async (t) => {
    const clock = new ManualClock(0)
    const s = new Scheduler<Tasks>({ clock, random: () => 0 }, { concurrency: 4 })
    t.after(() => s.close())
    const hold = deferred()
    let failOnce = true
    s.register('work', async ({ n }) => {
      if (n === 1) await hold.promise
      if (n === 2 && failOnce) { failOnce = false; throw new Error('once') }
    }, { backoffBaseMs: 100, backoffMaxMs: 100 })
    s.register('other', async () => {})
    await s.open()
    assert.deepEqual(s.depths(), { work: { queued: 0, running: 0 }, other: { queued: 0, running: 0 } })
    await s.enqueue('work', { n: 1 }, { key: 'run' })
    await s.enqueue('work', { n: 2 }, { key: 'retry' })
    await s.enqueue('other', { n: 3 }, { key: 'later', delayMs: 1_000 })
    await waitFor(() => s.counters().retried === 1, 2_000, 'the first failure of the retried task')
    assert.equal(s.has('run'), true, 'running')
    assert.equal(s.has('retry'), true, 'backing off')
    assert.equal(s.has('later'), true, 'delayed')
    assert.equal(s.has('none'), false)
    assert.deepEqual(s.depths(), { work: { queued: 1, running: 1 }, other: { queued: 1, running: 0 } })
    hold.resolve()
    await clock.advance(1_000)
    await s.onIdle()
    assert.equal(s.has('run') || s.has('retry') || s.has('later'), false)
    assert.deepEqual(s.depths(), { work: { queued: 0, running: 0 }, other: { queued: 0, running: 0 } })
  })

  test('retries with exponential backoff and jitter on an injected clock', async (t) => {
    const clock = new ManualClock(1_000_000)
    const s = new Scheduler<Tasks>({ clock, random: () => 0.5 }, { concurrency: 1 })
    t.after(() => s.close())
    const attempts: Array<{ attempt: number, at: number }> = []
    s.register('work', (_p, { attempt }) => {
      attempts.push({ attempt, at: clock.now() })
      return attempt < 3 ? Promise.reject(new Error(`boom ${attempt}`)) : Promise.resolve()
    })
    const retrying: number[] = []
    s.on('retrying', (e) => { retrying.push(e.delayMs) })
    await s.open()
    await s.enqueue('work', { n: 1 }, { maxAttempts: 3, backoffBaseMs: 100, backoffMaxMs: 1_000 })
    await clock.advance(0)
    assert.equal(attempts.length, 1)
    assert.deepEqual(retrying, [75]) // half of 100 + 0.5 × half
    await clock.advance(74)
    assert.equal(attempts.length, 1, 'not retried before the backoff')
    await clock.advance(1)
    assert.equal(attempts.length, 2)
    assert.deepEqual(retrying, [75, 150]) // nominal 200
    await clock.advance(150)
    assert.equal(attempts.length, 3)
    await s.onIdle()
    assert.deepEqual(attempts.map((a) => a.at - 1_000_000), [0, 75, 225])
    const c = s.counters()
    assert.equal(c.retried, 2)
    assert.equal(c.succeeded, 1)
    assert.equal(c.failed, 0)
  })

  test('fails for good after maxAttempts, and at once on NonRetryableError', async (t) => {
    const s = new Scheduler<Tasks>({ random: () => 0 }, { concurrency: 2, backoffBaseMs: 2, backoffMaxMs: 4 })
    t.after(() => s.close())
    let runsWork = 0
    let runsOther = 0
    s.register('work', () => { runsWork++; return Promise.reject(new Error('always')) })
    s.register('other', () => { runsOther++; return Promise.reject(new NonRetryableError('bad input')) })
    const failed: Array<{ kind: string, error: Error }> = []
    s.on('failed', (e) => { failed.push({ kind: e.kind, error: e.error }) })
    await s.open()
    await s.enqueue('work', { n: 1 }, { maxAttempts: 3 })
    await s.enqueue('other', { n: 1 }, { maxAttempts: 3 })
    await s.onIdle()
    assert.equal(runsWork, 3)
    assert.equal(runsOther, 1)
    assert.equal(failed.length, 2)
    assert.ok(failed.find((f) => f.kind === 'other')?.error instanceof NonRetryableError)
    assert.equal(s.counters().failed, 2)
    assert.equal(s.counters().retried, 2)
  })

  test('a deadline aborts the running handler\'s signal and the task expires (no retry)', async (t) => {
    const s = new Scheduler<Tasks>({}, { concurrency: 1 })
    t.after(() => s.close())
    let reason: unknown
    let runs = 0
    s.register('work', async (_p, { signal }) => {
      runs++
      reason = await aborted(signal)
      throw reason
    })
    const expired = deferred<TaskEvent>()
    s.on('expired', (e) => { expired.resolve(e) })
    await s.open()
    const { id } = await s.enqueue('work', { n: 1 }, { deadline: Date.now() + 40, maxAttempts: 5 })
    const e = await expired.promise
    assert.equal(e.id, id)
    assert.ok(reason instanceof DeadlineExceededError)
    await s.onIdle()
    assert.equal(runs, 1)
    assert.equal(s.counters().expired, 1)
    assert.equal(s.counters().retried, 0)
  })

  test('a queued task whose deadline passes never starts', async (t) => {
    const s = new Scheduler<Tasks>({}, { concurrency: 1 })
    t.after(() => s.close())
    const gate = deferred()
    const ran: number[] = []
    s.register('work', async ({ n }) => {
      ran.push(n)
      if (n === 0) await gate.promise
    })
    const expired: string[] = []
    s.on('expired', (e) => { expired.push(e.id) })
    await s.open()
    await s.enqueue('work', { n: 0 })
    const late = await s.enqueue('work', { n: 1 }, { deadline: Date.now() + 20 })
    await waitFor(() => expired.length === 1, 2_000, 'the queued task to expire')
    gate.resolve()
    await s.onIdle()
    assert.deepEqual(ran, [0])
    assert.deepEqual(expired, [late.id])
  })

  test('cancel aborts a running task\'s signal and removes a queued one', async (t) => {
    const s = new Scheduler<Tasks>({}, { concurrency: 1 })
    t.after(() => s.close())
    const started = deferred()
    let reason: unknown
    const ran: number[] = []
    s.register('work', async ({ n }, { signal }) => {
      ran.push(n)
      if (n === 1) {
        started.resolve()
        reason = await aborted(signal)
        throw reason
      }
    })
    const events = recordEvents(s)
    await s.open()
    const a = await s.enqueue('work', { n: 1 }, { maxAttempts: 5 })
    const b = await s.enqueue('work', { n: 2 })
    await started.promise
    assert.equal(await s.cancel(b.id), true) // queued
    assert.equal(await s.cancel(a.id), true) // running
    assert.ok(reason instanceof TaskCancelledError)
    assert.equal(await s.cancel(a.id), false)
    await s.onIdle()
    assert.deepEqual(ran, [1])
    assert.equal(s.counters().cancelled, 2)
    assert.equal(s.counters().retried, 0)
    assert.deepEqual(events.filter(([n]) => n === 'cancelled').map(([, e]) => e.id).sort(), [a.id, b.id].sort())
  })

  test('emits events in order and keeps counters', async (t) => {
    const s = new Scheduler<Tasks>({ random: () => 0 }, { concurrency: 1, backoffBaseMs: 2 })
    t.after(() => s.close())
    let first = true
    s.register('work', () => {
      if (!first) return Promise.resolve()
      first = false
      return Promise.reject(new Error('once'))
    })
    const events = recordEvents(s)
    await s.open()
    const { id } = await s.enqueue('work', { n: 1 })
    await s.onIdle()
    assert.deepEqual(events.map(([n, e]) => `${n}:${e.attempt}`), ['enqueued:0', 'started:1', 'retrying:1', 'started:2', 'succeeded:2'])
    assert.ok(events.every(([, e]) => e.id === id && e.kind === 'work'))
    assert.deepEqual(s.counters(), { queued: 0, running: 0, succeeded: 1, failed: 0, retried: 1, cancelled: 0, expired: 0 })
  })

  test('counts queued and running while busy; delayMs delays the start', async (t) => {
    const clock = new ManualClock(0)
    const s = new Scheduler<Tasks>({ clock }, { concurrency: 1 })
    t.after(() => s.close())
    const gate = deferred()
    const startedAt: number[] = []
    s.register('work', async ({ n }) => {
      startedAt.push(clock.now())
      if (n === 0) await gate.promise
    })
    await s.open()
    await s.enqueue('work', { n: 0 })
    await s.enqueue('work', { n: 1 }, { delayMs: 500 })
    await clock.advance(0)
    assert.deepEqual({ queued: s.counters().queued, running: s.counters().running }, { queued: 1, running: 1 })
    gate.resolve()
    await clock.advance(499)
    assert.deepEqual(startedAt, [0])
    await clock.advance(1)
    assert.deepEqual(startedAt, [0, 500])
    await s.onIdle()
  })

  test('refuses unknown kinds, a full queue, and enqueue after close', async () => {
    const s = new Scheduler<Tasks>({}, { concurrency: 1, maxQueued: 2 })
    const gate = deferred()
    s.register('work', () => gate.promise)
    await s.open()
    await assert.rejects(s.enqueue('other', { n: 1 }), UnknownTaskKindError)
    await s.enqueue('work', { n: 1 })
    await s.enqueue('work', { n: 2 })
    await assert.rejects(s.enqueue('work', { n: 3 }), QueueFullError)
    gate.resolve()
    await s.onIdle()
    await s.close()
    await assert.rejects(s.enqueue('work', { n: 4 }), ClosedError)
  })

  test('close aborts running handlers, waits for them (bounded by closeTimeoutMs on its clock), and is safe twice', async () => {
    // A manual clock: the bound is checked in clock time, so a slow machine cannot move the window.
    const clock = new ManualClock(0)
    const s = new Scheduler<Tasks>({ clock }, { concurrency: 2, closeTimeoutMs: 100 })
    let politeReason: unknown
    let politeReturned = false
    const started = deferred()
    const impolite = deferred() // released only after close has returned
    let count = 0
    s.register('work', async ({ n }, { signal }) => {
      if (++count === 2) started.resolve()
      if (n === 1) {
        politeReason = await aborted(signal)
        await new Promise<void>((resolve) => { setImmediate(resolve) })
        politeReturned = true
        throw politeReason
      }
      await impolite.promise // ignores its signal: close must not wait for it past closeTimeoutMs
    })
    const lateSucceeded = deferred<TaskEvent>()
    s.on('succeeded', (e) => { lateSucceeded.resolve(e) })
    await s.open()
    await s.enqueue('work', { n: 1 })
    await s.enqueue('work', { n: 2 })
    await started.promise
    let closed = false
    const c1 = s.close()
    const c2 = s.close()
    assert.equal(c1, c2)
    void c1.then(() => { closed = true })
    await clock.advance(99)
    assert.ok(politeReason instanceof ClosedError)
    assert.equal(politeReturned, true)
    assert.equal(closed, false, 'close waits for the impolite handler until closeTimeoutMs')
    await clock.advance(1)
    await c1
    assert.equal(clock.now(), 100)
    assert.equal(s.closed, true)
    await s.close()
    // the impolite handler finishes after close: it is settled without throwing
    impolite.resolve()
    const late = await lateSucceeded.promise
    assert.equal(late.kind, 'work')
  })
})
