// `extend` (contract version 2): a publisher adds cores to its live request — a unit that gained cores,
// such as a shared folder's new member. The new cores get their own slots, filled by the next matching,
// next to the agreements of the request's first cores; refusals; under version 1 the op does not exist.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { OP_TAGS, RejectCode, getRejected, getRequest, type Op } from '../../src/ledger/index.js'
import { TestNet, GiB, coreKey } from './helpers.js'

const NAMES = ['boot', 'pub', 'other', 'h1', 'h2', 'a1', 'a2', 'a3']

async function hosted(opts: { contractVersion?: number } = {}): Promise<{ net: TestNet; reqId: number }> {
  const net = await TestNet.create({ names: NAMES, ...opts })
  await net.offer('h1', 10 * GiB, 'g1')
  await net.offer('h2', 10 * GiB, 'g2')
  const reqId = await net.request('pub', [{ name: 'w1', byteLength: GiB / 4 }], { replicas: 2 })
  await net.tickStrong()
  await net.readyAll()
  await net.tick()
  return { net, reqId }
}

const extend = (net: TestNet, requestId: number, names: string[], length = 10): Op =>
  ({ type: 'extend', time: net.time, requestId, cores: names.map((n) => ({ key: coreKey(n), length, byteLength: GiB / 8, fork: 0 })) })

async function refused(net: TestNet, name: string, op: Op, code: string): Promise<void> {
  const r = await net.apply(name, op)
  assert.ok(!r.ok, `extend by ${name} should be refused with ${code}`)
  assert.equal(r.code, code, r.reason)
}

test('extend adds cores to a live request: new slots, matched and made active beside the first core', async () => {
  const { net, reqId } = await hosted()
  const before = await getRequest(net.kv, reqId)
  assert.equal(before?.state, 'active')
  assert.deepEqual(before?.slots.map((row) => row.every((id) => id !== 0)), [true])
  await net.ok('pub', extend(net, reqId, ['w2', 'blobs2']))
  const after = await getRequest(net.kv, reqId)
  assert.ok(after !== null)
  assert.deepEqual(after.cores.map((c) => c.key), [coreKey('w1'), coreKey('w2'), coreKey('blobs2')].map((k) => Buffer.from(k).toString('hex')))
  assert.deepEqual(after.slots.map((row) => row.length), [2, 2, 2])
  assert.deepEqual(after.slots.slice(1).flat(), [0, 0, 0, 0], 'the new cores start with open slots')
  assert.deepEqual(after.slots[0], before?.slots[0], "the first core's agreements stay")
  // the next strong epoch start fills the new slots; the hosters' ready makes them active
  await net.tickStrong()
  await net.readyAll()
  await net.tick()
  const filled = await getRequest(net.kv, reqId)
  assert.ok(filled?.slots.flat().every((id) => id !== 0), JSON.stringify(filled?.slots))
  const active = await net.agreements({ requestId: reqId, state: 'active' })
  assert.deepEqual([...new Set(active.map((a) => a.coreKey))].sort(), after.cores.map((c) => c.key).sort())
  assert.equal(active.length, 6)
})

test('extend refusals: not the publisher, no such request, a duplicate, an empty core, an ended request, too many cores', async () => {
  const { net, reqId } = await hosted()
  await refused(net, 'other', extend(net, reqId, ['x']), RejectCode.NOT_PUBLISHER)
  await refused(net, 'pub', extend(net, reqId + 100, ['x']), RejectCode.NO_SUCH_REQUEST)
  await refused(net, 'pub', extend(net, reqId, ['w1']), RejectCode.DUPLICATE_CORE)
  await refused(net, 'pub', extend(net, reqId, ['y', 'y']), RejectCode.DUPLICATE_CORE)
  await refused(net, 'pub', extend(net, reqId, ['z'], 0), RejectCode.CORE_EMPTY)
  await refused(net, 'pub', { type: 'extend', time: net.time, requestId: reqId, cores: [] }, RejectCode.REQUEST_NO_CORES)
  await refused(net, 'pub', extend(net, reqId, Array.from({ length: 64 }, (_, i) => `many${i}`)), RejectCode.TOO_MANY_CORES)
  // nothing above changed the request
  assert.equal((await getRequest(net.kv, reqId))?.cores.length, 1)
  await net.ok('pub', { type: 'cancel', time: net.time, requestId: reqId })
  await refused(net, 'pub', extend(net, reqId, ['late']), RejectCode.REQUEST_ENDED)
})

test('under contract version 1 extend does not exist: refused as an unknown tag, with no type', async () => {
  const { net, reqId } = await hosted({ contractVersion: 1 })
  const r = await net.apply('pub', extend(net, reqId, ['w2']))
  assert.ok(!r.ok && r.code === RejectCode.OP_TYPE_UNKNOWN && r.type === null, JSON.stringify(r))
  assert.match(r.reason, new RegExp(`unknown op type ${OP_TAGS.extend}`))
  const opId = [...net.trace].reverse()[0]?.opId
  assert.ok(opId !== undefined)
  assert.equal((await getRejected(net.kv, opId))?.type, null)
  assert.equal((await getRequest(net.kv, reqId))?.cores.length, 1)
})
