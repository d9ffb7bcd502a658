// Sybil resistance in the contract (issue 11, docs/sybil.md): invites and their bad inputs, sponsor lines,
// welcome-credit laundering, sponsor lineages for replicas and attestors, proven capacity, vetting across
// lineages, and a small network that places its replicas or says why not.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Admission, checkInvariants, owes, digestEntries, explainRequest, getAttestation, inviteHash, MemoryKV, RejectCode } from '../../src/ledger/index.js'
import type { Op } from '../../src/ledger/index.js'
import { blake2b } from '../../src/stack/crypto.js'
import { GiB, TestNet } from './helpers.js'

/** The state without the rejection records: a refused op must leave it unchanged. */
function state(net: TestNet): string {
  assert.ok(net.kv instanceof MemoryKV)
  return digestEntries(net.kv.entries().filter(([k]) => !k.startsWith('rejected/'))).toString('hex')
}

async function refusedWith(net: TestNet, who: string, op: Op, code: string): Promise<void> {
  const before = state(net)
  const r = await net.apply(who, op)
  assert.equal(r.ok, false, `${op.type} should be refused`)
  assert.ok(!r.ok && r.code === code, `expected ${code}, got ${r.ok ? 'ok' : `${r.code}: ${r.reason}`}`)
  assert.equal(state(net), before, `${op.type} refused with ${code} changed nothing`)
}

const secret = (name: string): Buffer => blake2b(Buffer.from(`invite/${name}`))

test('invites: single use, expiring, the inviter is the sponsor; bad input refused with stable codes, nothing changes', async () => {
  const net = await TestNet.create({ names: ['boot', 'm'] })
  assert.equal((await net.account('m')).sponsor, net.hex('boot'))
  const s1 = secret('s1')
  const invite = (s: Buffer, credit = 0n, expiresEpoch = 5): Op => ({ type: 'invite', time: 0, hash: inviteHash(s), credit, expiresEpoch })
  const redeem = (who: string, s: Buffer): Op => ({ type: 'redeem', time: 0, writerKey: net.m(who).key, secret: s })
  await refusedWith(net, 'm', invite(s1, 1n), RejectCode.SPONSOR_LINE_OVER_BALANCE) // m has no balance
  await refusedWith(net, 'm', invite(s1, 0n, 0), RejectCode.INVITE_EXPIRED)
  await net.ok('m', invite(s1))
  await refusedWith(net, 'm', invite(s1), RejectCode.INVITE_DUPLICATE)
  await refusedWith(net, 'boot', redeem('x', secret('wrong')), RejectCode.INVITE_INVALID)
  const r = await net.ok('boot', redeem('x', s1)) // any writer relays; m vouches
  assert.ok(r.effects.membership.some((e) => 'addWriter' in e && e.addWriter.equals(net.m('x').key)))
  const x = await net.account('x')
  assert.equal(x.sponsor, net.hex('m'))
  assert.equal(x.lineage, net.hex('m'), "m's invitees are of m's lineage")
  assert.equal((await net.account('m')).lineage, '', "the admin's invitees start their own lineage")
  await refusedWith(net, 'boot', redeem('y', s1), RejectCode.INVITE_USED)
  await refusedWith(net, 'x', redeem('x', secret('s2')), RejectCode.INVITE_INVALID)
  const s3 = secret('s3')
  await net.ok('m', invite(s3, 0n, 1))
  await net.tick()
  await net.tick()
  await refusedWith(net, 'boot', redeem('z', s3), RejectCode.INVITE_EXPIRED)
  await refusedWith(net, 'boot', { type: 'add-writer', time: 0, writerKey: net.m('x').key, indexer: false }, RejectCode.ALREADY_MEMBER)
  const strict = await TestNet.create({ names: ['boot', 'a'], params: { admission: Admission.adminOnly } })
  await refusedWith(strict, 'a', { type: 'add-writer', time: 0, writerKey: strict.m('b').key, indexer: false }, RejectCode.NOT_ADMIN)
  await refusedWith(strict, 'a', invite(secret('s4')), RejectCode.NOT_ADMIN)
  assert.equal(await checkInvariants(net.kv), null)
})

/** `n` fresh identities each publish a 1 GiB core that only `X` can host; every epoch passes. */
async function laundering(n: number, epochs: number): Promise<TestNet> {
  const ids = Array.from({ length: n }, (_, i) => `s${i}`)
  const net = await TestNet.create({ names: ['boot', 'X', 'a1', 'a2', 'a3', 'out', ...ids], params: { welcomeCreditMicro: 10_000_000n } })
  await net.offer('X', 100 * GiB)
  for (const s of ids) await net.request(s, [{ name: `core-${s}`, byteLength: GiB }])
  await net.tickStrong()
  await net.readyAll()
  await net.tick()
  for (let e = 0; e < epochs; e++) {
    await net.readyAll() // agreements matched as X's proven capacity grows
    await net.epochWith()
    assert.equal(await checkInvariants(net.kv), null, `epoch ${e}`)
  }
  return net
}

test('laundering: favor paid out of fresh identities\' welcome credit stays locked on the hoster; it cannot transfer or escrow it', async () => {
  const net = await laundering(8, 14)
  const X = await net.account('X')
  assert.ok(X.balance > 10_000_000n, `the hoster earned ${X.balance} µfavor`)
  await refusedWith(net, 'X', { type: 'transfer', time: 0, to: net.m('out').key, amount: 1n }, RejectCode.TRANSFER_LOCKED)
  await refusedWith(net, 'X', { type: 'sponsor', time: 0, to: net.m('out').key, amount: 1n }, RejectCode.SPONSOR_LINE_OVER_BALANCE)
  await refusedWith(net, 'X', { type: 'invite', time: 0, hash: inviteHash(secret('l')), credit: 1n, expiresEpoch: 1000 }, RejectCode.SPONSOR_LINE_OVER_BALANCE)
  // the attestors' fees came out of the same credit: locked too
  for (const a of ['a1', 'a2', 'a3']) {
    const acct = await net.account(a)
    if (acct.balance > 0n) await refusedWith(net, a, { type: 'transfer', time: 0, to: net.m('out').key, amount: 1n }, RejectCode.TRANSFER_LOCKED)
  }
  // paying a drawer back is repayment: allowed, and it unlocks nothing else
  await net.ok('X', { type: 'transfer', time: 0, to: net.m('s0').key, amount: 1_000_000n })
  await refusedWith(net, 'X', { type: 'transfer', time: 0, to: net.m('out').key, amount: 1n }, RejectCode.TRANSFER_LOCKED)
  assert.equal(await checkInvariants(net.kv), null)
})

test('mutual hosting nets welcome-credit debts out; nothing becomes transferable that nobody paid for', async () => {
  const net = await TestNet.create({ names: ['boot', 'pub', 'H', 'a1', 'a2', 'a3'], params: { welcomeCreditMicro: 10_000_000n } })
  await net.offer('H', GiB)
  await net.offer('pub', GiB)
  await net.request('pub', [{ name: 'p', byteLength: GiB }]) // → H, paid out of pub's credit
  await net.request('H', [{ name: 'h', byteLength: GiB }]) // → pub, paid first with what H earned from pub
  await net.tickStrong()
  await net.readyAll()
  await net.tick()
  for (let e = 0; e < 3; e++) {
    await net.epochWith()
    assert.equal(await checkInvariants(net.kv), null)
  }
  const pub = await net.account('pub')
  const H = await net.account('H')
  // each paid 3 epochs (3 favor); what came back to its drawer is repayment, so each owes far less than it paid
  assert.ok(owes(pub) < 3_000_000n && owes(H) < 3_000_000n, `pub owes ${owes(pub)}, H owes ${owes(H)}`)
  for (const who of ['pub', 'H']) {
    const bal = (await net.account(who)).balance
    await refusedWith(net, who, { type: 'transfer', time: 0, to: net.m('a1').key, amount: 1n }, bal >= 1n ? RejectCode.TRANSFER_LOCKED : RejectCode.INSUFFICIENT_BALANCE)
  }
})

/** boot admits `syb` and `h1`; syb vouches for syb1 and syb2 itself: one lineage of three accounts. */
async function sybilNet(params = {}): Promise<TestNet> {
  const net = await TestNet.create({ names: ['boot', 'pub', 'h1', 'a1', 'a2', 'a3', 'syb'], params })
  for (const s of ['syb1', 'syb2']) await net.ok('syb', { type: 'add-writer', time: 0, writerKey: net.m(s).key, indexer: false })
  for (const h of ['h1', 'syb', 'syb1', 'syb2']) await net.offer(h, 1024 * 1024 * GiB) // a PiB declared each
  return net
}

test('lineage: replicas of one core never go to two accounts of one sponsor lineage nor to the publisher\'s; attestors never of either; the publisher is told why', async () => {
  const net = await sybilNet()
  const lineage = async (h: string): Promise<string> => { const a = await net.account(net.nameOf(h)); return a.lineage === '' ? a.id : a.lineage }
  const reqId = await net.request('pub', [{ name: 'c', byteLength: GiB / 4 }], { replicas: 3 })
  await net.tickStrong()
  const ags = await net.agreements({ requestId: reqId })
  assert.equal(ags.length, 2, 'h1 and one account of the syb lineage; the third slot stays open')
  const lins = await Promise.all(ags.map((a) => lineage(a.hoster)))
  assert.equal(new Set(lins).size, 2)
  assert.ok(ags.some((a) => a.hoster === net.hex('h1')))
  const why = await explainRequest(net.kv, reqId)
  assert.equal(why?.code, 'NO_ELIGIBLE_HOSTER')
  assert.match(why?.details ?? '', /lineage/)
  assert.match(why?.details ?? '', /would fill it/)
  // a syb-lineage publisher: no replica in its own lineage
  const own = await net.request('syb1', [{ name: 'own', byteLength: GiB / 4 }], { replicas: 3 })
  await net.tickStrong()
  const mine = await net.agreements({ requestId: own })
  assert.deepEqual(mine.map((a) => a.hoster), [net.hex('h1')])
  // attestors: never of the hoster's or the publisher's lineage
  await net.readyAll()
  const e = await net.tick()
  const sybLineage = net.hex('syb')
  for (const a of [...ags, ...mine]) {
    const att = await getAttestation(net.kv, e, a.id)
    assert.ok(att !== null && att.attestors.length > 0)
    for (const x of att.attestors) {
      const l = await lineage(x)
      assert.notEqual(l, await lineage(a.hoster))
      assert.notEqual(l, await lineage(a.publisher))
      if (a.publisher === net.hex('syb1') || (await lineage(a.hoster)) === sybLineage) assert.notEqual(l, sybLineage)
    }
  }
})

test('proven capacity: declared petabytes do not buy weight; one growth allowance per lineage, split over its identities; a hoster holds at most max(2 × proven, its allowance), growing as it passes', async () => {
  const net = await sybilNet()
  const sizes = Array.from({ length: 6 }, (_, i) => ({ name: `big${i}`, byteLength: GiB / 2 }))
  const reqId = await net.request('pub', sizes, { replicas: 1 })
  await net.tickStrong()
  const held = async (h: string): Promise<number> => (await net.agreements({ requestId: reqId })).filter((a) => a.hoster === net.hex(h) && a.state !== 'ended').length
  // nothing proven, whatever they declared: h1 (its own lineage) holds its 1 GiB allowance, 2 cores of 1/2 GiB;
  // syb, syb1 and syb2 (one lineage) share one allowance, a third each: each may take one core beyond it, no more
  assert.equal(await held('h1'), 2)
  for (const h of ['syb', 'syb1', 'syb2']) assert.equal(await held(h), 1, `${h} holds ${await held(h)}`)
  assert.equal((await net.agreements({ requestId: reqId })).length, 5, 'the sixth core waits for proven capacity')
  await net.readyAll()
  await net.tick()
  const challenged = await held('h1')
  await net.epochWith()
  const h1 = await net.account('h1')
  assert.equal(h1.provenBytes, challenged * (GiB / 2), 'proven = the bytes it passed challenges for in one epoch')
  // what they proved lets them grow: the sixth core is placed, nobody beyond max(2 × proven, its allowance)
  assert.equal((await net.agreements({ requestId: reqId })).length, 6)
  for (const h of ['h1', 'syb', 'syb1', 'syb2']) {
    const a = await net.account(h)
    assert.ok((await held(h)) * (GiB / 2) <= Math.max(2 * a.provenBytes, GiB / 3) + GiB / 2, `${h} holds ${await held(h)} cores, proved ${a.provenBytes}`)
  }
})

test('vetting: passes for one\'s own lineage never vet; epochs count once whatever the number of agreements', async () => {
  const net = await sybilNet({ unvettedEpochs: 2 })
  // syb publishes many tiny cores: only its own lineage (and h1) can be excluded from them; h1 hosts for syb
  await net.request('syb', Array.from({ length: 4 }, (_, i) => ({ name: `tiny${i}`, byteLength: 4096 })), { replicas: 1 })
  await net.request('pub', [{ name: 'p', byteLength: 4096 }], { replicas: 2 })
  await net.tickStrong()
  await net.readyAll()
  await net.tick()
  for (let i = 0; i < 3; i++) {
    await net.readyAll()
    await net.epochWith()
  }
  const h1 = await net.account('h1')
  assert.ok(h1.vetEpochs <= 4, `h1 counted ${h1.vetEpochs} epochs, not one per agreement`)
  assert.ok(h1.passedEpochs >= h1.vetEpochs)
  for (const s of ['syb1', 'syb2']) {
    const a = await net.account(s)
    // whatever syb's cores they hosted counted nothing: same lineage
    assert.ok(a.vetLineages.every((l) => l !== net.hex('syb')), `${s} vetted by its own lineage`)
  }
})

test('a small network places its replicas: 3 members, replicas 2, nobody vetted yet (bootstrap rule)', async () => {
  const net = await TestNet.create({ names: ['admin', 'b', 'c'], params: { unvettedEpochs: 24 } })
  await net.offer('b', 10 * GiB)
  await net.offer('c', 10 * GiB)
  const reqId = await net.request('admin', [{ name: 'doc', byteLength: GiB / 8 }], { replicas: 2 })
  const e = await net.tickStrong()
  assert.ok(e <= 3, `matched in epoch ${e}`)
  assert.equal((await net.agreements({ requestId: reqId })).length, 2)
  assert.equal((await explainRequest(net.kv, reqId))?.code, '')
  // two members: the slot cannot be filled, and the publisher is told at once why and what would fill it
  const two = await TestNet.create({ names: ['admin', 'b'] })
  await two.offer('b', 10 * GiB)
  const r2 = await two.request('admin', [{ name: 'doc', byteLength: GiB / 8 }], { replicas: 2 })
  const why = await explainRequest(two.kv, r2)
  assert.ok(why !== null && why.code !== '' && why.blockedSlots >= 1)
  await two.tickStrong()
  const after = await explainRequest(two.kv, r2)
  assert.equal(after?.code, 'NO_ELIGIBLE_HOSTER')
  assert.match(after?.details ?? '', /1 of 1 open slot/)
})
