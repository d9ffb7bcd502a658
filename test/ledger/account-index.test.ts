// The account index (issues 15, 16): one record per account in admission order, read by the contract and
// the queries; an admission costs the same whatever the number of accounts (no list rewritten).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { apply, digest, encodeOp, getMeta, inviteHash, keys, Ledger, listAccounts, MemoryKV } from '../../src/ledger/index.js'
import type { LedgerKV, Op } from '../../src/ledger/index.js'
import { decodeRecord } from '../../src/ledger/record.js'
import { blake2b } from '../../src/stack/crypto.js'
import { keyPair, openStore } from '../../src/stack/index.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'
import { waitFor } from '../harness/wait.js'
import { TestNet, testParams } from './helpers.js'

/** A MemoryKV that counts what one op reads and writes. */
class CountingKV implements LedgerKV {
  readonly inner = new MemoryKV()
  gets = 0
  puts = 0
  putBytes = 0

  reset(): void {
    this.gets = 0
    this.puts = 0
    this.putBytes = 0
  }

  get(key: string): Promise<Uint8Array | null> {
    this.gets++
    return this.inner.get(key)
  }

  put(key: string, value: Uint8Array): Promise<void> {
    this.puts++
    this.putBytes += key.length + value.byteLength
    return this.inner.put(key, value)
  }

  del(key: string): Promise<void> {
    return this.inner.del(key)
  }

  scan(prefix: string): AsyncIterable<[string, Uint8Array]> {
    this.gets++
    return this.inner.scan(prefix)
  }
}

test('accounts are listed in admission order (direct and by invite) from their own records, with no list of ids', async () => {
  const net = await TestNet.create({ names: ['boot', 'c', 'a', 'b'] })
  const s = blake2b(Buffer.from('invite/x'))
  await net.ok('a', { type: 'invite', time: 0, hash: inviteHash(s), credit: 0n, expiresEpoch: 5 })
  await net.ok('b', { type: 'redeem', time: 0, writerKey: net.m('x').key, secret: s })
  const order = ['boot', 'c', 'a', 'b', 'x'].map((n) => net.hex(n))
  const listed = await listAccounts(net.kv)
  assert.deepEqual(listed.map((a) => a.id), order)
  assert.deepEqual(listed.map((a) => a.admissionSeq), [0, 1, 2, 3, 4])
  assert.ok(net.kv instanceof MemoryKV)
  const count = net.kv.getSync(keys.accountCount)
  assert.ok(count !== null)
  assert.equal(decodeRecord<number>(count), 5)
  // besides the account records and the counter, no record names the accounts
  const ids = new Set(order)
  for (const [k, v] of net.kv.entries()) {
    if (k.startsWith(keys.accountPrefix) || k.startsWith('invite/') || k.startsWith('rejected/')) continue
    const text = Buffer.from(v).toString()
    const named = [...ids].filter((id) => text.includes(id) || k.includes(id))
    assert.ok(named.length <= 1, `${k} names ${named.length} accounts`)
  }
})

test('an admission reads and writes as much at 2,000 accounts as at 10', async () => {
  const kv = new CountingKV()
  const net = await TestNet.create({ names: ['boot'], kv, params: { admissionsPerEpoch: 1_000_000 } })
  const cost: { gets: number; puts: number; putBytes: number }[] = []
  for (let i = 1; i <= 2000; i++) {
    kv.reset()
    await net.ok('boot', { type: 'add-writer', time: 0, writerKey: net.m(`w${i}`).key, indexer: false })
    if (i === 10 || i === 2000) cost.push({ gets: kv.gets, puts: kv.puts, putBytes: kv.putBytes })
  }
  const [small, large] = cost
  assert.ok(small !== undefined && large !== undefined)
  assert.equal(large.gets, small.gets, 'reads per admission')
  assert.equal(large.puts, small.puts, 'records written per admission')
  // the counters in the author's account and in the index grow by a few digits, nothing else
  assert.ok(large.putBytes <= small.putBytes + 8, `bytes written per admission: ${small.putBytes} at 10, ${large.putBytes} at 2,000`)
  assert.equal((await listAccounts(kv)).length, 2001)
})

test('on a real Autobase, a range read in apply sees the earlier ops of the same batch: same digest as a replay in memory', async (t) => {
  const dir = await makeTempDir('acct-index')
  const store = openStore(dir)
  const ledger = await Ledger.open({ store, bootstrap: null })
  t.after(async () => {
    await ledger.close()
    await store.close()
    await removeDir(dir)
  })
  const [a, b] = [keyPair().publicKey, keyPair().publicKey]
  // indexerTarget 3: admitting b promotes a and b together, found by reading every account while a's
  // record is still only in the apply call's batch (both ops are appended, and applied, together)
  const ops: Op[] = [
    { type: 'init-network', time: 1, params: testParams({ indexerTarget: 3 }) },
    { type: 'add-writer', time: 2, writerKey: a, indexer: false },
    { type: 'add-writer', time: 3, writerKey: b, indexer: false }
  ]
  await ledger.append(ops[0] as Op)
  await ledger.append(ops.slice(1))
  await waitFor(async () => { await ledger.update(); return (await listAccounts(ledger.kv)).length === 3 }, 30_000, 'a and b admitted')
  assert.equal((await getMeta(ledger.kv))?.indexers.length, 3, 'a and b promoted')
  const mem = new MemoryKV()
  for (const [i, op] of ops.entries()) {
    const r = await apply(mem, encodeOp(op), { writerKey: ledger.writerKey, opId: `${ledger.account}:${i}` })
    assert.ok(r.ok)
  }
  assert.deepEqual((await getMeta(mem))?.indexers, [ledger.account, a.toString('hex'), b.toString('hex')].sort())
  assert.equal((await ledger.digest()).digest, digest(mem).toString('hex'))
})
