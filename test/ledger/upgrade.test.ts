// A versioned contract: an `upgrade` to a contract version this code does not know, scheduled by an
// indexer majority, stops every node running this code at its fromEpoch — with the upgrade error, and
// with the view left exactly where it was (no later op applied) instead of applying rules it lacks.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  ContractVersionError, CONTRACT_VERSION, Ledger, LedgerStoppedError, MemoryKV, apply, digest, encodeOp, getMeta, getOffer, versionInForce,
  type Op
} from '../../src/ledger/index.js'
import { TestNetwork } from '../harness/network.js'
import { waitFor } from '../harness/wait.js'
import type { TestPeer } from '../harness/peer.js'
import { TestNet, testParams, GiB } from './helpers.js'

const UNKNOWN = CONTRACT_VERSION + 1

interface Member {
  peer: TestPeer
  ledger: Ledger
}

async function openMember(peer: TestPeer, key: Buffer | null, knownContractVersions?: number[]): Promise<Member> {
  const ledger = await Ledger.open({ store: peer.store, bootstrap: key, ackIntervalMs: 500, ...(knownContractVersions ? { knownContractVersions } : {}) })
  peer.swarm.join(ledger.discoveryKey, { server: true, client: true })
  return { peer, ledger }
}

function tickOp(epoch: number, seed: number): Op {
  return { type: 'tick', time: Date.now(), epoch, tickTime: Date.now(), commit: Buffer.alloc(32, seed), reveal: Buffer.alloc(0) }
}

test('upgrade (MemoryKV): scheduled by a majority, in force at fromEpoch; then apply throws ContractVersionError and writes nothing', async () => {
  const net = await TestNet.create({ names: ['boot', 'i1', 'i2', 'x'], indexers: ['i1', 'i2'] })
  assert.equal((await net.indexers()).length, 3)
  const m0 = await getMeta(net.kv)
  assert.equal(m0?.contractVersion, CONTRACT_VERSION)
  assert.equal(m0?.upgrade, null)
  const vote: Op = { type: 'upgrade', time: net.time, contractVersion: UNKNOWN, fromEpoch: 2 }
  const first = await net.ok('boot', vote)
  assert.ok(first.effects.events.some((e) => e.type === 'upgrade-vote' && e.votes === 1 && e.needed === 2))
  assert.equal((await getMeta(net.kv))?.upgrade, null, 'one vote of three schedules nothing')
  const second = await net.ok('i1', vote)
  assert.ok(second.effects.events.some((e) => e.type === 'upgrade-scheduled' && e.contractVersion === UNKNOWN && e.fromEpoch === 2))
  const scheduled = await getMeta(net.kv)
  assert.deepEqual(scheduled?.upgrade, { contractVersion: UNKNOWN, fromEpoch: 2 })
  assert.equal(scheduled === null ? -1 : versionInForce(scheduled).contractVersion, CONTRACT_VERSION, 'not in force before fromEpoch')
  assert.equal(await net.tick(), 1) // epoch 1: still the old rules
  assert.equal(await net.tick({ skip: ['i2'] }), 2) // the tick that starts epoch 2 runs under version 1 ...
  // ... and from then on the version in force is unknown: apply stops before touching the store
  const kv = net.kv
  assert.ok(kv instanceof MemoryKV)
  const before = digest(kv).toString('hex')
  const sizeBefore = kv.size
  for (const op of [tickOp(3, 1), { type: 'withdraw', time: 0 } as Op]) {
    await assert.rejects(
      apply(kv, encodeOp(op), { writerKey: net.m('x').key, opId: 'late:0' }),
      (err: unknown) => err instanceof ContractVersionError && err.contractVersion === UNKNOWN && err.fromEpoch === 2 && /upgrade Favor/.test(err.message)
    )
  }
  // even bytes this code cannot decode: the version check comes first, nothing is recorded as rejected
  await assert.rejects(apply(kv, Buffer.from('a newer op format'), { writerKey: net.m('x').key, opId: 'late:1' }), ContractVersionError)
  assert.equal(digest(kv).toString('hex'), before)
  assert.equal(kv.size, sizeBefore)
})

test('upgrade (MemoryKV): a genesis with a contract version this code does not know is never applied', async () => {
  const kv = new MemoryKV()
  const op: Op = { type: 'init-network', time: 0, params: testParams(), contractVersion: UNKNOWN }
  await assert.rejects(apply(kv, encodeOp(op), { writerKey: Buffer.alloc(32, 1), opId: 'g:0' }), ContractVersionError)
  assert.equal(kv.size, 0)
})

test('an Autobase node meeting an unknown contract version stops with the upgrade error; its view stays untouched', { timeout: 120_000 }, async (t) => {
  const net = await TestNetwork.create({ peers: ['up-alice', 'up-bob', 'up-carol'] })
  const members: Member[] = []
  t.after(async () => {
    for (const m of members) await m.ledger.close()
    await net.close()
  })
  const alice = await openMember(net.peer('up-alice'), null)
  members.push(alice)
  await alice.ledger.append({ type: 'init-network', time: Date.now(), params: testParams({ indexerTarget: 3 }) })
  const bob = await openMember(net.peer('up-bob'), alice.ledger.key)
  // carol stands in for a node running newer code: it applies version UNKNOWN (here with the rules of
  // version 1). Alice and bob run this code and must stop when carol's first op under it reaches them.
  const carol = await openMember(net.peer('up-carol'), alice.ledger.key, [CONTRACT_VERSION, UNKNOWN])
  members.push(bob, carol)
  const old = [alice, bob]
  await alice.ledger.append([
    { type: 'add-writer', time: Date.now(), writerKey: bob.ledger.writerKey, indexer: false },
    { type: 'add-writer', time: Date.now(), writerKey: carol.ledger.writerKey, indexer: false }
  ])
  for (const m of [bob, carol]) {
    await waitFor(async () => { await m.ledger.update(); return m.ledger.writable && m.ledger.isIndexer }, 30_000, `${m.peer.name} becoming an indexer`)
  }
  const stops = old.map((m) => new Promise<LedgerStoppedError>((resolve) => m.ledger.once('stopped', resolve)))
  // an indexer majority (2 of 3) votes for a version this code does not know, from epoch 1
  await alice.ledger.append({ type: 'upgrade', time: Date.now(), contractVersion: UNKNOWN, fromEpoch: 1 })
  await bob.ledger.append({ type: 'upgrade', time: Date.now(), contractVersion: UNKNOWN, fromEpoch: 1 })
  await waitFor(async () => {
    for (const m of members) {
      await m.ledger.update()
      if ((await getMeta(m.ledger.kv))?.upgrade?.contractVersion !== UNKNOWN) return false
    }
    return true
  }, 30_000, 'the upgrade scheduled on every node')
  // epoch 1 starts with two ticks (still under version 1): the last op these nodes understand
  await alice.ledger.append(tickOp(1, 1))
  await bob.ledger.append(tickOp(1, 2))
  await waitFor(async () => {
    for (const m of members) {
      await m.ledger.update()
      if ((await getMeta(m.ledger.kv))?.epoch !== 1) return false
    }
    return true
  }, 30_000, 'epoch 1 on every node')
  const before = await Promise.all(members.map(async (m) => (await m.ledger.digest()).digest))
  assert.equal(new Set(before).size, 1, 'one state before the stop')
  for (const m of members) assert.equal(m.ledger.stopped, null)

  // the newer node's next op (it applies it): the old nodes stop instead of applying it
  await carol.ledger.append({ type: 'offer', time: Date.now(), capacityBytes: GiB, group: 'g', nodeKey: Buffer.alloc(32, 3) })
  await waitFor(async () => (await getOffer(carol.ledger.kv, carol.ledger.account)) !== null, 30_000, 'the newer node applying its offer')
  await waitFor(async () => {
    for (const m of old) if (m.ledger.stopped === null) await m.ledger.update()
    return old.every((m) => m.ledger.stopped !== null)
  }, 60_000, 'the old nodes stopping')
  const stopped = await Promise.all(stops)
  assert.equal(carol.ledger.stopped, null, 'the newer node goes on')
  assert.notEqual((await carol.ledger.digest()).digest, before[2])
  for (const [i, err] of stopped.entries()) {
    const m = old[i]!
    assert.ok(err instanceof LedgerStoppedError, m.peer.name)
    assert.equal(err.code, 'E_UPGRADE_REQUIRED')
    assert.equal(err.upgradeRequired, true)
    assert.ok(err.cause instanceof ContractVersionError && err.cause.contractVersion === UNKNOWN)
    assert.match(err.message, /upgrade Favor/)
    assert.equal(m.ledger.stopped, err)
    // the view is where it was: same digest, the offer never applied
    assert.equal((await m.ledger.digest()).digest, before[i], `${m.peer.name}: state untouched`)
    assert.equal(await getOffer(m.ledger.kv, carol.ledger.account), null, `${m.peer.name}: later op not applied`)
    assert.equal((await getMeta(m.ledger.kv))?.epoch, 1)
    // and it refuses to append (its op could never be applied by this code)
    await assert.rejects(m.ledger.append({ type: 'withdraw', time: Date.now() }), LedgerStoppedError)
  }
})
