import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ClosedError, Resource } from '../../src/runtime/index.js'
import { deferred } from './helpers.js'

class Probe extends Resource {
  opens = 0
  closes = 0
  failOpen = false
  gate: Promise<void> | null = null
  protected override async onopen(): Promise<void> {
    this.opens++
    if (this.gate !== null) await this.gate
    if (this.failOpen) throw new Error('open failed')
  }
  protected override onclose(): void {
    this.closes++
  }
}

test('open and close are each run once however often they are called', async () => {
  const r = new Probe()
  await Promise.all([r.open(), r.open()])
  await r.open()
  assert.equal(r.opens, 1)
  assert.equal(r.opened, true)
  const a = r.close()
  assert.equal(r.close(), a)
  await a
  await r.close()
  assert.equal(r.closes, 1)
  assert.equal(r.closed, true)
})

test('close during open waits for the open, then closes', async () => {
  const r = new Probe()
  const gate = deferred()
  r.gate = gate.promise
  const opening = r.open()
  const closing = r.close()
  let closed = false
  void closing.then(() => { closed = true })
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal(closed, false, 'close waits for the open')
  assert.equal(r.closes, 0)
  gate.resolve()
  await opening
  await closing
  assert.equal(r.opens, 1)
  assert.equal(r.closes, 1)
  assert.equal(r.closed, true)
})

test('a failed open closes itself and rejects with its error; reopening is refused', async () => {
  const r = new Probe()
  r.failOpen = true
  await assert.rejects(r.open(), /open failed/)
  assert.equal(r.opened, false)
  assert.equal(r.closes, 1, 'onclose cleaned up the half-opened resource')
  assert.equal(r.closed, true)
  await r.close()
  assert.equal(r.closes, 1)
  await assert.rejects(r.open(), /open failed/) // the cached outcome
})

test('open after close rejects with ClosedError; close without open skips onclose', async () => {
  const r = new Probe()
  await r.close()
  assert.equal(r.closed, true)
  assert.equal(r.closes, 0)
  await assert.rejects(r.open(), ClosedError)
  assert.equal(r.opens, 0)
})
