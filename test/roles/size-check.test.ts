// The role side of prove-size (src/roles/size-check.ts) against real cores: an honest declaration is
// never "disproven" (plain, and encrypted, whose stored bytes include 8 bytes of padding per block), a
// false one yields the op the contract accepts, and a proof of anything else yields nothing.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { openStore, storedByteLength } from '../../src/stack/index.js'
import type { Store } from '../../src/stack/index.js'
import { sizeDisproofOf } from '../../src/roles/size-check.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'

let dir: string
let store: Store

before(async () => {
  dir = await makeTempDir('size-check')
  store = openStore(path.join(dir, 'store'))
  await store.ready()
})

after(async () => {
  await store.close()
  await removeDir(dir)
})

test('an honest declaration is not disproven, plain or encrypted; a false one is, exactly at its length', async () => {
  const plain = store.get({ name: 'plain' })
  const secret = store.get({ name: 'secret', encryption: { key: Buffer.alloc(32, 3) } })
  for (const c of [plain, secret]) {
    await c.ready()
    await c.append(Array.from({ length: 5 }, (_, i) => Buffer.alloc(300 + i, i)))
    const rec = { requestId: 1, coreKey: c.key, length: c.length, byteLength: storedByteLength(c), fork: c.fork }
    assert.equal(await sizeDisproofOf(c, rec), null, `${c.padding > 0 ? 'encrypted' : 'plain'}: the stored bytes are the signed tree's`)
    const over = await sizeDisproofOf(c, { ...rec, byteLength: rec.byteLength + 1 })
    assert.ok(over !== null && over.type === 'prove-size' && over.requestId === 1 && Buffer.from(over.coreKey).equals(c.key))
    assert.ok(await sizeDisproofOf(c, { ...rec, byteLength: rec.byteLength - 1 }) !== null, 'under-declared, at the exact length')
  }
  assert.equal(secret.padding, 8)
})

test('a longer copy shows only an over-declaration; another fork, a longer record or another core shows nothing', async () => {
  const c = store.get({ name: 'growing' })
  await c.ready()
  await c.append(Array.from({ length: 4 }, () => Buffer.alloc(100)))
  const at4 = { requestId: 2, coreKey: c.key, length: 4, byteLength: 400, fork: c.fork }
  await c.append(Array.from({ length: 4 }, () => Buffer.alloc(100)))
  assert.equal(await sizeDisproofOf(c, at4), null, 'true at 4')
  assert.equal(await sizeDisproofOf(c, { ...at4, byteLength: 399 }), null, 'a lie below what length 8 holds cannot be shown from length 8')
  assert.ok(await sizeDisproofOf(c, { ...at4, byteLength: 801 }) !== null, 'more than length 8 holds is shown false')
  assert.equal(await sizeDisproofOf(c, { ...at4, fork: c.fork + 1, byteLength: 10 ** 9 }), null)
  assert.equal(await sizeDisproofOf(c, { ...at4, length: 9, byteLength: 10 ** 9 }), null, 'the copy is shorter than the record')
  const other = store.get({ name: 'other' })
  await other.ready()
  await other.append(Buffer.alloc(10))
  assert.equal(await sizeDisproofOf(other, { ...at4, length: 1, byteLength: 10 ** 9 }), null, 'a proof of another core')
})
