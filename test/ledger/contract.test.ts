import { test } from 'node:test'
import assert from 'node:assert/strict'
import { TestNet, GiB, coreKey } from './helpers.js'
import { getEpoch, getAttestation, getRequest, getRejected, getOffer, pinStatus, reputationPpm, getAccount, attestScorePpm, RejectCode } from '../../src/ledger/index.js'

const NAMES = ['boot', 'pub', 'h1', 'h2', 'h3', 'a1', 'a2', 'a3', 'a4']

/** A network where h1..h3 offer and pub requests one 1 GiB core with `replicas`, matched and active. */
async function hosted(replicas = 1, params = {}): Promise<{ net: TestNet; reqId: number }> {
  const net = await TestNet.create({ names: NAMES, params })
  for (const h of ['h1', 'h2', 'h3']) await net.offer(h, 10 * GiB, 'g-' + h)
  const reqId = await net.request('pub', [{ name: 'c1', byteLength: GiB }], { replicas })
  assert.equal(await net.tickStrong(), 2) // epoch 1 is weak (no reveal can be due); epoch 2: matched
  assert.equal(await net.readyAll(), replicas)
  await net.tick() // epoch 3: attestors selected
  return { net, reqId }
}

test('genesis: first op must be init-network; later init rejected; bootstrap is admin + indexer', async () => {
  const net = await TestNet.create({ names: ['boot'] })
  const boot = await net.account('boot')
  assert.equal(boot.indexer, true)
  assert.deepEqual(await net.indexers(), [net.hex('boot')])
  await net.rejected('boot', { type: 'init-network', time: 0, params: (await import('./helpers.js')).testParams() }, /already initialised/)
  const fresh = await TestNet.create({ names: ['x'] })
  // a second network: ops before genesis are rejected
  const other = new (await import('../../src/ledger/index.js')).MemoryKV()
  const { apply, encodeOp } = await import('../../src/ledger/index.js')
  const r = await apply(other, encodeOp({ type: 'withdraw', time: 0 }), { writerKey: fresh.m('x').key, opId: 'x:0' })
  assert.equal(r.ok, false)
  assert.ok(!r.ok && /not initialised/.test(r.reason))
  assert.equal((await getRejected(other, 'x:0'))?.reason, 'network not initialised')
})

test('admission: only writers act; add-writer by a writer; duplicates; admin-only policy; rate limit', async () => {
  const net = await TestNet.create({ names: ['boot', 'a'], params: { admissionsPerEpoch: 2 } })
  await net.rejected('stranger', { type: 'offer', time: 0, capacityBytes: 1, group: '', nodeKey: Buffer.alloc(32) }, /not a writer/)
  const res = await net.ok('a', { type: 'add-writer', time: 0, writerKey: net.m('b').key, indexer: false })
  assert.deepEqual(res.effects.membership, [{ addWriter: net.m('b').key, indexer: false }])
  await net.rejected('a', { type: 'add-writer', time: 0, writerKey: net.m('b').key, indexer: false }, /already a writer/)
  await net.ok('a', { type: 'add-writer', time: 0, writerKey: net.m('c').key, indexer: false })
  await net.rejected('a', { type: 'add-writer', time: 0, writerKey: net.m('d').key, indexer: false }, /rate limit/)
  await net.tick()
  await net.ok('boot', { type: 'add-writer', time: 0, writerKey: net.m('i').key, indexer: true }) // sole indexer
  await net.rejected('boot', { type: 'add-writer', time: 0, writerKey: net.m('j').key, indexer: true }, /sole indexer/)
  await net.ok('a', { type: 'add-writer', time: 0, writerKey: net.m('d').key, indexer: false }) // new epoch, new allowance
  const strict = await TestNet.create({ names: ['boot', 'a'], params: { admission: 1 } })
  await strict.rejected('a', { type: 'add-writer', time: 0, writerKey: strict.m('b').key, indexer: false }, /admin-only/)
  await strict.ok('boot', { type: 'add-writer', time: 0, writerKey: strict.m('b').key, indexer: false })
  const b = await strict.account('b')
  assert.equal(b.credit, 10_000_000n)
})

test('indexers: add/remove by majority vote of current indexers; the set never stays even', async () => {
  const net = await TestNet.create({ names: ['boot', 'i2', 'i3', 'w', 'v'], indexers: ['i2', 'i3'] })
  assert.equal((await net.indexers()).length, 3)
  const v1 = await net.ok('boot', { type: 'add-indexer', time: 0, writerKey: net.m('w').key })
  assert.deepEqual(v1.effects.membership, [])
  await net.rejected('boot', { type: 'add-indexer', time: 0, writerKey: net.m('w').key }, /duplicate vote/)
  await net.rejected('w', { type: 'add-indexer', time: 0, writerKey: net.m('w').key }, /only indexers/)
  // the vote passes: 4 would be even, so the first promotable member (v) is promoted with it
  const v2 = await net.ok('i2', { type: 'add-indexer', time: 0, writerKey: net.m('w').key })
  assert.deepEqual(v2.effects.membership, [{ addWriter: net.m('w').key, indexer: true }, { addWriter: net.m('v').key, indexer: true }])
  assert.equal((await net.indexers()).length, 5)
  // removal needs 3 of 5; 4 left would be even and nobody can be promoted: one more is demoted (the one
  // that ticked least recently, the later admitted on a tie: v)
  await net.ok('boot', { type: 'remove-indexer', time: 0, writerKey: net.m('i3').key })
  await net.ok('i2', { type: 'remove-indexer', time: 0, writerKey: net.m('i3').key })
  assert.equal((await net.indexers()).length, 5)
  const r = await net.ok('w', { type: 'remove-indexer', time: 0, writerKey: net.m('i3').key })
  assert.deepEqual(r.effects.membership, [{ addWriter: net.m('i3').key, indexer: false }, { addWriter: net.m('v').key, indexer: false }])
  assert.deepEqual(await net.indexers(), [net.hex('boot'), net.hex('i2'), net.hex('w')].sort())
  // adding one more would leave 4 with nobody else to promote (i3 and v were just removed … v may be
  // promoted again: it was not removed for silence) — so the add promotes v along
  await net.ok('boot', { type: 'add-indexer', time: 0, writerKey: net.m('i3').key })
  const r2 = await net.ok('i2', { type: 'add-indexer', time: 0, writerKey: net.m('i3').key })
  assert.equal(r2.effects.membership.length, 2)
  assert.equal((await net.indexers()).length, 5)
})

test('indexers: an add that would leave an even set with nobody to promote is refused (INDEXER_SET_EVEN)', async () => {
  const net = await TestNet.create({ names: ['boot', 'i2', 'i3', 'w'], indexers: ['i2', 'i3'] })
  await net.ok('boot', { type: 'add-indexer', time: 0, writerKey: net.m('w').key })
  const r = await net.apply('i2', { type: 'add-indexer', time: 0, writerKey: net.m('w').key })
  assert.ok(!r.ok && r.code === 'INDEXER_SET_EVEN', JSON.stringify(r))
  assert.equal((await net.indexers()).length, 3)
})

test('offer/request/match: agreements per core per replica, never the publisher, never two in one group, then ready', async () => {
  const net = await TestNet.create({ names: ['boot', 'pub', 'h1', 'h2', 'h3', 'h4'] })
  await net.offer('pub', 100 * GiB)
  await net.offer('h1', 100 * GiB, 'rack')
  await net.offer('h2', 100 * GiB, 'rack')
  await net.offer('h3', 100 * GiB)
  await net.offer('h4', 1) // too small
  const reqId = await net.request('pub', [{ name: 'c1', byteLength: GiB / 2 }, { name: 'c2', byteLength: GiB / 2 }], { replicas: 2 }) // h3 holds both: within its growth allowance (1 GiB, nothing proven yet)
  assert.equal(await pinStatus(net.kv, reqId), 'queued')
  await net.tick()
  assert.equal((await getEpoch(net.kv, 1))?.weak, true, 'epoch 1 is weak: no matching')
  assert.equal(await pinStatus(net.kv, reqId), 'queued')
  await net.tick()
  const ags = await net.agreements({ requestId: reqId })
  assert.equal(ags.length, 4)
  for (const core of [0, 1]) {
    const hs = ags.filter((a) => a.coreIndex === core).map((a) => net.nameOf(a.hoster))
    assert.equal(new Set(hs).size, 2)
    assert.ok(!hs.includes('pub') && !hs.includes('h4'))
    assert.ok(hs.includes('h3'), 'one replica outside the rack group')
    assert.ok(!(hs.includes('h1') && hs.includes('h2')), 'not two replicas in one group')
  }
  assert.ok(ags.every((a) => a.state === 'pinning'))
  assert.equal(await pinStatus(net.kv, reqId), 'pinning')
  const first = ags[0]!
  await net.rejected('pub', { type: 'ready', time: 0, agreementId: first.id, length: 100, byteLength: GiB / 2, fork: 0 }, /only the hoster/)
  await net.rejected(net.nameOf(first.hoster), { type: 'ready', time: 0, agreementId: first.id, length: 99, byteLength: GiB / 2, fork: 0 }, /records length 100/)
  await net.rejected(net.nameOf(first.hoster), { type: 'ready', time: 0, agreementId: first.id, length: 100, byteLength: GiB / 2, fork: 1 }, /records length 100/)
  await net.readyAll()
  assert.equal(await pinStatus(net.kv, reqId), 'pinned')
  await net.rejected(net.nameOf(first.hoster), { type: 'ready', time: 0, agreementId: first.id, length: 100, byteLength: GiB / 2, fork: 0 }, /nothing to acknowledge/)
  const h3 = await getOffer(net.kv, net.hex('h3'))
  assert.equal(h3?.usedBytes, GiB)
})

test('request validation: price above maxPrice, past until, duplicate cores', async () => {
  const net = await TestNet.create({ names: ['boot', 'pub'] })
  const core = { key: coreKey('x'), length: 1, byteLength: 1, fork: 0 }
  await net.rejected('pub', { type: 'request', time: 0, cores: [core], replicas: 1, until: 10, maxPrice: 1n }, /maxPrice/)
  await net.rejected('pub', { type: 'request', time: 0, cores: [core], replicas: 1, until: 0, maxPrice: 1n << 40n }, /future/)
  await net.rejected('pub', { type: 'request', time: 0, cores: [core, core], replicas: 1, until: 9, maxPrice: 1n << 40n }, /duplicate core/)
})

test('tick + beacon: majority starts the epoch, median time, commit–reveal checked, withheld recorded', async () => {
  const net = await TestNet.create({ names: ['boot', 'i2', 'i3'], indexers: ['i2', 'i3'], time: 1000 })
  await net.rejected('boot', { ...(await net.tickOp('boot', 1)), tickTime: 999 } as never, /before the current epoch/)
  // epoch 1: one tick is not a majority of 3
  await net.ok('boot', { ...(await net.tickOp('boot', 1)), tickTime: 5000 } as never)
  assert.equal(await net.epoch(), 0)
  await net.rejected('boot', await net.tickOp('boot', 1), /duplicate tick/)
  await net.rejected('boot', await net.tickOp('boot', 2), /tick for epoch 2/)
  await net.ok('i2', { ...(await net.tickOp('i2', 1)), tickTime: 9000 } as never)
  assert.equal(await net.epoch(), 1)
  const e1 = await getEpoch(net.kv, 1)
  assert.equal(e1?.time, 5000) // lower median of 5000, 9000
  // late tick for the current epoch is accepted (records its commitment)
  await net.ok('i3', await net.tickOp('i3', 1))
  // epoch 2: a bad reveal is rejected, a withheld one recorded
  net.time = 10_000
  await net.rejected('boot', await net.tickOp('boot', 2, { badReveal: true }), /reveal does not match/)
  await net.rejected('w', await net.tickOp('w', 2), /not a writer/)
  await net.ok('boot', await net.tickOp('boot', 2, { withhold: true }))
  await net.ok('i2', await net.tickOp('i2', 2))
  const e2 = await getEpoch(net.kv, 2)
  assert.equal(e2?.started, true)
  // boot withheld in its tick; i3 ticked epoch 1 late (after it started), committed for 2, and did not
  // tick 2 before it started: its commitment lapses on the record too
  assert.deepEqual(e2?.withheld, [net.hex('boot'), net.hex('i3')])
  assert.equal((await net.account('boot')).withheld, 1)
  assert.equal((await net.account('i3')).withheld, 1)
  assert.equal((await net.account('i3')).commit, '')
  assert.equal(e2?.reveals, 1)
  assert.equal(e2?.weak, true, 'one reveal of three indexers: weak')
  // the beacon is H(beacon_1 ‖ reveals in apply order): recompute it
  const { nextBeacon, secretFor } = await import('../../src/ledger/index.js')
  const expect = nextBeacon(Buffer.from(e1?.beacon ?? '', 'hex'), [secretFor(net.m('i2').beaconSeed, 2)])
  assert.equal(e2?.beacon, expect.toString('hex'))
  // a non-indexer may not tick
  const w = await TestNet.create({ names: ['boot', 'x'] })
  await w.rejected('x', await w.tickOp('x', 1), /only indexers/)
})

test('attestor selection: k per agreement, never the hoster, the publisher, or the hoster group', async () => {
  const net = await TestNet.create({ names: ['boot', 'pub', 'h1', 'h1b', 'h2', 'a1', 'a2', 'a3', 'a4', 'a5'] })
  await net.offer('h1', 10 * GiB, 'shared')
  await net.offer('h1b', 10 * GiB, 'shared')
  await net.offer('h2', 10 * GiB)
  const reqId = await net.request('pub', [{ name: 'c1', byteLength: GiB }], { replicas: 2 })
  await net.tickStrong()
  await net.readyAll()
  for (let i = 0; i < 5; i++) {
    const e = await net.tick()
    for (const a of await net.agreements({ requestId: reqId })) {
      const att = await getAttestation(net.kv, e, a.id)
      assert.ok(att !== null)
      assert.equal(att.attestors.length, 3)
      assert.equal(new Set(att.attestors).size, 3)
      assert.ok(!att.attestors.includes(a.hoster))
      assert.ok(!att.attestors.includes(a.publisher))
      if (a.hoster === net.hex('h1')) assert.ok(!att.attestors.includes(net.hex('h1b')))
      if (a.hoster === net.hex('h1b')) assert.ok(!att.attestors.includes(net.hex('h1')))
    }
  }
})

test('report authorization: unselected, duplicate, wrong epoch, late, unknown agreement are rejected', async () => {
  const { net } = await hosted()
  const e = await net.epoch()
  const [agr] = await net.agreements({ state: 'active' })
  assert.ok(agr)
  const att = (await getAttestation(net.kv, e, agr.id))!
  const selected = att.attestors.map((h) => net.nameOf(h))
  const outsider = NAMES.find((n) => !selected.includes(n) && net.hex(n) !== agr.hoster)!
  const result = await net.result(agr.id, selected[0]!, 'pass')
  await net.rejected(outsider, { type: 'report', time: 0, epoch: e, results: [result] }, /not a selected attestor/)
  await net.rejected(selected[0]!, { type: 'report', time: 0, epoch: e + 1, results: [result] }, /future epoch/)
  await net.rejected(selected[0]!, { type: 'report', time: 0, epoch: e, results: [result, result] }, /duplicate result/)
  await net.rejected(selected[0]!, { type: 'report', time: 0, epoch: e, results: [{ ...result, agreementId: 999 }] }, /not challenged/)
  await net.ok(selected[0]!, { type: 'report', time: 0, epoch: e, results: [result] })
  await net.rejected(selected[0]!, { type: 'report', time: 0, epoch: e, results: [result] }, /duplicate report/)
  await net.tick()
  await net.rejected(selected[1]!, { type: 'report', time: 0, epoch: e, results: [result] }, /late report/)
})

test('settlement: amounts exactly as DESIGN §5 (1 GiB × 1 h at 1 favor/GiB-h = 1,000,000 µ)', async () => {
  const { net } = await hosted()
  const [agr] = await net.agreements({ state: 'active' })
  assert.ok(agr)
  const e = await net.epoch()
  const att = (await getAttestation(net.kv, e, agr.id))!
  const before = await Promise.all(att.attestors.map((h) => getAccount(net.kv, h)))
  await net.epochWith()
  const pub = await net.account('pub')
  const hoster = await getAccount(net.kv, agr.hoster)
  assert.equal(pub.balance, -1_000_000n)
  assert.equal(hoster?.balance, 675_000n) // 90 % = 900,000, of which 25 % = 225,000 held back
  assert.equal(hoster?.heldBack, 225_000n)
  assert.equal((await net.agreement(agr.id)).held, 225_000n)
  const gains = await Promise.all(att.attestors.map(async (h, i) => (await getAccount(net.kv, h))!.balance - before[i]!.balance))
  assert.deepEqual(gains, [33_334n, 33_333n, 33_333n]) // 10 % split, remainder to the first
  assert.equal(hoster?.given, BigInt(GiB) * 3600n)
  assert.equal(pub.received, BigInt(GiB) * 3600n)
  const summary = (await getEpoch(net.kv, e))?.summary
  assert.equal(summary?.passed, 1)
  assert.equal(summary?.paidMicro, 1_000_000n)
})

test('no outcome: silence pays nothing and punishes nothing; a lone unreachable against a pass majority blocks pay and costs its attestor', async () => {
  const { net } = await hosted()
  const [agr] = await net.agreements({ state: 'active' })
  await net.epochWith(() => null)
  assert.equal((await net.account('pub')).balance, 0n)
  assert.equal((await net.agreement(agr!.id)).failStreak, 0)
  // one attestor out of three claims the hoster was unreachable while two reached it: not a sampling effect
  const e = await net.epoch()
  const att = (await getAttestation(net.kv, e, agr!.id))!
  const liar = net.nameOf(att.attestors[2]!)
  const before = await net.account(liar)
  const hBefore = await getAccount(net.kv, agr!.hoster)
  await net.epochWith((_a, who) => (who === liar ? 'unreachable' : 'pass'))
  const l = await net.account(liar)
  assert.ok(attestScorePpm(l) < attestScorePpm(before))
  assert.equal(l.beta, before.beta, 'the attestor score is separate from the hosting reputation')
  assert.equal(l.attestDisagreed, 1)
  const a = await net.agreement(agr!.id)
  assert.equal(a.passes, 0, 'pay needs no slow/unreachable')
  assert.equal(a.failStreak, 0, 'and the lone judgement is no failure')
  assert.deepEqual((await getAccount(net.kv, agr!.hoster))?.beta, hBefore?.beta)
})

test('missing counts on its own: one missing report fails the epoch; nobody is penalised for the pass/missing split', async () => {
  const { net } = await hosted()
  const [agr] = await net.agreements({ state: 'active' })
  const hosterName = net.nameOf(agr!.hoster)
  const e = await net.epoch()
  const att = (await getAttestation(net.kv, e, agr!.id))!
  const names = att.attestors.map((h) => net.nameOf(h))
  const [p1, p2, m] = names as [string, string, string]
  const before = await Promise.all(names.map((n) => net.account(n)))
  const hBefore = await net.account(hosterName)
  const pubBefore = (await net.account('pub')).balance
  await net.epochWith((_a, who) => (who === m ? 'missing' : 'pass'))
  const a = await net.agreement(agr!.id)
  assert.equal(a.failStreak, 1)
  assert.equal(a.warning, 'missing')
  assert.equal(a.passes, 0)
  assert.equal((await net.account('pub')).balance, pubBefore, 'a failing epoch is not billed')
  const h = await net.account(hosterName)
  assert.ok(h.beta > hBefore.beta, 'missing counts hard for the hoster at once')
  assert.equal(h.balance, hBefore.balance)
  const after = await Promise.all(names.map((n) => net.account(n)))
  for (const [i, n] of names.entries()) {
    assert.equal(after[i]!.attestDisagreed, 0, `${n} not penalised`)
    assert.equal(after[i]!.beta, before[i]!.beta, `${n} reputation untouched`)
  }
  assert.equal((await net.account(m)).attestAgreed, 1)
  assert.equal((await net.account(p1)).attestAgreed, 0)
  assert.equal((await net.account(p2)).attestAgreed, 0)
  assert.equal((await getEpoch(net.kv, e))?.summary?.failed, 1)
  // a lone missing with the other two silent still decides (no quorum needed for evidence of loss)
  const e2 = await net.epoch()
  const att2 = (await getAttestation(net.kv, e2, agr!.id))!
  const only = net.nameOf(att2.attestors[0]!)
  await net.epochWith((_a, who) => (who === only ? 'missing' : null))
  assert.equal((await net.agreement(agr!.id)).failStreak, 2)
  // a pass majority with a minority slow/unreachable passes; one missing among them still fails the agreement
  const e3 = await net.epoch()
  const att3 = (await getAttestation(net.kv, e3, agr!.id))!
  const [x, y, z] = att3.attestors.map((hx) => net.nameOf(hx)) as [string, string, string]
  await net.epochWith((_a, who) => (who === x ? 'missing' : who === y ? 'unreachable' : who === z ? 'pass' : null))
  const ended = await net.agreement(agr!.id)
  assert.equal(ended.state, 'ended')
  assert.equal(ended.endReason, 'failed')
  assert.equal((await net.account(y)).attestDisagreed, 0)
  assert.equal((await net.account(z)).attestDisagreed, 0)
})

test('held-back share: released after a clean record, forfeited to the publisher when data is lost', async () => {
  const { net } = await hosted(1, { heldBackEpochs: 2 })
  const [agr] = await net.agreements({ state: 'active' })
  const hosterName = net.nameOf(agr!.hoster)
  await net.epochWith()
  assert.equal((await net.account(hosterName)).heldBack, 225_000n)
  await net.epochWith() // second clean epoch → release
  const h = await net.account(hosterName)
  assert.equal(h.heldBack, 0n)
  assert.equal(h.balance, 1_800_000n)
  // forfeit: one more pass (225,000 held), then three missing epochs
  await net.epochWith()
  assert.equal((await net.agreement(agr!.id)).held, 225_000n)
  const pubBefore = (await net.account('pub')).balance
  for (let i = 0; i < 3; i++) await net.epochWith(() => 'missing')
  const ended = await net.agreement(agr!.id)
  assert.equal(ended.state, 'ended')
  assert.equal(ended.endReason, 'failed')
  assert.equal((await net.account('pub')).balance, pubBefore + 225_000n)
  assert.equal((await net.account(hosterName)).heldBack, 0n)
})

test('three failing epochs end the agreement and a new hoster is matched; failing epochs unpaid', async () => {
  const { net, reqId } = await hosted()
  const [agr] = await net.agreements({ state: 'active' })
  const bad = agr!.hoster
  const balBefore = (await getAccount(net.kv, bad))!.balance
  await net.epochWith(() => 'unreachable')
  let a = await net.agreement(agr!.id)
  assert.equal(a.failStreak, 1)
  assert.equal(a.warning, 'unreachable')
  assert.ok((await getAccount(net.kv, bad))!.warnings.includes('unreachable'))
  await net.epochWith(() => 'missing')
  await net.epochWith(() => 'missing')
  a = await net.agreement(agr!.id)
  assert.equal(a.state, 'ended')
  assert.equal(a.endReason, 'failed')
  assert.equal((await getAccount(net.kv, bad))!.balance, balBefore)
  const req = (await getRequest(net.kv, reqId))!
  assert.ok(req.failedHosters.includes(bad))
  // repair is matched on the epoch that settled the third failure (same tick)
  const repl = (await net.agreements({ requestId: reqId })).filter((x) => x.id !== agr!.id)
  assert.equal(repl.length, 1)
  assert.notEqual(repl[0]!.hoster, bad)
  assert.equal(req.slots[0]![0], repl[0]!.id)
})

test('reputation: unreachable warns first, missing counts hard at once', async () => {
  const { net } = await hosted()
  const [agr] = await net.agreements({ state: 'active' })
  const name = net.nameOf(agr!.hoster)
  const r0 = await net.account(name)
  await net.epochWith(() => 'unreachable')
  const r1 = await net.account(name)
  assert.deepEqual([r1.alpha, r1.beta], [r0.alpha, r0.beta], 'first unreachable is a warning only')
  await net.epochWith() // pass resets the streak
  const r2 = await net.account(name)
  assert.ok(reputationPpm(r2) > reputationPpm(r1))
  await net.epochWith(() => 'missing')
  const r3 = await net.account(name)
  assert.ok(r3.beta > r2.beta, 'missing counts at once')
})

test('credit limit: a publisher out of credit is paused, then ended; a transfer resumes it', async () => {
  // welcome credit 2.5 favor: two epochs of 1 GiB, then out of credit
  const { net } = await hosted(1, { welcomeCreditMicro: 2_500_000n, pausedEpochsToEnd: 3 })
  const [agr] = await net.agreements({ state: 'active' })
  await net.epochWith()
  await net.epochWith()
  assert.equal((await net.account('pub')).balance, -2_000_000n)
  assert.equal((await net.agreement(agr!.id)).state, 'paused')
  assert.ok((await net.account('pub')).warnings.includes('out-of-credit'))
  // paused: not challenged, not billed
  assert.equal(await getAttestation(net.kv, await net.epoch(), agr!.id), null)
  await net.epochWith()
  assert.equal((await net.account('pub')).balance, -2_000_000n)
  // a friend pays: resumes at the next epoch
  const boot = net.nameOf(agr!.hoster)
  await net.ok(boot, { type: 'transfer', time: 0, to: net.m('pub').key, amount: 600_000n })
  await net.tick()
  assert.equal((await net.agreement(agr!.id)).state, 'active')
  assert.ok(!(await net.account('pub')).warnings.includes('out-of-credit'))
  await net.epochWith()
  // now out again: paused 3 epochs → ended
  for (let i = 0; i < 4; i++) await net.tick()
  const a = await net.agreement(agr!.id)
  assert.equal(a.state, 'ended')
  assert.equal(a.endReason, 'out-of-credit')
  assert.ok((await net.account('pub')).balance >= -2_500_000n)
})

test('transfer, sponsor lines and set-limit: escrow, drawing order, limits', async () => {
  const { net } = await hosted()
  const [agr] = await net.agreements({ state: 'active' })
  const H = net.nameOf(agr!.hoster)
  await net.epochWith()
  assert.equal((await net.account('pub')).balance, -1_000_000n)
  assert.equal((await net.account(H)).balance, 675_000n)
  await net.rejected('pub', { type: 'transfer', time: 0, to: net.m('a1').key, amount: 1n }, /insufficient balance/) // credit is not transferable
  await net.rejected(H, { type: 'transfer', time: 0, to: net.m(H).key, amount: 1n }, /yourself/)
  await net.rejected(H, { type: 'transfer', time: 0, to: net.m('nobody').key, amount: 1n }, /no such account/)
  // H's favor was paid out of pub's welcome credit: locked until pub repays (credit.ts, docs/sybil.md)
  await net.rejected(H, { type: 'transfer', time: 0, to: net.m('a4').key, amount: 100n }, /transferable/)
  await net.rejected(H, { type: 'sponsor', time: 0, to: net.m('a4').key, amount: 100n }, /welcome credit|insufficient/)
  assert.equal((await net.account(H)).lockedFrom[net.hex('pub')], 900_000n, 'the hoster share (now + held back) is locked')
  // sending it back to its drawer is repayment, always allowed
  await net.ok(H, { type: 'transfer', time: 0, to: net.m('pub').key, amount: 100n })
  assert.equal((await net.account('pub')).balance, -999_900n)
  assert.equal((await net.account(H)).lockedFrom[net.hex('pub')], 899_900n)
  // the escrow mechanics with favor that is transferable: test/ledger/sybil.test.ts
})

test('cancel only by the author; ends agreements and releases held-back shares', async () => {
  const { net, reqId } = await hosted()
  const [agr] = await net.agreements({ state: 'active' })
  await net.epochWith()
  await net.rejected('h1', { type: 'cancel', time: 0, requestId: reqId }, /only the request author/)
  await net.rejected('pub', { type: 'cancel', time: 0, requestId: 99 }, /no such request/)
  const H = net.nameOf(agr!.hoster)
  await net.ok('pub', { type: 'cancel', time: 0, requestId: reqId })
  const a = await net.agreement(agr!.id)
  assert.equal(a.state, 'ended')
  assert.equal(a.endReason, 'cancelled')
  assert.equal((await net.account(H)).balance, 900_000n) // held-back released
  assert.equal((await getRequest(net.kv, reqId))?.state, 'cancelled')
  assert.equal(await pinStatus(net.kv, reqId), 'failed')
  await net.rejected('pub', { type: 'cancel', time: 0, requestId: reqId }, /already cancelled/)
  assert.equal((await getOffer(net.kv, agr!.hoster))?.usedBytes, 0)
})

test('until: a request expires after its last epoch', async () => {
  const net = await TestNet.create({ names: NAMES })
  await net.offer('h1', 10 * GiB)
  const reqId = await net.request('pub', [{ name: 'c', byteLength: GiB }], { until: 4 })
  await net.tickStrong() // 2: matched
  await net.readyAll()
  await net.tick() // 3: challenged
  await net.epochWith() // 4: settles 3
  assert.equal((await getRequest(net.kv, reqId))?.state, 'active')
  await net.epochWith() // 5: settles 4, expires
  assert.equal((await getRequest(net.kv, reqId))?.state, 'expired')
  assert.equal((await net.agreements({ requestId: reqId }))[0]?.endReason, 'expired')
  assert.equal((await net.account('pub')).balance, -2_000_000n) // epochs 3 and 4
})

test('withdraw: repair elsewhere, keep serving until the replacement is ready, then released with held-back', async () => {
  const { net, reqId } = await hosted()
  const [agr] = await net.agreements({ state: 'active' })
  const H = net.nameOf(agr!.hoster)
  await net.epochWith()
  await net.ok(H, { type: 'withdraw', time: 0 })
  await net.rejected(H, { type: 'withdraw', time: 0 }, /no offer/)
  assert.equal((await net.agreement(agr!.id)).exiting, true)
  await net.epochWith() // still paid this epoch; replacement matched
  assert.equal((await net.account(H)).balance, 675_000n * 2n)
  const repl = (await net.agreements({ requestId: reqId })).find((x) => x.id !== agr!.id)
  assert.ok(repl && repl.state === 'pinning' && repl.hoster !== agr!.hoster)
  assert.equal((await net.agreement(agr!.id)).state, 'active')
  await net.readyAll()
  const old = await net.agreement(agr!.id)
  assert.equal(old.state, 'ended')
  assert.equal(old.endReason, 'withdrawn')
  assert.equal((await net.account(H)).balance, 900_000n * 2n) // held-back released, no penalty
  assert.equal((await getRequest(net.kv, reqId))?.slots[0]?.[0], repl.id)
})

test('grow: billing follows the challenged byte length, which moves on the hoster\'s ack; only the author', async () => {
  const { net, reqId } = await hosted()
  const [agr] = await net.agreements({ state: 'active' })
  const H = net.nameOf(agr!.hoster)
  await net.rejected('h1', { type: 'grow', time: 0, requestId: reqId, coreKey: coreKey('c1'), length: 200, byteLength: 2 * GiB, fork: 0 }, /only the request author/)
  await net.rejected('pub', { type: 'grow', time: 0, requestId: reqId, coreKey: coreKey('c1'), length: 50, byteLength: 2 * GiB, fork: 0 }, /shrink/)
  await net.ok('pub', { type: 'grow', time: 0, requestId: reqId, coreKey: coreKey('c1'), length: 200, byteLength: 2 * GiB, fork: 0 })
  const g = await net.agreement(agr!.id)
  assert.equal(g.byteLength, 2 * GiB)
  assert.equal(g.challengedByteLength, GiB)
  assert.equal((await getOffer(net.kv, agr!.hoster))?.usedBytes, 2 * GiB)
  await net.epochWith() // settles the epoch selected before the grow: 1 GiB
  assert.equal((await net.account('pub')).balance, -1_000_000n)
  assert.equal((await net.attestation(agr!.id)).length, 100, 'not acknowledged: still challenged at 100 blocks')
  await net.rejected(H, { type: 'ready', time: 0, agreementId: agr!.id, length: 150, byteLength: 2 * GiB, fork: 0 }, /records length 200/)
  await net.ok(H, { type: 'ready', time: 0, agreementId: agr!.id, length: 200, byteLength: 2 * GiB, fork: 0 })
  await net.epochWith() // settles an epoch selected before the ack: 1 GiB
  assert.equal((await net.account('pub')).balance, -2_000_000n)
  assert.equal((await net.attestation(agr!.id)).length, 200)
  await net.epochWith()
  assert.equal((await net.account('pub')).balance, -4_000_000n)
})

test('unvetted hosters: a network with fewer than BOOTSTRAP_VETTED_HOSTERS vetted hosters places every replica (bootstrap)', async () => {
  // the strict one-unvetted-replica rule (eligibleHoster with relaxUnvetted false) is covered in prng.test.ts
  const net = await TestNet.create({ names: NAMES, params: { unvettedEpochs: 5 } })
  for (const h of ['h1', 'h2', 'h3']) await net.offer(h, 10 * GiB)
  const reqId = await net.request('pub', [{ name: 'c', byteLength: GiB }], { replicas: 3 })
  await net.tickStrong()
  const ags = await net.agreements({ requestId: reqId })
  assert.equal(ags.length, 3)
  assert.equal(new Set(ags.map((a) => a.hoster)).size, 3)
})

test('determinism: the same ops give the same digest; a different op a different one', async () => {
  async function run(extra: boolean): Promise<string> {
    const { net } = await hosted(2)
    await net.epochWith((_a, who) => (who === 'a1' ? 'missing' : 'pass'))
    await net.epochWith()
    if (extra) await net.ok('pub', { type: 'transfer', time: 0, to: net.m('a1').key, amount: 0n }).catch(() => undefined)
    if (extra) await net.offer('a2', GiB)
    return net.digest()
  }
  const d1 = await run(false)
  const d2 = await run(false)
  const d3 = await run(true)
  assert.equal(d1, d2)
  assert.notEqual(d1, d3)
})

test('atomicity: a rejected op leaves none of its staged writes; an internal error is recorded as internal', async () => {
  const { net } = await hosted()
  const e = await net.epoch()
  const [agr] = await net.agreements({ state: 'active' })
  const att = (await getAttestation(net.kv, e, agr!.id))!
  const who = net.nameOf(att.attestors[0]!)
  const good = await net.result(agr!.id, who, 'pass')
  await net.rejected(who, { type: 'report', time: 0, epoch: e, results: [good, { ...good, agreementId: 12345 }] }, /not challenged/)
  assert.equal((await getAttestation(net.kv, e, agr!.id))?.results[0], null, 'first result not kept')
  await net.ok(who, { type: 'report', time: 0, epoch: e, results: [good] })
  // corrupt a record: the next op touching it fails inside apply and is recorded as internal
  const { MemoryKV } = await import('../../src/ledger/index.js')
  assert.ok(net.kv instanceof MemoryKV)
  net.kv.map.set(`acct/${net.hex('a4')}`, Buffer.from('{not json'))
  const r = await net.apply('a4', { type: 'withdraw', time: 0 })
  assert.equal(r.ok, false)
  // stored with a code and a fixed reason, never the engine's text (JSON.parse's message differs by Node version)
  assert.ok(!r.ok && r.code === RejectCode.INTERNAL, !r.ok ? r.reason : '')
  assert.ok(!r.ok && r.reason === 'internal error (a contract bug or a corrupt record); the op changed nothing', !r.ok ? r.reason : '')
  assert.ok(!r.ok && r.cause instanceof Error, 'the cause is handed to the caller for its log, not stored')
  const stored = await getRejected(net.kv, `${net.hex('a4')}:${net.m('a4').seq - 1}`)
  assert.deepEqual(stored === null ? null : { code: stored.code, reason: stored.reason }, { code: RejectCode.INTERNAL, reason: r.ok ? '' : r.reason })
})

test('pinning timeout: no ready within pinningEpochs ends the agreement (not-ready) and re-matches the slot elsewhere', async () => {
  const net = await TestNet.create({ names: NAMES, params: { pinningEpochs: 2 } })
  for (const h of ['h1', 'h2', 'h3']) await net.offer(h, 10 * GiB, 'g-' + h)
  const reqId = await net.request('pub', [{ name: 'c1', byteLength: GiB }])
  await net.tickStrong() // epoch 2: matched, pinning
  const [first] = await net.agreements({ requestId: reqId })
  assert.ok(first !== undefined && first.state === 'pinning' && first.createdEpoch === 2)
  const slow = net.nameOf(first.hoster)
  const before = await net.account(slow)
  await net.tick() // epoch 3: still within the window
  assert.equal((await net.agreement(first.id)).state, 'pinning')
  assert.equal(await net.tick(), 4) // epoch 4 = createdEpoch + pinningEpochs: timed out
  const ended = await net.agreement(first.id)
  assert.equal(ended.state, 'ended')
  assert.equal(ended.endReason, 'not-ready')
  assert.equal(ended.endedEpoch, 4)
  const h = await net.account(slow)
  assert.ok(h.beta > before.beta && reputationPpm(h) < reputationPpm(before), 'reputation hit')
  assert.ok(h.warnings.includes('unreachable'))
  const off = await getOffer(net.kv, h.id)
  assert.equal(off?.usedBytes, 0)
  assert.deepEqual(off?.agreements, [])
  const req = (await getRequest(net.kv, reqId))!
  assert.ok(req.failedHosters.includes(h.id))
  // re-matched in the same tick, on another hoster
  const repl = (await net.agreements({ requestId: reqId })).filter((a) => a.id !== first.id)
  assert.equal(repl.length, 1)
  assert.notEqual(repl[0]!.hoster, first.hoster)
  assert.equal(repl[0]!.state, 'pinning')
  assert.equal(req.slots[0]![0], repl[0]!.id)
  assert.equal(await pinStatus(net.kv, reqId), 'pinning')
  await net.rejected(slow, { type: 'ready', time: 0, agreementId: first.id, length: 100, byteLength: GiB, fork: 0 }, /agreement is ended/)
  await net.readyAll()
  assert.equal(await pinStatus(net.kv, reqId), 'pinned')
  await net.tick()
  await net.tick()
  assert.equal((await net.agreement(repl[0]!.id)).state, 'active', 'an active agreement never times out')
})

test('pinning timeout: a replacement for a withdrawing hoster that never gets ready is itself replaced', async () => {
  const { net, reqId } = await hosted(1, { pinningEpochs: 1 })
  const [agr] = await net.agreements({ state: 'active' })
  await net.ok(net.nameOf(agr!.hoster), { type: 'withdraw', time: 0 })
  await net.epochWith() // replacement matched
  const r1 = (await net.agreements({ requestId: reqId, state: 'pinning' }))[0]
  assert.ok(r1 !== undefined && r1.replaces === agr!.id)
  await net.epochWith() // r1 never posted ready: not-ready, another replacement matched
  assert.equal((await net.agreement(r1.id)).endReason, 'not-ready')
  const old = await net.agreement(agr!.id)
  assert.equal(old.state, 'active', 'the exiting hoster keeps serving')
  assert.ok(old.exiting && old.replacedBy !== 0 && old.replacedBy !== r1.id)
  const r2 = await net.agreement(old.replacedBy)
  assert.equal(r2.state, 'pinning')
  assert.ok(r2.hoster !== r1.hoster && r2.hoster !== agr!.hoster)
})
