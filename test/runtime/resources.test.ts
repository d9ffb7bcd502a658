import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ClosedError, DiskQuota, DoubleReleaseError, ManualClock, ResourceManager } from '../../src/runtime/index.js'
import { deferred } from './helpers.js'

class Thing {
  closed = 0
  constructor(readonly name: string) {}
  close(): void { this.closed++ }
}

test('concurrent acquires share one open; closes when the last user releases', async () => {
  const m = new ResourceManager()
  let opens = 0
  const gate = deferred()
  const opener = async (): Promise<Thing> => {
    opens++
    await gate.promise
    return new Thing('a')
  }
  const p1 = m.acquire('a', opener)
  const p2 = m.acquire('a', opener)
  const p3 = m.acquire('a', opener)
  gate.resolve()
  const [h1, h2, h3] = await Promise.all([p1, p2, p3])
  assert.equal(opens, 1)
  assert.equal(h1.value, h2.value)
  assert.equal(h1.value, h3.value)
  assert.equal(m.refs('a'), 3)
  await h1.release()
  await h2.release()
  assert.equal(h1.value.closed, 0)
  assert.equal(m.refs('a'), 1)
  await h3.release()
  assert.equal(h1.value.closed, 1)
  assert.equal(m.has('a'), false)
  const h4 = await m.acquire('a', opener)
  assert.equal(opens, 2, 'reopened after closing')
  assert.notEqual(h4.value, h1.value)
  await m.closeAll()
})

test('releasing twice is an error that leaves the counts alone', async () => {
  const m = new ResourceManager()
  const h1 = await m.acquire('k', () => new Thing('k'))
  const h2 = await m.acquire('k', () => new Thing('k'))
  await h1.release()
  await assert.rejects(h1.release(), DoubleReleaseError)
  assert.equal(m.refs('k'), 1)
  assert.equal(h2.value.closed, 0)
  await h2.release()
  assert.equal(h2.value.closed, 1)
  assert.deepEqual(m.stats(), { open: 0, users: 0, opened: 1, closed: 1 })
})

test('a failed open rejects every waiter and registers nothing', async () => {
  const m = new ResourceManager()
  const boom = async (): Promise<Thing> => { await Promise.resolve(); throw new Error('cannot open') }
  const results = await Promise.allSettled([m.acquire('x', boom), m.acquire('x', boom)])
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected'])
  assert.equal(m.has('x'), false)
  const h = await m.acquire('x', () => new Thing('x'))
  assert.equal(m.refs('x'), 1)
  await h.release()
})

test('linger keeps a released resource open for a quick re-acquire', async () => {
  const clock = new ManualClock()
  const m = new ResourceManager({ clock }, { lingerMs: 100 })
  let opens = 0
  const opener = (): Thing => { opens++; return new Thing('l') }
  const h1 = await m.acquire('l', opener)
  await h1.release()
  await clock.advance(50)
  assert.equal(h1.value.closed, 0)
  const h2 = await m.acquire('l', opener)
  assert.equal(opens, 1)
  await h2.release()
  await clock.advance(99)
  assert.equal(h2.value.closed, 0)
  await clock.advance(1)
  assert.equal(h2.value.closed, 1)
  assert.equal(m.has('l'), false)
  assert.equal(clock.pendingTimers, 0)
})

test('closeAll closes everything in use and refuses new acquires', async () => {
  const m = new ResourceManager({}, { lingerMs: 1_000 })
  const a = await m.acquire('a', () => new Thing('a'))
  const b = await m.acquire('b', () => new Thing('b'))
  await b.release() // lingering
  await m.closeAll()
  assert.equal(a.value.closed, 1)
  assert.equal(b.value.closed, 1)
  await a.release() // after closeAll: no effect, no error
  await assert.rejects(m.acquire('c', () => new Thing('c')), ClosedError)
  await m.closeAll()
})

test('peek shows an open value without taking a reference; usage adds the quota', async () => {
  const m = new ResourceManager({ quota: new DiskQuota({ capacityBytes: 1000 }) })
  assert.equal(m.peek('p'), undefined)
  const gate = deferred()
  const pending = m.acquire('p', async () => { await gate.promise; return new Thing('p') })
  assert.equal(m.peek('p'), undefined, 'not while opening')
  gate.resolve()
  const h = await pending
  assert.equal(m.peek<Thing>('p'), h.value)
  assert.equal(m.refs('p'), 1, 'peek takes no reference')
  m.quota.reserve('a1', 300, 'pub')
  m.quota.setUsed('a1', 100)
  assert.deepEqual(m.usage(), { open: 1, users: 1, opened: 1, closed: 0, kinds: { p: { open: 1, users: 1 } }, quota: { capacityBytes: 1000, reservedBytes: 300, usedBytes: 100, reservations: 1 } })
  await h.release()
  m.quota.release('a1')
  assert.equal(m.peek('p'), undefined)
  assert.deepEqual(m.usage(), { open: 0, users: 0, opened: 1, closed: 1, kinds: {}, quota: { capacityBytes: 1000, reservedBytes: 0, usedBytes: 0, reservations: 0 } })
})

test('counts by kind: stats(kind) and usage().kinds see only their own keys', async () => {
  const m = new ResourceManager()
  const c1 = await m.acquire('core:aa', () => new Thing('c1'))
  const c1b = await m.acquire('core:aa', () => new Thing('never'))
  const n1 = await m.acquire('conn:bb:0', () => new Thing('n1'))
  const n2 = await m.acquire('conn:bb:1', () => new Thing('n2'))
  assert.deepEqual(m.stats('core'), { open: 1, users: 2, opened: 1, closed: 0 })
  assert.deepEqual(m.stats('conn'), { open: 2, users: 2, opened: 2, closed: 0 })
  assert.deepEqual(m.stats(), { open: 3, users: 4, opened: 3, closed: 0 })
  assert.deepEqual(m.usage().kinds, { core: { open: 1, users: 2 }, conn: { open: 2, users: 2 } })
  await n1.release()
  await c1.release()
  await c1b.release()
  assert.deepEqual(m.stats('core'), { open: 0, users: 0, opened: 1, closed: 1 })
  assert.deepEqual(m.stats('conn'), { open: 1, users: 1, opened: 2, closed: 1 })
  assert.deepEqual(m.usage().kinds, { conn: { open: 1, users: 1 } })
  assert.deepEqual(m.stats('file'), { open: 0, users: 0, opened: 0, closed: 0 })
  await n2.release()
})
