// The founder's credit (docs/sybil.md §2): the genesis admin's credit line is the network's source of
// transferable favor. What the founder pays out of it for hosting — directly, or through a line or invite
// credit it escrows — is not locked on the hosters and attestors; the founder can never transfer it; the
// welcome credit beyond it stays locked; every other account has none. Balances sum to 0 throughout.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { checkInvariants, digestEntries, inviteHash, MemoryKV, RejectCode } from '../../src/ledger/index.js'
import type { Op } from '../../src/ledger/index.js'
import { blake2b } from '../../src/stack/crypto.js'
import { GiB, TestNet } from './helpers.js'

const FOUNDER = 50_000_000n // 50 favor: 50 GiB-hours at the default price

function state(net: TestNet): string {
  assert.ok(net.kv instanceof MemoryKV)
  return digestEntries(net.kv.entries().filter(([k]) => !k.startsWith('rejected/'))).toString('hex')
}

async function refusedWith(net: TestNet, who: string, op: Op, code: string): Promise<void> {
  const before = state(net)
  const r = await net.apply(who, op)
  assert.ok(!r.ok && r.code === code, `expected ${code}, got ${r.ok ? 'ok' : `${r.code}: ${r.reason}`}`)
  assert.equal(state(net), before, `${op.type} refused with ${code} changed nothing`)
}

/** The founder (`boot`) publishes `gib` GiB that only `H` hosts, for `epochs` passing epochs. */
async function founderPays(opts: { gib: number; epochs: number; welcome?: bigint; founder?: bigint }): Promise<TestNet> {
  const net = await TestNet.create({
    names: ['boot', 'H', 'a1', 'a2', 'a3', 'out'],
    params: { welcomeCreditMicro: opts.welcome ?? 0n, founderCreditMicro: opts.founder ?? FOUNDER }
  })
  await net.offer('H', 100 * GiB)
  await net.request('boot', [{ name: 'founder-data', byteLength: opts.gib * GiB }])
  await net.tickStrong()
  await net.readyAll()
  await net.tick()
  for (let e = 0; e < opts.epochs; e++) {
    await net.epochWith()
    assert.equal(await checkInvariants(net.kv), null, `epoch ${e}`)
  }
  return net
}

test('favor the founder pays out of its founder credit is transferable by the hosters and attestors who earned it', async () => {
  const net = await founderPays({ gib: 1, epochs: 6 })
  const boot = await net.account('boot')
  const H = await net.account('H')
  assert.ok(boot.balance < 0n, `the founder drew its credit: ${boot.balance}`)
  assert.ok(boot.balance >= -FOUNDER)
  assert.ok(H.balance > 0n, `the hoster earned ${H.balance}`)
  assert.deepEqual(H.lockedFrom, {}, 'nothing locked on the hoster')
  const outBefore = (await net.account('out')).balance
  await net.ok('H', { type: 'transfer', time: 0, to: net.m('out').key, amount: H.balance })
  assert.equal((await net.account('out')).balance, outBefore + H.balance)
  // the founder's debt is its own: no other account has a founder credit
  assert.equal((await net.account('H')).credit, 0n)
  assert.equal(await checkInvariants(net.kv), null)
})

test('the founder cannot transfer its credit, only pay for hosting or escrow lines with it; others cannot escrow credit at all', async () => {
  const net = await TestNet.create({ names: ['boot', 'm', 'out'], params: { welcomeCreditMicro: 5_000_000n, founderCreditMicro: FOUNDER } })
  await refusedWith(net, 'boot', { type: 'transfer', time: 0, to: net.m('out').key, amount: 1n }, RejectCode.INSUFFICIENT_BALANCE)
  // m has a welcome credit but no founder credit: it can neither transfer nor escrow it
  await refusedWith(net, 'm', { type: 'sponsor', time: 0, to: net.m('out').key, amount: 1n }, RejectCode.SPONSOR_LINE_OVER_BALANCE)
  await refusedWith(net, 'm', { type: 'invite', time: 0, hash: inviteHash(blake2b(Buffer.from('m'))), credit: 1n, expiresEpoch: 100 }, RejectCode.SPONSOR_LINE_OVER_BALANCE)
  // the founder escrows up to its founder credit (not its welcome credit), as a line or as invite credit
  await refusedWith(net, 'boot', { type: 'sponsor', time: 0, to: net.m('m').key, amount: FOUNDER + 1n }, RejectCode.SPONSOR_LINE_OVER_BALANCE)
  await net.ok('boot', { type: 'sponsor', time: 0, to: net.m('m').key, amount: FOUNDER - 10_000_000n })
  await net.ok('boot', { type: 'invite', time: 0, hash: inviteHash(blake2b(Buffer.from('i'))), credit: 10_000_000n, expiresEpoch: 100 })
  await net.ok('boot', { type: 'redeem', time: 0, writerKey: net.m('newcomer').key, secret: blake2b(Buffer.from('i')) })
  await refusedWith(net, 'boot', { type: 'invite', time: 0, hash: inviteHash(blake2b(Buffer.from('j'))), credit: 1n, expiresEpoch: 100 }, RejectCode.SPONSOR_LINE_OVER_BALANCE)
  assert.equal((await net.account('boot')).balance, -FOUNDER, 'both lines escrowed out of the founder credit')
  assert.equal((await net.account('newcomer')).lines[net.hex('boot')], 10_000_000n)
  // lowering a line gives the founder its credit back
  await net.ok('boot', { type: 'set-limit', time: 0, to: net.m('m').key, limit: 0n })
  assert.equal((await net.account('boot')).balance, -10_000_000n)
  assert.equal(await checkInvariants(net.kv), null)
})

test('a member spending a line the founder escrowed pays its hosters in transferable favor', async () => {
  const net = await TestNet.create({ names: ['boot', 'm', 'H', 'a1', 'a2', 'a3', 'out'], params: { welcomeCreditMicro: 0n, founderCreditMicro: FOUNDER } })
  await net.ok('boot', { type: 'sponsor', time: 0, to: net.m('m').key, amount: 20_000_000n })
  await net.offer('H', 100 * GiB)
  await net.request('m', [{ name: 'm-data', byteLength: GiB }])
  await net.tickStrong()
  await net.readyAll()
  await net.tick()
  for (let e = 0; e < 4; e++) await net.epochWith()
  const m = await net.account('m')
  const H = await net.account('H')
  assert.ok((m.lines[net.hex('boot')] ?? 0n) < 20_000_000n, 'the line was drawn')
  assert.equal(m.balance, 0n, 'm paid out of the line, not into debt')
  assert.ok(H.balance > 0n)
  await net.ok('H', { type: 'transfer', time: 0, to: net.m('out').key, amount: H.balance })
  assert.equal(await checkInvariants(net.kv), null)
})

test('beyond its founder credit the founder draws welcome credit, and that favor is locked like anyone\'s', async () => {
  // 2 GiB for 1-hour epochs at 1 favor per GiB-hour: 2 favor an epoch; founder credit 3 favor, welcome 10
  const net = await founderPays({ gib: 2, epochs: 4, welcome: 10_000_000n, founder: 3_000_000n })
  const boot = await net.account('boot')
  const H = await net.account('H')
  assert.ok(boot.balance < -3_000_000n, `the founder went past its founder credit: ${boot.balance}`)
  const locked = Object.values(H.lockedFrom).reduce((a, b) => a + b, 0n)
  assert.ok(locked > 0n && locked < H.balance + H.heldBack, `part of what H earned is locked (${locked} of ${H.balance + H.heldBack})`)
  await refusedWith(net, 'H', { type: 'transfer', time: 0, to: net.m('out').key, amount: H.balance }, RejectCode.TRANSFER_LOCKED)
  await net.ok('H', { type: 'transfer', time: 0, to: net.m('out').key, amount: H.balance - locked })
  assert.equal(await checkInvariants(net.kv), null)
})

test('a network with no founder credit has no transferable favor source: the founder pays in locked favor like anyone', async () => {
  const net = await founderPays({ gib: 1, epochs: 3, welcome: 10_000_000n, founder: 0n })
  const H = await net.account('H')
  assert.ok(H.balance > 0n)
  await refusedWith(net, 'H', { type: 'transfer', time: 0, to: net.m('out').key, amount: 1n }, RejectCode.TRANSFER_LOCKED)
  await refusedWith(net, 'boot', { type: 'sponsor', time: 0, to: net.m('out').key, amount: 1n }, RejectCode.SPONSOR_LINE_OVER_BALANCE)
})
