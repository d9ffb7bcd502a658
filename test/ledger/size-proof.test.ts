// A publisher's declared byte length against the core's own signature (src/ledger/size-proof.ts). The
// attack: a publisher colluding with a hoster declares a tiny core as huge, so that the hoster is paid
// for, and vetted with "proven" capacity of, bytes nobody stores. A real block proof of the core shows
// the signed tree's byte length; the contract corrects the record, the offer, this epoch's billing, and
// marks the publisher. Real hypercores (a corestore in a temp dir), the contract on a MemoryKV.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { TestNet, GiB } from './helpers.js'
import { OP_TAGS, RejectCode, encodeOp, getOffer, getRejected, getRequest } from '../../src/ledger/index.js'
import type { Op } from '../../src/ledger/index.js'
import { openStore } from '../../src/stack/index.js'
import type { Core, Store } from '../../src/stack/index.js'
import { makeBlockProof } from '../../src/proof/index.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'

let dir: string
let store: Store

before(async () => {
  dir = await makeTempDir('ledger-size-proof')
  store = openStore(path.join(dir, 'store'))
  await store.ready()
})

after(async () => {
  await store.close()
  await removeDir(dir)
})

const TiB = 1024 * GiB

async function core(name: string, blocks: number, blockBytes = 1000): Promise<Core> {
  const c = store.get({ name })
  await c.ready()
  await c.append(Array.from({ length: blocks }, (_, i) => Buffer.alloc(blockBytes, i)))
  return c
}

async function proveOp(c: Core, requestId: number, index = 0): Promise<Op> {
  const b = await makeBlockProof(c, index)
  return { type: 'prove-size', time: 0, requestId, coreKey: c.key, manifest: b.manifest, proof: b.proofs[0] as Uint8Array }
}

async function refused(net: TestNet, name: string, op: Op, code: string): Promise<void> {
  const r = await net.apply(name, op)
  assert.ok(!r.ok, `${op.type} by ${name} should be refused with ${code}`)
  assert.equal(r.code, code, r.reason)
}

/** pub requests `c` declaring `declared` bytes at `length`; h1 hosts it; epoch 3 is challenged. */
async function hosted(c: Core, declared: number, length = c.length, opts: { contractVersion?: number } = {}): Promise<{ net: TestNet; reqId: number }> {
  // a low price: the colluding publisher can afford to pay its hoster for a terabyte
  const net = await TestNet.create({ names: ['boot', 'pub', 'h1', 'a1', 'a2', 'a3'], params: { priceMicroPerGiBHour: 1n }, ...opts })
  await net.offer('h1', 2 * TiB)
  const reqId = await net.request('pub', [{ name: 'x', key: c.key, length, byteLength: declared }])
  assert.equal(await net.tickStrong(), 2)
  await net.readyAll()
  await net.tick()
  return { net, reqId }
}

test('a core declared at 1 TiB is corrected to its signed size: record, agreement, offer, this epoch\'s bill, and the publisher is marked', async () => {
  const c = await core('inflated', 10)
  assert.equal(c.byteLength, 10_000)
  const { net, reqId } = await hosted(c, TiB)
  const [agr] = await net.agreements({ state: 'active' })
  assert.ok(agr !== undefined && agr.byteLength === TiB && agr.challengedByteLength === TiB)
  assert.equal((await getOffer(net.kv, net.hex('h1')))?.usedBytes, TiB)
  assert.equal((await net.attestation(agr.id)).byteLength, TiB, 'before: this epoch would bill 1 TiB')

  // anyone admitted may submit it: here an attestor, with a proof of any block at the recorded length
  const r = await net.ok('a1', await proveOp(c, reqId, 7))
  const ev = r.effects.events.find((e) => e.type === 'size-corrected')
  assert.deepEqual(ev, { type: 'size-corrected', requestId: reqId, coreKey: c.key.toString('hex'), length: 10, declared: TiB, byteLength: 10_000, exact: true, by: net.hex('a1') })
  assert.equal((await getRequest(net.kv, reqId))?.cores[0]?.byteLength, 10_000)
  const after = await net.agreement(agr.id)
  assert.equal(after.byteLength, 10_000)
  assert.equal(after.challengedByteLength, 10_000)
  assert.equal((await getOffer(net.kv, net.hex('h1')))?.usedBytes, 10_000)
  assert.equal((await net.attestation(agr.id)).byteLength, 10_000, 'this epoch bills the signed size')
  assert.ok((await net.account('pub')).warnings.includes('false-size'))

  // settled: the hoster's proven capacity is the real size, not the declared one
  await net.epochWith()
  await net.epochWith()
  assert.equal((await net.account('h1')).provenBytes, 10_000)
  // the same proof again shows nothing wrong any more
  await refused(net, 'a2', await proveOp(c, reqId), RejectCode.SIZE_NOT_DISPROVEN)
  // nor can the publisher put the false size back at the same length
  await refused(net, 'pub', { type: 'grow', time: net.time, requestId: reqId, coreKey: c.key, length: 10, byteLength: TiB, fork: 0 }, RejectCode.GROW_SIZE_INCONSISTENT)
})

test('without a proof the inflated size is paid and "proven" (what the rule prevents)', async () => {
  const c = await core('inflated-unchecked', 10)
  const { net } = await hosted(c, TiB)
  await net.epochWith()
  await net.epochWith()
  assert.equal((await net.account('h1')).provenBytes, TiB)
})

test('a true declaration is not disproven; a forged, foreign or truncated proof is refused and changes nothing', async () => {
  const c = await core('honest', 10)
  const other = await core('other', 10)
  const { net, reqId } = await hosted(c, c.byteLength)
  await refused(net, 'a1', await proveOp(c, reqId), RejectCode.SIZE_NOT_DISPROVEN)

  const lied = await core('lied', 10)
  const { net: net2, reqId: req2 } = await hosted(lied, 5 * GiB)
  const good = await proveOp(lied, req2) as Extract<Op, { type: 'prove-size' }>
  const flipped = Buffer.from(good.proof)
  flipped[flipped.length - 5] = (flipped[flipped.length - 5] ?? 0) ^ 1 // inside the signature
  const foreign = await proveOp(other, req2) as Extract<Op, { type: 'prove-size' }>
  const cases: [string, Op, string][] = [
    ['a flipped signature byte', { ...good, proof: flipped }, RejectCode.SIZE_PROOF_INVALID],
    ['another core\'s proof under this key', { ...good, manifest: foreign.manifest, proof: foreign.proof }, RejectCode.SIZE_PROOF_INVALID],
    ['another core\'s key', { ...foreign }, RejectCode.CORE_NOT_IN_REQUEST],
    ['no such request', { ...good, requestId: 999 }, RejectCode.NO_SUCH_REQUEST]
  ]
  for (const [what, op, code] of cases) {
    await refused(net2, 'a1', op, code)
    assert.equal((await getRequest(net2.kv, req2))?.cores[0]?.byteLength, 5 * GiB, what)
  }
  assert.equal((await net2.account('pub')).warnings.includes('false-size'), false)
  // a truncated op does not decode at all
  const bytes = encodeOp(good)
  const r = await net2.apply('a1', bytes.subarray(0, bytes.length - 3))
  assert.ok(!r.ok && r.code === RejectCode.MALFORMED)
  await net2.ok('a1', good)
  assert.equal((await getRequest(net2.kv, req2))?.cores[0]?.byteLength, lied.byteLength)
})

test('a proof at a longer signed length bounds the declared size from above, never below what it proves', async () => {
  const c = await core('grown', 10)
  const declaredAt10 = 6_000 // a lie (the tree at 10 holds 10,000) that the longer tree cannot show
  const { net, reqId } = await hosted(c, 50_000, 10)
  await c.append(Array.from({ length: 10 }, (_, i) => Buffer.alloc(1000, 100 + i)))
  assert.equal(c.length, 20)
  // at length 20 the tree holds 20,000 bytes: 50,000 declared at length 10 cannot be true
  const r = await net.ok('a1', await proveOp(c, reqId))
  const ev = r.effects.events.find((e) => e.type === 'size-corrected')
  assert.ok(ev?.type === 'size-corrected' && ev.exact === false && ev.byteLength === 20_000)
  const { net: net2, reqId: req2 } = await hosted(c, declaredAt10, 10)
  await refused(net2, 'a1', await proveOp(c, req2), RejectCode.SIZE_NOT_DISPROVEN)
})

test('under contract version 1 the op does not exist (refused as an unknown tag, no type) and grow keeps its v1 rule', async () => {
  const c = await core('v1', 10)
  const { net, reqId } = await hosted(c, TiB, c.length, { contractVersion: 1 })
  const op = await proveOp(c, reqId)
  const r = await net.apply('a1', op)
  assert.ok(!r.ok && r.code === RejectCode.OP_TYPE_UNKNOWN && r.type === null, JSON.stringify(r))
  assert.match(r.reason, new RegExp(`unknown op type ${OP_TAGS['prove-size']}`))
  const opId = [...net.trace].reverse()[0]?.opId
  assert.ok(opId !== undefined)
  assert.equal((await getRejected(net.kv, opId))?.type, null)
  assert.equal((await getRequest(net.kv, reqId))?.cores[0]?.byteLength, TiB)
  // v1 accepted another byte length at the same length (frozen behaviour)
  await net.ok('pub', { type: 'grow', time: net.time, requestId: reqId, coreKey: c.key, length: 10, byteLength: 2 * TiB, fork: 0 })
})

test('an upgrade from version 1 to 2 turns prove-size on from its epoch, not before', async () => {
  const c = await core('upgraded', 10)
  const { net, reqId } = await hosted(c, TiB, c.length, { contractVersion: 1 })
  const e = await net.epoch()
  await net.ok('boot', { type: 'upgrade', time: net.time, contractVersion: 2, fromEpoch: e + 1 })
  await refused(net, 'a1', await proveOp(c, reqId), RejectCode.OP_TYPE_UNKNOWN)
  await net.tick()
  assert.equal(await net.epoch(), e + 1)
  await net.ok('a1', await proveOp(c, reqId))
  assert.equal((await getRequest(net.kv, reqId))?.cores[0]?.byteLength, 10_000)
})
