// The contract inside a real Autobase: three writers on a loopback swarm converge, bad ops are rejected
// identically everywhere, and verify replays the writers' logs to the same state (and catches a lie).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setImmediate as yieldTurn } from 'node:timers/promises'
import {
  Ledger, Prng, encodeOp, getAccount, getRejected, listOffers, verifyLive, verifyLedger, entriesAt, type Op
} from '../../src/ledger/index.js'
import { TestNetwork } from '../harness/network.js'
import { makeTempDir } from '../harness/tmp.js'
import { waitFor } from '../harness/wait.js'
import type { TestPeer } from '../harness/peer.js'
import { testParams, GiB } from './helpers.js'
import { randomOp, bytes } from './gen.js'

interface Member {
  peer: TestPeer
  ledger: Ledger
}

async function openMember(peer: TestPeer, key: Buffer | null): Promise<Member> {
  const ledger = await Ledger.open({ store: peer.store, bootstrap: key, ackIntervalMs: 500 })
  peer.swarm.join(ledger.discoveryKey, { server: true, client: true })
  return { peer, ledger }
}

/** A plausible op for this writer: mostly meaningful ones, some random (mostly rejected) ones. */
function plausibleOp(p: Prng, others: Buffer[]): Op {
  const time = 1_700_000_000_000 + p.uniform(1000)
  switch (p.uniform(6)) {
    case 0: return { type: 'offer', time, capacityBytes: (1 + p.uniform(50)) * GiB, group: 'g' + String(p.uniform(3)), nodeKey: bytes(p, 32) }
    case 1: return { type: 'request', time, cores: [{ key: bytes(p, 32), length: 1 + p.uniform(100), byteLength: (1 + p.uniform(100)) * 65536, fork: 0 }], replicas: 1 + p.uniform(2), until: 0, maxPrice: 10n ** 12n }
    case 2: return { type: 'transfer', time, to: others[p.uniform(others.length)]!, amount: BigInt(1 + p.uniform(1000)) }
    case 3: return { type: 'cancel', time, requestId: 1 + p.uniform(5) }
    case 4: return { type: 'withdraw', time }
    default: return randomOp(p)
  }
}

async function converged(members: Member[]): Promise<boolean> {
  for (const m of members) await m.ledger.update()
  const lengths = new Set(members.map((m) => m.ledger.base.length))
  if (lengths.size !== 1) return false
  const digests = await Promise.all(members.map(async (m) => (await m.ledger.digest()).digest))
  return new Set(digests).size === 1
}

test('three Autobase writers applying random ops in different orders converge to one digest', { timeout: 120_000 }, async (t) => {
  const net = await TestNetwork.create({ peers: ['ab-alice', 'ab-bob', 'ab-carol'] })
  const members: Member[] = []
  t.after(async () => {
    for (const m of members) await m.ledger.close()
    await net.close()
  })
  const alice = await openMember(net.peer('ab-alice'), null)
  members.push(alice)
  await alice.ledger.append({ type: 'init-network', time: Date.now(), params: testParams() })
  const bob = await openMember(net.peer('ab-bob'), alice.ledger.key)
  const carol = await openMember(net.peer('ab-carol'), alice.ledger.key)
  members.push(bob, carol)
  // carol first, then bob as an indexer: two indexers would be even, so the contract promotes carol along
  // (three indexers; carol's absence below leaves a majority)
  await alice.ledger.append([
    { type: 'add-writer', time: Date.now(), writerKey: carol.ledger.writerKey, indexer: false },
    { type: 'add-writer', time: Date.now(), writerKey: bob.ledger.writerKey, indexer: true }
  ])
  for (const m of [bob, carol]) {
    await waitFor(async () => { await m.ledger.update(); return m.ledger.writable }, 30_000, `${m.peer.name} becoming writable`)
  }
  const keys = members.map((m) => m.ledger.writerKey)

  // Carol goes offline and writes on her own; Alice and Bob write concurrently meanwhile.
  for (const conn of [...carol.peer.swarm.connections]) conn.destroy()
  await carol.peer.swarm.leave(carol.ledger.discoveryKey)
  const writeBatches = async (m: Member, seed: number): Promise<void> => {
    const p = new Prng(Buffer.from(`ops/${seed}`))
    for (let batch = 0; batch < 5; batch++) {
      await m.ledger.append(Array.from({ length: 8 }, () => plausibleOp(p, keys)))
      // a seeded number of event-loop turns between batches (interleaving without wall-clock time)
      for (let turns = p.uniform(40); turns > 0; turns--) await yieldTurn()
    }
  }
  await Promise.all([writeBatches(alice, 1), writeBatches(bob, 2), writeBatches(carol, 3)])
  // Garbage bytes from a real writer: recorded as rejected, identically everywhere.
  await bob.ledger.appendRaw(Buffer.from('definitely not an op'))
  const garbageId = `${bob.ledger.account}:${bob.ledger.base.local.length - 1}`

  // Carol comes back: her branch is merged into a different order than each side saw at first.
  carol.peer.swarm.join(carol.ledger.discoveryKey, { server: true, client: true })
  await waitFor(() => converged(members), 60_000, 'the three views to converge')

  const digests = await Promise.all(members.map(async (m) => (await m.ledger.digest()).digest))
  assert.equal(new Set(digests).size, 1)
  for (const m of members) {
    const rejected = await getRejected(m.ledger.kv, garbageId)
    assert.ok(rejected, `${m.peer.name} recorded the garbage op as rejected`)
    assert.match(rejected.reason, /malformed|decode|version|unknown/i)
  }
  // Something real happened: accounts exist and offers were accepted on all nodes alike.
  assert.ok(await getAccount(alice.ledger.kv, carol.ledger.account))
  const offers = await Promise.all(members.map(async (m) => (await listOffers(m.ledger.kv)).length))
  assert.equal(new Set(offers).size, 1)
})

test('verify replays the writers\' logs to the same final state and catches a tampered view', { timeout: 120_000 }, async (t) => {
  const net = await TestNetwork.create({ peers: ['vf-alice', 'vf-bob'] })
  const members: Member[] = []
  t.after(async () => {
    for (const m of members) await m.ledger.close()
    await net.close()
  })
  const alice = await openMember(net.peer('vf-alice'), null)
  members.push(alice)
  await alice.ledger.append({ type: 'init-network', time: Date.now(), params: testParams() })
  const bob = await openMember(net.peer('vf-bob'), alice.ledger.key)
  members.push(bob)
  // two members: one indexer (a second one would be an even set that one silent member halts)
  await alice.ledger.append({ type: 'add-writer', time: Date.now(), writerKey: bob.ledger.writerKey, indexer: false })
  await waitFor(async () => { await bob.ledger.update(); return bob.ledger.writable }, 30_000, 'bob becoming writable')
  const p = new Prng(Buffer.from('verify'))
  const keys = members.map((m) => m.ledger.writerKey)
  for (let i = 0; i < 4; i++) {
    await alice.ledger.append(Array.from({ length: 10 }, () => plausibleOp(p, keys)))
    await bob.ledger.append(Array.from({ length: 10 }, () => plausibleOp(p, keys)))
  }
  await waitFor(() => converged(members), 60_000, 'convergence')
  // Finality: wait until the indexers' acks cover the whole view.
  await waitFor(async () => {
    await alice.ledger.update()
    return alice.ledger.finalVersion >= alice.ledger.view.version && alice.ledger.finalVersion > 1
  }, 60_000, 'the view to become final')

  const honest = await verifyLive(alice.ledger, alice.peer.store, await makeTempDir('verify'), 60_000)
  assert.equal(honest.ok, true, `replay digest ${honest.replayDigest} vs live ${honest.claimedDigest}`)
  assert.equal(honest.replayDigest, honest.claimedDigest)
  assert.ok(honest.entries > 10)

  // A node that lies about one balance is caught, and the report names the key.
  const version = alice.ledger.finalVersion
  const claimed = await entriesAt(alice.ledger.view, version)
  const victim = claimed.findIndex(([k]) => k.startsWith('acct/'))
  assert.ok(victim >= 0)
  const [vk, vv] = claimed[victim]!
  const forged = Buffer.from(vv.toString().replace(/"balance":\{"\$b":"(-?\d+)"\}/, '"balance":{"$b":"999999999999"}'))
  assert.notDeepEqual(forged, vv, 'the forgery changed the record')
  claimed[victim] = [vk, forged]
  const tampered = await verifyLedger({ source: alice.peer.store, key: alice.ledger.key, scratchDir: await makeTempDir('verify2'), version, claimed, timeoutMs: 60_000 })
  assert.equal(tampered.ok, false)
  assert.equal(tampered.firstDifference, vk)
  assert.notEqual(tampered.claimedDigest, tampered.replayDigest)
})

test('an empty op is a no-op on every node (Autobase hands it to its author as a buffer, to others as null)', { timeout: 120_000 }, async (t) => {
  const net = await TestNetwork.create({ peers: ['em-alice', 'em-bob'] })
  const members: Member[] = []
  t.after(async () => {
    for (const m of members) await m.ledger.close()
    await net.close()
  })
  const alice = await openMember(net.peer('em-alice'), null)
  members.push(alice)
  await alice.ledger.append({ type: 'init-network', time: Date.now(), params: testParams() })
  const bob = await openMember(net.peer('em-bob'), alice.ledger.key)
  members.push(bob)
  await alice.ledger.append({ type: 'add-writer', time: Date.now(), writerKey: bob.ledger.writerKey, indexer: false })
  await waitFor(async () => { await bob.ledger.update(); return bob.ledger.writable }, 30_000, 'bob becoming writable')
  await assert.rejects(bob.ledger.appendRaw(Buffer.alloc(0)), RangeError)
  // Bypassing the binding, as a hostile writer could: empty values between real ops.
  const p = new Prng(Buffer.from('empty'))
  await bob.ledger.base.append([Buffer.alloc(0), ...Array.from({ length: 5 }, () => plausibleOp(p, [alice.ledger.writerKey])).map((op) => encodeOp(op)), Buffer.alloc(0)])
  await waitFor(() => converged(members), 60_000, 'convergence')
  // The non-indexer still follows finality: its view is the one the indexer signed.
  await waitFor(async () => {
    for (const m of members) await m.ledger.update()
    return bob.ledger.finalVersion === bob.ledger.view.version && alice.ledger.finalVersion === alice.ledger.view.version
  }, 60_000, 'both views to become final')
  assert.equal((await bob.ledger.digest()).digest, (await alice.ledger.digest()).digest)
})
