// Matching rounds (src/ledger/rounds.ts): requests are matched inside an epoch on randomness the publisher
// cannot know when it appends them; refused rounds change nothing; the epoch beacon is as strong as before;
// billing stays per epoch (a mid-epoch agreement's partial epoch is not billed).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  MemoryKV, RejectCode, chainCommit, digestEntries, epochCost, getEpoch, getFresh, getMeta, getRoundChain, hashChain, nextBeacon,
  secretFor, type Effects, type LedgerEvent, type Op, type RejectCodeValue
} from '../../src/ledger/index.js'
import { TestNet, GiB } from './helpers.js'

const HOSTERS = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6']

/** Three indexers, a publisher, six hosters in their own groups, three attestors. */
async function network(opts: { offers?: boolean; params?: Parameters<typeof TestNet.create>[0]['params'] } = {}): Promise<TestNet> {
  const net = await TestNet.create({ names: ['boot', 'i2', 'i3', 'pub', ...HOSTERS, 'a1', 'a2', 'a3'], indexers: ['i2', 'i3'], params: { welcomeCreditMicro: 1_000_000_000n, ...opts.params } })
  if (opts.offers !== false) for (const h of HOSTERS) await net.offer(h, 20 * GiB, 'g-' + h)
  return net
}

/** The state without the `rejected/` records: what a refused op must leave exactly as it was. */
function stateDigest(net: TestNet): string {
  assert.ok(net.kv instanceof MemoryKV)
  return digestEntries(net.kv.entries().filter(([k]) => !k.startsWith('rejected/'))).toString('hex')
}

function roundEvent(effects: Effects): Extract<LedgerEvent, { type: 'round' }> {
  const ev = effects.events.find((e) => e.type === 'round')
  assert.ok(ev !== undefined && ev.type === 'round', 'a round event')
  return ev
}

async function refused(net: TestNet, name: string, op: Op, code: RejectCodeValue): Promise<void> {
  const before = stateDigest(net)
  const r = await net.apply(name, op)
  assert.ok(!r.ok, `expected ${code}, the round was accepted`)
  assert.equal(r.code, code, r.reason)
  assert.equal(stateDigest(net), before, `${code}: the refused round changed nothing`)
}

test('a round matches a pending request inside the epoch, long before the next epoch starts (also in the weak epoch 1)', async () => {
  const net = await network()
  assert.equal(await net.tick(), 1)
  assert.equal((await getEpoch(net.kv, 1))?.weak, true, 'epoch 1 is weak: its start matches nothing')
  const req = await net.request('pub', [{ name: 'c1', byteLength: GiB }], { replicas: 2 })
  assert.deepEqual((await getFresh(net.kv)).entries.map(([id]) => id), [req])
  assert.equal((await net.agreements({ requestId: req })).length, 0)
  const ev = roundEvent(await net.round('boot'))
  assert.deepEqual({ epoch: ev.epoch, index: ev.index, tried: ev.tried, created: ev.created }, { epoch: 1, index: 1, tried: 1, created: 2 })
  const agrs = await net.agreements({ requestId: req })
  assert.equal(agrs.length, 2)
  for (const a of agrs) assert.deepEqual([a.state, a.createdEpoch], ['pinning', 1])
  assert.equal(await net.epoch(), 1, 'no epoch started')
  assert.deepEqual((await getFresh(net.kv)).entries, [])
  // a second round (another indexer, at the same time) finds nothing to do: accepted, it only uses a link
  const dup = roundEvent(await net.round('i2'))
  assert.deepEqual([dup.tried, dup.created], [0, 0])
  assert.equal((await getRoundChain(net.kv, net.hex('i2')))?.index, 1)
  // in a strong epoch the same
  assert.equal(await net.tick(), 2)
  assert.equal((await getEpoch(net.kv, 2))?.weak, false)
  const req2 = await net.request('pub', [{ name: 'c2', byteLength: GiB }])
  assert.equal(roundEvent(await net.round('i3')).created, 1)
  assert.equal((await net.agreements({ requestId: req2 }))[0]?.createdEpoch, 2)
})

test('forged, replayed, skipping and backwards links, a wrong epoch, no chain, a non-indexer: each refused with its code, changing nothing', async () => {
  const net = await network()
  const rounds = (await getMeta(net.kv))?.params.roundsPerEpoch ?? 0
  assert.equal(rounds, 720, 'the default: one round every 5 s of a one-hour epoch')
  await refused(net, 'boot', await net.roundOp('boot', { epoch: 0, index: 1 }), RejectCode.ROUND_WRONG_EPOCH) // before the first epoch
  await net.tick({ skip: ['i3'] }) // boot and i2 start epoch 1; i3 has no chain for epoch 2
  await net.request('pub', [{ name: 'c1', byteLength: GiB }])
  const commit = (await net.account('boot')).commit
  await refused(net, 'boot', await net.roundOp('boot', { link: Buffer.alloc(32, 9) }), RejectCode.ROUND_LINK_MISMATCH)
  await refused(net, 'boot', await net.roundOp('boot', { link: Buffer.from(commit, 'hex') }), RejectCode.ROUND_LINK_MISMATCH)
  // i2's true link 1 presented by boot: a link of another chain
  await refused(net, 'boot', await net.roundOp('boot', { link: (await net.roundOp('i2') as Extract<Op, { type: 'round' }>).link }), RejectCode.ROUND_LINK_MISMATCH)
  await refused(net, 'boot', await net.roundOp('boot', { index: 2 }), RejectCode.ROUND_SKIP) // a true link, but not the next one
  await refused(net, 'boot', await net.roundOp('boot', { index: 0, link: Buffer.from(commit, 'hex') }), RejectCode.ROUND_INDEX_INVALID)
  // the chain's last link is the secret: the tick's reveal, never a round's
  await refused(net, 'boot', await net.roundOp('boot', { index: rounds + 1, link: secretFor(net.m('boot').beaconSeed, 2) }), RejectCode.ROUND_INDEX_INVALID)
  await refused(net, 'boot', await net.roundOp('boot', { epoch: 2 }), RejectCode.ROUND_WRONG_EPOCH)
  await refused(net, 'i3', await net.roundOp('i3'), RejectCode.ROUND_NO_CHAIN)
  await refused(net, 'pub', await net.roundOp('pub'), RejectCode.NOT_INDEXER)
  assert.equal((await net.agreements()).length, 0, 'nothing matched by a refused round')
  const first = await net.roundOp('boot')
  assert.equal(roundEvent((await net.ok('boot', first)).effects).created, 1)
  await refused(net, 'boot', first, RejectCode.ROUND_STALE) // replayed
  await net.round('boot') // link 2
  await refused(net, 'boot', await net.roundOp('boot', { index: 1 }), RejectCode.ROUND_STALE) // backwards
  // once an indexer ticked the next epoch (its secret is public), its chain of this epoch is closed
  await net.ok('boot', await net.tickOp('boot', 2))
  assert.equal(await net.epoch(), 1, 'one tick of three does not start epoch 2')
  await refused(net, 'boot', await net.roundOp('boot', { epoch: 1, index: 3 }), RejectCode.ROUND_NO_CHAIN)
})

test('a network with roundsPerEpoch 0 has no rounds, and its commitments are H(secret) as before', async () => {
  const net = await network({ params: { roundsPerEpoch: 0 } })
  await net.tick()
  const commit = (await net.account('boot')).commit
  assert.equal(commit, hashChain(secretFor(net.m('boot').beaconSeed, 2), 1).toString('hex'))
  await net.request('pub', [{ name: 'c1', byteLength: GiB }])
  await refused(net, 'boot', await net.roundOp('boot', { index: 1, link: Buffer.alloc(32) }), RejectCode.ROUND_INDEX_INVALID)
  assert.equal(await net.tick(), 2)
  assert.equal((await getEpoch(net.kv, 2))?.weak, false, 'every reveal opened its H(secret) commitment')
  assert.equal((await net.agreements()).length, 1, 'matched at the epoch start')
})

/** Same ops on fresh networks: epoch 1, `idle` rounds by boot with nothing to match, then eight requests. */
async function eightRequests(idle: number): Promise<TestNet> {
  const net = await network()
  await net.tick()
  for (let i = 0; i < idle; i++) await net.round('boot')
  // small cores: a new hoster may hold GROWTH_ALLOWANCE_BYTES (1 GiB) until it proves more
  for (let i = 0; i < 8; i++) await net.request('pub', [{ name: `core-${i}`, byteLength: GiB / 8 }])
  return net
}

test('the draw depends on a link the publisher cannot know: one preimage further along the chain than anything public', async () => {
  // the same state and indexer; only the link differs (boot's link 1, or link 2 after an idle round)
  const a = await eightRequests(0)
  const b = await eightRequests(1)
  const publicLink = async (n: TestNet): Promise<string> => (await getRoundChain(n.kv, n.hex('boot')))?.link ?? (await n.account('boot')).commit
  const known = [await publicLink(a), await publicLink(b)]
  const opA = await a.roundOp('boot') as Extract<Op, { type: 'round' }>
  const opB = await b.roundOp('boot') as Extract<Op, { type: 'round' }>
  // each link is a preimage of what was public when the requests were appended (never that value itself)
  for (const [op, pub] of [[opA, known[0]], [opB, known[1]]] as const) {
    assert.notEqual(Buffer.from(op.link).toString('hex'), pub)
    assert.equal(hashChain(op.link, 1).toString('hex'), pub)
  }
  assert.equal(roundEvent((await a.ok('boot', opA)).effects).created, 8)
  assert.equal(roundEvent((await b.ok('boot', opB)).effects).created, 8)
  const hosters = async (n: TestNet): Promise<string[]> => (await n.agreements()).sort((x, y) => x.requestId - y.requestId).map((x) => n.nameOf(x.hoster))
  const ha = await hosters(a)
  const hb = await hosters(b)
  assert.notDeepEqual(ha, hb, `the same draw with two different links: ${ha.join(',')}`)
  assert.ok(new Set(ha).size >= 3, `the draw spreads over the hosters: ${ha.join(',')}`)
})

test('a round matches only the requests queued before its upTo (what was final when its indexer wrote it)', async () => {
  const net = await network()
  await net.tick()
  const r1 = await net.request('pub', [{ name: 'c1', byteLength: GiB }])
  const upTo = (await getFresh(net.kv)).next
  const r2 = await net.request('pub', [{ name: 'c2', byteLength: GiB }])
  const ev = roundEvent(await net.round('boot', { upTo }))
  assert.deepEqual([ev.tried, ev.created], [1, 1])
  assert.equal((await net.agreements({ requestId: r1 })).length, 1)
  assert.equal((await net.agreements({ requestId: r2 })).length, 0, 'queued after upTo: waits for the next round')
  assert.deepEqual((await getFresh(net.kv)).entries.map(([id]) => id), [r2])
  assert.equal(roundEvent(await net.round('i2')).created, 1)
  assert.equal((await net.agreements({ requestId: r2 })).length, 1)
  // an upTo beyond the queue counts as the whole queue
  const r3 = await net.request('pub', [{ name: 'c3', byteLength: GiB }])
  assert.equal(roundEvent(await net.round('i3', { upTo: 1_000_000 })).created, 1)
  assert.equal((await net.agreements({ requestId: r3 })).length, 1)
})

test('the epoch beacon still verifies after rounds: the tick reveals the secret, R hashes from the commitment', async () => {
  const net = await network()
  await net.tick()
  const rounds = (await getMeta(net.kv))?.params.roundsPerEpoch ?? 0
  const e1 = await getEpoch(net.kv, 1)
  for (let i = 0; i < 3; i++) {
    await net.request('pub', [{ name: `c${i}`, byteLength: GiB }])
    await net.round('boot')
  }
  const chain = await getRoundChain(net.kv, net.hex('boot'))
  assert.equal(chain?.index, 3)
  // the last round link is not the secret: a tick revealing it is refused
  const tick = await net.tickOp('boot', 2) as Extract<Op, { type: 'tick' }>
  const bad = await net.apply('boot', { ...tick, reveal: Buffer.from(chain?.link ?? '', 'hex') })
  assert.ok(!bad.ok && bad.code === RejectCode.REVEAL_MISMATCH)
  assert.equal(await net.tick(), 2)
  const e2 = await getEpoch(net.kv, 2)
  assert.ok(e1 !== null && e2 !== null)
  assert.deepEqual([e2.reveals, e2.weak], [2, false], 'the two ticks that start it reveal; the third is late (as without rounds)')
  const reveals = e2.ticks.filter((t) => t.reveal !== '').map((t) => Buffer.from(t.reveal, 'hex'))
  assert.equal(e2.beacon, nextBeacon(Buffer.from(e1.beacon, 'hex'), reveals).toString('hex'))
  for (const t of e2.ticks.filter((x) => x.reveal !== '')) {
    const committed: string | undefined = e1.ticks.find((x) => x.indexer === t.indexer)?.commit
    assert.equal(hashChain(Buffer.from(t.reveal, 'hex'), rounds + 1).toString('hex'), committed, `${net.nameOf(t.indexer)} opened its chain`)
    assert.equal(chainCommit(Buffer.from(t.reveal, 'hex'), rounds).toString('hex'), committed)
  }
  // boot's secret hashes to its last round link in R − 3 steps: the rounds walked the committed chain
  const bootReveal = e2.ticks.find((t) => t.indexer === net.hex('boot'))?.reveal ?? ''
  assert.equal(hashChain(Buffer.from(bootReveal, 'hex'), rounds + 1 - 3).toString('hex'), chain?.link)
})

test('billing: an agreement matched mid-epoch is first challenged and billed in the next full epoch (its partial epoch is free)', async () => {
  const net = await network()
  await net.tick()
  await net.tick() // epoch 2, strong
  const req = await net.request('pub', [{ name: 'c1', byteLength: GiB }])
  await net.round('boot')
  await net.readyAll()
  const [agr] = await net.agreements({ requestId: req })
  assert.ok(agr !== undefined)
  assert.deepEqual([agr.state, agr.createdEpoch, agr.activeEpoch], ['active', 2, 2])
  assert.ok(!(await getEpoch(net.kv, 2))?.attested.includes(agr.id), 'not challenged in the epoch it was matched in')
  const start = (await net.account('pub')).balance
  await net.epochWith() // epoch 3 starts: epoch 2 settles, nothing to bill for agr
  assert.equal((await net.agreement(agr.id)).paidMicro, 0n)
  assert.equal((await net.account('pub')).balance, start, 'the partial epoch 2 is not billed')
  assert.ok((await getEpoch(net.kv, 3))?.attested.includes(agr.id), 'challenged from the next full epoch')
  await net.epochWith() // epoch 4 starts: epoch 3 settles
  const cost = epochCost(GiB, 3600, 1_000_000n)
  assert.equal((await net.agreement(agr.id)).paidMicro, cost)
  assert.equal((await net.account('pub')).balance, start - cost, 'one full epoch billed')
})

test('what a round cannot fill leaves the queue (one round, not one per interval) until an offer re-arms it or an epoch starts', async () => {
  const net = await network({ offers: false })
  await net.tick()
  const req = await net.request('pub', [{ name: 'c1', byteLength: GiB }])
  const ev = roundEvent(await net.round('boot'))
  assert.deepEqual([ev.tried, ev.created], [1, 0])
  assert.deepEqual((await getFresh(net.kv)).entries, [], 'nothing left for the next round')
  await net.offer('h1', 20 * GiB)
  assert.deepEqual((await getFresh(net.kv)).entries.map(([id]) => id), [req], 'a new offer re-arms the waiting request')
  assert.equal(roundEvent(await net.round('i2')).created, 1)
  // a strong epoch start tries every pending request and empties the queue
  const req2 = await net.request('pub', [{ name: 'c2', byteLength: GiB }])
  await net.offer('h2', 20 * GiB) // (h1 holds all a new hoster may hold until it proves more)
  assert.equal(await net.tick(), 2)
  assert.equal((await net.agreements({ requestId: req2 })).length, 1, 'matched at the strong epoch start')
  assert.deepEqual((await getFresh(net.kv)).entries, [])
})

test('a hoster\'s exit is repaired by a round before the epoch ends', async () => {
  const net = await network()
  await net.tick()
  const req = await net.request('pub', [{ name: 'c1', byteLength: GiB }])
  await net.round('boot')
  await net.readyAll()
  await net.tick()
  const [old] = await net.agreements({ requestId: req })
  assert.ok(old !== undefined)
  await net.ok(net.nameOf(old.hoster), { type: 'withdraw', time: net.time })
  assert.deepEqual((await getFresh(net.kv)).entries.map(([id]) => id), [req])
  const e = await net.epoch()
  assert.equal(roundEvent(await net.round('i2')).created, 1)
  const repl = (await net.agreements({ requestId: req })).find((a) => a.replaces === old.id)
  assert.ok(repl !== undefined && repl.createdEpoch === e && repl.hoster !== old.hoster)
})
