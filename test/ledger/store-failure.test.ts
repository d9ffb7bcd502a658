// A store (LedgerKV) failure under apply is not the op's fault: apply throws StoreError (the Autobase
// binding stops) instead of recording a rejection that only this node would make.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MemoryKV, StoreError, apply, digest, encodeOp, type LedgerKV } from '../../src/ledger/index.js'
import { TestNet } from './helpers.js'

/** A MemoryKV whose reads or writes fail on demand (a disk error, a closed session). */
class FailingKV implements LedgerKV {
  failGet = false
  failPut = false
  failScan = false
  constructor(readonly inner: MemoryKV) {}
  get(key: string): Promise<Uint8Array | null> {
    return this.failGet ? Promise.reject(new Error('EIO: read failed')) : this.inner.get(key)
  }
  put(key: string, value: Uint8Array): Promise<void> {
    return this.failPut ? Promise.reject(new Error('EIO: write failed')) : this.inner.put(key, value)
  }
  del(key: string): Promise<void> {
    return this.inner.del(key)
  }
  async *scan(prefix: string): AsyncIterable<[string, Uint8Array]> {
    if (this.failScan) throw new Error('EIO: range read failed')
    yield * this.inner.scan(prefix)
  }
}

test('a store read or write failure stops apply (StoreError) and records nothing', async () => {
  const inner = new MemoryKV()
  const kv = new FailingKV(inner)
  const net = await TestNet.create({ names: ['boot', 'a', 'b'], kv })
  const before = digest(inner).toString('hex')
  const transfer = encodeOp({ type: 'transfer', time: 0, to: net.m('b').key, amount: 1n })
  kv.failGet = true
  await assert.rejects(apply(kv, transfer, { writerKey: net.m('a').key, opId: 'x:0' }), (err: unknown) => err instanceof StoreError && err.code === 'E_STORE' && err.cause instanceof Error)
  kv.failGet = false
  kv.failPut = true
  // an op that would be refused (insufficient balance): its rejection record cannot be written either
  await assert.rejects(apply(kv, transfer, { writerKey: net.m('a').key, opId: 'x:1' }), StoreError)
  kv.failPut = false
  assert.equal(digest(inner).toString('hex'), before, 'nothing was written')
  // the store back: the same op is refused normally
  const r = await apply(kv, transfer, { writerKey: net.m('a').key, opId: 'x:2' })
  assert.ok(!r.ok && r.code === 'INSUFFICIENT_BALANCE')
})

test('a failing range read (the accounts, at an epoch start) stops apply too', async () => {
  const inner = new MemoryKV()
  const kv = new FailingKV(inner)
  const net = await TestNet.create({ names: ['boot', 'a'], kv })
  const before = digest(inner).toString('hex')
  kv.failScan = true
  // the sole indexer's tick starts epoch 1, which reads every account
  await assert.rejects(net.apply('boot', await net.tickOp('boot', 1)), (err: unknown) => err instanceof StoreError && err.cause instanceof Error && /range read/.test(err.cause.message))
  assert.equal(digest(inner).toString('hex'), before, 'nothing was written')
  kv.failScan = false
  assert.equal(await net.tick(), 1, 'the store back: the same tick starts epoch 1')
})
