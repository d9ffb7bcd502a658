// Contract version 2's per-hoster and per-publisher indexes (src/ledger/agreement-index.ts): kept from
// genesis on a version 2 network, built by the first op under version 2 after an upgrade from version 1,
// emptied as agreements and requests end; the queries over them agree with a full scan.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  MemoryKV, apply, digest, getMeta, hosterAgreements, indexKeys, keys, listAgreements, listOffers, listRequests, openRequests,
  publisherAgreements, versionInForce, type Agreement, type HostingRequest, type LedgerKV
} from '../../src/ledger/index.js'
import { recordScenario } from './fixtures/scenario.js'
import { GiB, TestNet } from './helpers.js'

const ids = (xs: { id: number }[]): number[] => xs.map((x) => x.id)

async function keysWith(kv: LedgerKV, prefix: string): Promise<string[]> {
  const out: string[] = []
  for await (const [k] of kv.scan(prefix)) out.push(k)
  return out
}

/** Every index query equals the same question answered by reading every agreement and request. */
async function assertIndexesAgree(kv: LedgerKV, members: string[]): Promise<number> {
  const all: Agreement[] = await listAgreements(kv)
  const reqs: HostingRequest[] = await listRequests(kv)
  let entries = 0
  for (const hex of members) {
    const live = all.filter((a) => a.state !== 'ended')
    const h = await hosterAgreements(kv, hex)
    const p = await publisherAgreements(kv, hex)
    const r = await openRequests(kv, hex)
    assert.deepEqual(ids(h), ids(live.filter((a) => a.hoster === hex)), `hoster index of ${hex.slice(0, 8)}`)
    assert.deepEqual(ids(p), ids(live.filter((a) => a.publisher === hex)), `publisher index of ${hex.slice(0, 8)}`)
    assert.deepEqual(ids(r), ids(reqs.filter((q) => q.publisher === hex && (q.state === 'queued' || q.state === 'active'))), `request index of ${hex.slice(0, 8)}`)
    entries += h.length + p.length + r.length
  }
  // and nothing else is indexed (no entry of an ended agreement or request survives)
  if ((await kv.get(indexKeys.built)) === null) return entries
  const indexed = (await keysWith(kv, 'hagr/')).length + (await keysWith(kv, 'pagr/')).length + (await keysWith(kv, 'preq/')).length
  assert.equal(indexed, entries, 'every index entry belongs to a live agreement or an open request')
  // version 2 keeps the live agreements as one key each, not as one list rewritten by every op
  assert.equal(await kv.get(keys.live), null)
  assert.deepEqual((await keysWith(kv, keys.livePrefix)).map((k) => Number(k.slice(keys.livePrefix.length))), ids(all.filter((a) => a.state !== 'ended')))
  assert.deepEqual(ids(await listAgreements(kv, { liveOnly: true })), ids(all.filter((a) => a.state !== 'ended')))
  return entries
}

test('version 2 genesis: the fixture scenario keeps the indexes equal to a full scan, entries removed as agreements end', async () => {
  const net = await recordScenario()
  const meta = await getMeta(net.kv)
  assert.equal(meta === null ? 0 : versionInForce(meta).contractVersion, 2)
  assert.notEqual(await net.kv.get(indexKeys.built), null)
  assert.equal(await net.kv.get(keys.offers), null, 'version 2 keeps no list of offers')
  const members = [...net.members.values()].map((m) => m.hex)
  const entries = await assertIndexesAgree(net.kv, members)
  assert.ok(entries > 0)
  const ended = (await listAgreements(net.kv)).filter((a) => a.state === 'ended')
  assert.ok(ended.length >= 2, 'the scenario ends agreements (withdrawal, cancel)')
  for (const a of ended) {
    assert.equal(await net.kv.get(indexKeys.hoster(a.hoster, a.id)), null)
    assert.equal(await net.kv.get(indexKeys.publisher(a.publisher, a.id)), null)
  }
  assert.equal((await listOffers(net.kv)).length, 3, 'offers read by a range')
})

test('version 1 network: no index is written; the queries fall back to scans', async () => {
  const net = await TestNet.create({ names: ['boot', 'pub', 'h1', 'h2'], contractVersion: 1 })
  await net.offer('h1', 10 * GiB)
  await net.offer('h2', 10 * GiB)
  await net.request('pub', [{ name: 'c1', byteLength: GiB }], { replicas: 2 })
  await net.tick()
  await net.round('boot')
  assert.equal((await net.agreements()).length, 2)
  assert.equal(await net.kv.get(indexKeys.built), null)
  assert.deepEqual(await keysWith(net.kv, 'hagr/'), [])
  assert.deepEqual(await keysWith(net.kv, 'preq/'), [])
  assert.notEqual(await net.kv.get(keys.offers), null, 'version 1 keeps its list of offers')
  assert.deepEqual(await keysWith(net.kv, keys.livePrefix), [])
  assert.equal((await net.agreements({ liveOnly: true })).length, 2, 'and its list of live agreements')
  await assertIndexesAgree(net.kv, [net.hex('pub'), net.hex('h1'), net.hex('h2')])
})

test('upgrade 1 → 2: the tick that starts fromEpoch runs version 1; the first op under version 2 builds the indexes', async () => {
  const net = await TestNet.create({ names: ['boot', 'i1', 'i2', 'pub', 'pub2', 'h1', 'h2', 'h3'], indexers: ['i1', 'i2'], contractVersion: 1 })
  for (const h of ['h1', 'h2', 'h3']) await net.offer(h, 10 * GiB)
  const r1 = await net.request('pub', [{ name: 'a', byteLength: GiB }, { name: 'b', byteLength: GiB / 2 }], { replicas: 2 })
  await net.request('pub2', [{ name: 'c', byteLength: GiB / 4 }])
  await net.tick()
  await net.round('boot')
  await net.tickStrong()
  await net.readyAll()
  await net.ok('pub', { type: 'cancel', time: net.time, requestId: r1 })
  const r3 = await net.request('pub', [{ name: 'd', byteLength: GiB / 8 }])
  const e = await net.epoch()
  const from = e + 2
  for (const who of ['boot', 'i1']) await net.ok(who, { type: 'upgrade', time: net.time, contractVersion: 2, fromEpoch: from })
  assert.deepEqual((await getMeta(net.kv))?.upgrade, { contractVersion: 2, fromEpoch: from })
  await net.tick()
  await net.tick({ skip: ['i2'] }) // starts fromEpoch: still version 1 rules, so a node that knows only version 1 applies it alike
  const m = await getMeta(net.kv)
  assert.equal(m?.epoch, from)
  assert.equal(m === null ? 0 : versionInForce(m).contractVersion, 2)
  assert.equal(await net.kv.get(indexKeys.built), null, 'not built by the tick that ran version 1 rules')
  assert.deepEqual(await keysWith(net.kv, 'hagr/'), [])
  // a version-1-only node stops here; its view equals ours
  const v1Stop = new MemoryKV()
  for (const t of net.trace) await apply(v1Stop, t.bytes, { writerKey: Buffer.from(t.writer, 'hex'), opId: t.opId, knownVersions: [1] })
  assert.ok(net.kv instanceof MemoryKV)
  assert.equal(digest(v1Stop).toString('hex'), digest(net.kv).toString('hex'))
  // the next op, any op: the indexes are built first, the list of offers dropped
  await net.ok('h1', { type: 'offer', time: net.time, capacityBytes: 11 * GiB, group: '', nodeKey: net.m('h1').nodeKey })
  assert.notEqual(await net.kv.get(indexKeys.built), null)
  assert.equal(await net.kv.get(keys.offers), null)
  assert.equal((await listOffers(net.kv)).length, 3)
  const members = ['pub', 'pub2', 'h1', 'h2', 'h3'].map((n) => net.hex(n))
  const before = await assertIndexesAgree(net.kv, members)
  assert.ok(before >= 3, `live agreements and open requests are indexed (${before})`)
  assert.deepEqual(ids(await openRequests(net.kv, net.hex('pub'))), [r3])
  // later changes keep them: a new request matched, the request ended, a withdrawal
  const r4 = await net.request('pub2', [{ name: 'e', byteLength: GiB / 8 }], { replicas: 2 })
  await net.round('boot')
  await net.ok('pub2', { type: 'cancel', time: net.time, requestId: r4 })
  await net.ok('h3', { type: 'withdraw', time: net.time })
  await net.tickStrong()
  await net.readyAll()
  await net.epochWith()
  await assertIndexesAgree(net.kv, members)
  // the whole log replayed from scratch gives the same state (the build is part of the contract)
  const replay = new MemoryKV()
  for (const t of net.trace) await apply(replay, t.bytes, { writerKey: Buffer.from(t.writer, 'hex'), opId: t.opId })
  assert.equal(digest(replay).toString('hex'), digest(net.kv).toString('hex'))
})
