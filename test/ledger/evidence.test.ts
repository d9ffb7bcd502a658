// The contract checks the attestors' evidence (docs/challenges.md §2): receipts signed by the hoster's
// node key, failing items that hash into the signed answer and really show loss (real hypercore proofs
// where it matters), refused results with stable codes that cost the attestor and change nothing else.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { TestNet, GiB } from './helpers.js'
import { getAttestation, getRejected, attestScorePpm, RejectCode, getOffer, getRequest } from '../../src/ledger/index.js'
import type { Account, ReportResult } from '../../src/ledger/index.js'
import { openStore } from '../../src/stack/index.js'
import type { Store } from '../../src/stack/index.js'
import { blake2b, keyPair } from '../../src/stack/crypto.js'
import { makeBlockProof, ItemError } from '../../src/proof/index.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'

let dir: string
let store: Store

before(async () => {
  dir = await makeTempDir('ledger-evidence')
  store = openStore(path.join(dir, 'store'))
  await store.ready()
})

after(async () => {
  await store.close()
  await removeDir(dir)
})

/** pub publishes (and is the bootstrap), h1 hosts, a1..a3 and `liar` are the only possible attestors. */
async function hosted(names = ['pub', 'h1', 'a1', 'a2', 'a3', 'a4'], params = {}, core: { key?: Buffer; length?: number; fork?: number } = {}): Promise<{ net: TestNet; id: number; reqId: number }> {
  const net = await TestNet.create({ names, params })
  await net.offer('h1', 10 * GiB)
  const reqId = await net.request('pub', [{ name: 'c1', byteLength: GiB, ...core }])
  assert.equal(await net.tickStrong(), 2)
  await net.readyAll()
  await net.tick() // epoch 3: challenged
  const [agr] = await net.agreements({ state: 'active' })
  assert.ok(agr !== undefined)
  return { net, id: agr.id, reqId }
}

async function selected(net: TestNet, id: number): Promise<string[]> {
  return (await net.attestation(id)).attestors.map((h) => net.nameOf(h))
}

async function refusedCode(net: TestNet, id: number, who: string): Promise<string> {
  const att = await net.attestation(id)
  const r = att.results[att.attestors.indexOf(net.hex(who))]
  assert.ok(r !== null && r !== undefined, `${who} has a recorded result`)
  return r.refused
}

test('a pass needs the hoster\'s receipt for exactly this network, agreement, epoch, attestor and nonce', async () => {
  const { net, id } = await hosted()
  const [x] = await selected(net, id)
  assert.ok(x !== undefined)
  const other = keyPair(blake2b(Buffer.from('someone else'))).secretKey
  const cases: [string, Promise<ReportResult>, string][] = [
    ['no receipt', net.result(id, x, 'pass', { noReceipt: true }), RejectCode.RECEIPT_MISSING],
    ['forged (another key)', net.result(id, x, 'pass', { sign: { secretKey: other } }), RejectCode.RECEIPT_BAD_SIGNATURE],
    ['another nonce', net.result(id, x, 'pass', { receipt: { nonce: Buffer.alloc(32, 9) } }), RejectCode.RECEIPT_BAD_SIGNATURE],
    ['another attestor', net.result(id, x, 'pass', { sign: { attestorKey: net.m(x === 'a4' ? 'a3' : 'a4').key } }), RejectCode.RECEIPT_BAD_SIGNATURE],
    ['another agreement', net.result(id, x, 'pass', { sign: { agreementId: id + 1 } }), RejectCode.RECEIPT_BAD_SIGNATURE],
    ['another epoch', net.result(id, x, 'pass', { sign: { epoch: (await net.epoch()) - 1 } }), RejectCode.RECEIPT_BAD_SIGNATURE],
    ['another network', net.result(id, x, 'pass', { sign: { networkId: Buffer.alloc(32, 1) } }), RejectCode.RECEIPT_BAD_SIGNATURE],
    ['a shorter head', net.result(id, x, 'pass', { sign: { length: 99 } }), RejectCode.RECEIPT_SHORT],
    ['a missing item on a pass', net.result(id, x, 'missing').then((r) => ({ ...r, outcome: 'pass' as const })), RejectCode.EVIDENCE_UNEXPECTED]
  ]
  // every refused result takes the attestor's slot for this epoch: each case runs on a copy of the same state
  for (const [what, pending, code] of cases) {
    const r = await pending
    const copy = await cloneNet(net)
    const before = await copy.account(x)
    const res = await copy.ok(x, { type: 'report', time: 0, epoch: await copy.epoch(), results: [r] })
    const ev = res.effects.events.find((e) => e.type === 'report-accepted')
    assert.ok(ev?.type === 'report-accepted' && ev.refused === 1 && ev.results === 0, what)
    assert.equal(await refusedCode(copy, id, x), code, what)
    const after = await copy.account(x)
    assert.equal(after.attestRefused, before.attestRefused + 1, what)
    assert.ok(attestScorePpm(after) < attestScorePpm(before), what)
  }
  // the honest one is accepted
  const ok = await net.ok(x, { type: 'report', time: 0, epoch: await net.epoch(), results: [await net.result(id, x, 'pass')] })
  const ev = ok.effects.events.find((e) => e.type === 'report-accepted')
  assert.ok(ev?.type === 'report-accepted' && ev.results === 1 && ev.refused === 0)
  assert.equal(await refusedCode(net, id, x), '')
})

/** A copy of a MemoryKV-backed TestNet (same members and keys, copied state). */
async function cloneNet(net: TestNet): Promise<TestNet> {
  const { MemoryKV } = await import('../../src/ledger/index.js')
  assert.ok(net.kv instanceof MemoryKV)
  const kv = new MemoryKV()
  for (const [k, v] of net.kv.entries()) await kv.put(k, v)
  const copy = Object.create(Object.getPrototypeOf(net) as object) as TestNet
  Object.assign(copy, net, { kv, log: [] })
  return copy
}

test('a lying attestor\'s `missing` without valid evidence is refused, costs it its attestor score, and changes nothing else; the rest of its op applies', async () => {
  // two agreements on h1 and h2 (one group: neither attests the other): a1..a4 are the only candidates,
  // so some attestor is selected on both and its op carries a lie next to a good result
  const net = await TestNet.create({ names: ['pub', 'h1', 'h2', 'a1', 'a2', 'a3', 'a4'] })
  await net.offer('h1', 10 * GiB, 'hosts')
  await net.offer('h2', 10 * GiB, 'hosts')
  await net.request('pub', [{ name: 'c1', byteLength: GiB }, { name: 'c2', byteLength: GiB }])
  await net.tickStrong()
  await net.readyAll()
  await net.tick()
  const [agr, other] = await net.agreements({ state: 'active' })
  assert.ok(agr !== undefined && other !== undefined)
  const id = agr.id
  const onOther = await selected(net, other.id)
  const liar = (await selected(net, id)).find((n) => onOther.includes(n))
  assert.ok(liar !== undefined)
  const hosterName = net.nameOf(agr.hoster)
  const hosterBefore = await net.account(hosterName)
  const agrBefore = await net.agreement(id)
  const lies: [string, ReportResult, string][] = [
    ['no receipt', await net.result(id, liar, 'missing', { noReceipt: true }), RejectCode.RECEIPT_MISSING],
    ['receipt, no item', { ...(await net.result(id, liar, 'missing')), failing: null }, RejectCode.ITEM_MISSING],
    ['self-signed receipt', await net.result(id, liar, 'missing', { sign: { secretKey: net.m(liar).nodeSecretKey } }), RejectCode.RECEIPT_BAD_SIGNATURE],
    ['an item the hoster did not sign', await net.result(id, liar, 'missing').then((r) => ({ ...r, failing: r.failing === null ? null : { ...r.failing, errorCode: ItemError.NOT_HOSTED } })), RejectCode.ITEM_NOT_IN_ANSWER],
    ['a BUSY error (no loss admitted)', await net.result(id, liar, 'missing', { item: { kind: 'error', code: ItemError.BUSY } }), RejectCode.ITEM_SHOWS_NO_LOSS],
    ['wrong position', await net.result(id, liar, 'missing').then((r) => ({ ...r, failing: r.failing === null ? null : { ...r.failing, position: 17 } })), RejectCode.ITEM_BAD_POSITION]
  ]
  for (const [what, r, code] of lies) {
    const copy = await cloneNet(net)
    const before = await copy.account(liar)
    const good = await copy.result(other.id, liar, 'pass')
    await copy.ok(liar, { type: 'report', time: 0, epoch: await copy.epoch(), results: [r, good] })
    assert.equal(await refusedCode(copy, id, liar), code, what)
    assert.equal(await refusedCode(copy, other.id, liar), '', 'the good result of the same op is accepted')
    const after = await copy.account(liar)
    assert.equal(after.attestRefused, before.attestRefused + 1)
    assert.ok(attestScorePpm(after) < attestScorePpm(before))
    // the other two pass: the epoch pays the hoster, the lie counts as no report
    await copy.epochWith((_a, who) => (who === liar ? null : 'pass'))
    const agr = await copy.agreement(id)
    assert.equal(agr.passes, 1, what)
    assert.equal(agr.failStreak, 0)
    const h = await copy.account(hosterName)
    assert.ok(h.beta <= hosterBefore.beta && !h.warnings.includes('missing'), what)
    assert.equal(agr.held, agrBefore.held + 225_000n)
  }
})

test('one liar among 4 attestors across 20 epochs: the honest hoster\'s agreement, held-back share and reputation are untouched', async () => {
  const names = ['pub', 'h1', 'a1', 'a2', 'a3', 'liar']
  async function run(lying: boolean): Promise<{ hoster: Account; agr: { passes: number; fails: number; held: bigint; state: string; failStreak: number }; liar: Account; liarSelected: number[] }> {
    const { net, id } = await hosted(names, { heldBackEpochs: 6, welcomeCreditMicro: 100_000_000n })
    const liarSelected: number[] = []
    for (let i = 0; i < 20; i++) {
      const e = await net.epoch()
      const att = await net.attestation(id)
      if (att.attestors.includes(net.hex('liar'))) liarSelected.push(e)
      const byName = new Map<string, ReportResult>()
      for (const h of att.attestors) {
        const who = net.nameOf(h)
        const lie = lying && who === 'liar'
        // the liar cycles through its lies: no receipt, a forged one, a receipt for another epoch
        const r = !lie
          ? await net.result(id, who, 'pass')
          : i % 3 === 0
            ? await net.result(id, who, 'missing', { noReceipt: true })
            : i % 3 === 1
              ? await net.result(id, who, 'missing', { sign: { secretKey: net.m('liar').nodeSecretKey } })
              : await net.result(id, who, 'missing', { sign: { epoch: e + 1 } })
        byName.set(who, r)
      }
      for (const [who, r] of [...byName].sort((a, b) => (a[0] < b[0] ? -1 : 1))) await net.ok(who, { type: 'report', time: 0, epoch: e, results: [r] })
      await net.tick()
    }
    const agr = await net.agreement(id)
    return { hoster: await net.account('h1'), agr: { passes: agr.passes, fails: agr.fails, held: agr.held, state: agr.state, failStreak: agr.failStreak }, liar: await net.account('liar'), liarSelected }
  }
  const honest = await run(false)
  const lied = await run(true)
  assert.equal(lied.agr.state, 'active')
  assert.equal(lied.agr.fails, 0)
  assert.equal(lied.agr.passes, 20, 'paid every epoch: two valid passes of three selected are a majority')
  assert.deepEqual(lied.agr, honest.agr)
  for (const k of ['balance', 'heldBack', 'alpha', 'beta', 'passedEpochs', 'given'] as const) assert.equal(lied.hoster[k], honest.hoster[k], k)
  assert.deepEqual(lied.hoster.warnings, [])
  // the liar: refused every time it lied, then never selected again
  assert.ok(lied.liarSelected.length >= 2)
  assert.equal(lied.liar.attestRefused, 2, `selected in ${lied.liarSelected.join(',')}`)
  assert.equal(lied.liar.attestAgreed, 0)
  assert.ok(attestScorePpm(lied.liar) < 500_000)
  assert.ok(lied.liar.balance < honest.liar.balance, 'the liar earned no attestor fees')
})

test('stale fork: an answer from the abandoned fork is an accepted `missing`; a valid proof of the current fork is not', async () => {
  const core = store.get({ name: 'rewritten' })
  await core.ready()
  await core.append(Array.from({ length: 8 }, (_, i) => Buffer.from(`block ${i} of fork 0`)))
  const stale = await Promise.all(Array.from({ length: 8 }, (_, i) => makeBlockProof(core, i)))
  const { net, id, reqId } = await hosted(['pub', 'h1', 'a1', 'a2', 'a3', 'a4'], {}, { key: core.key, length: 8, fork: core.fork })
  // the publisher truncates and rewrites: fork 1, length 10
  await core.truncate(6)
  await core.append(Array.from({ length: 4 }, (_, i) => Buffer.from(`block ${6 + i} of fork 1`)))
  assert.equal(core.fork, 1)
  const info = { length: core.length, byteLength: core.byteLength, fork: core.fork }
  await net.ok('pub', { type: 'grow', time: 0, requestId: reqId, coreKey: core.key, ...info })
  const g = await net.agreement(id)
  assert.equal(g.challengedLength, 8, 'a rewrite to a longer core leaves the challenged length')
  assert.equal(g.challengedFork, 0, 'and the fork until the hoster acknowledges')
  await net.ok('h1', { type: 'ready', time: 0, agreementId: id, ...info })
  await net.epochWith()
  const att = await net.attestation(id)
  assert.deepEqual([att.length, att.fork], [10, 1])
  const [x, y] = await selected(net, id)
  assert.ok(x !== undefined && y !== undefined)
  const fresh = await makeBlockProof(core, 0)
  // position 0 is block 0 (length ≤ samples: every block in order); the hoster answered it from fork 0
  const staleItem = { kind: 'proof' as const, proof: stale[0]!.proofs[0]! }
  const rs = await net.result(id, x, 'missing', { item: staleItem, manifest: stale[0]!.manifest })
  const ok = await net.result(id, y, 'missing', { item: { kind: 'proof', proof: fresh.proofs[0]! }, manifest: fresh.manifest })
  await net.ok(x, { type: 'report', time: 0, epoch: await net.epoch(), results: [rs] })
  await net.ok(y, { type: 'report', time: 0, epoch: await net.epoch(), results: [ok] })
  assert.equal(await refusedCode(net, id, x), '', 'the stale-fork proof shows the loss')
  assert.equal(await refusedCode(net, id, y), RejectCode.ITEM_SHOWS_NO_LOSS, 'a valid proof shows none')
  // a pass over a receipt signed at the old fork is refused
  const [, , z] = await selected(net, id)
  if (z !== undefined) {
    await net.ok(z, { type: 'report', time: 0, epoch: await net.epoch(), results: [await net.result(id, z, 'pass', { sign: { fork: 0 } })] })
    assert.equal(await refusedCode(net, id, z), RejectCode.RECEIPT_STALE_FORK)
  }
  await net.tick()
  const a = await net.agreement(id)
  assert.equal(a.failStreak, 1)
  assert.equal(a.warning, 'missing')
  await core.close()
})

test('growth: a 64 MiB grow just before an epoch boundary is not challenged until acknowledged or its grace ran out', async () => {
  const { net, id, reqId } = await hosted(['pub', 'h1', 'a1', 'a2', 'a3', 'a4'])
  const before = await net.agreement(id)
  const MiB = 1024 * 1024
  const grown = { length: before.length + 1024, byteLength: before.byteLength + 64 * MiB, fork: 0 }
  await net.reportAll()
  await net.ok('pub', { type: 'grow', time: 0, requestId: reqId, coreKey: Buffer.from(before.coreKey, 'hex'), ...grown })
  const e = await net.tick() // the boundary right after the grow
  const att = await net.attestation(id)
  assert.equal(att.length, before.length, 'challenged at the acknowledged length')
  const g = await net.agreement(id)
  assert.equal(g.graceUntil, e - 1 + 2 + 4, 'grace: 2 epochs + ceil(64 MiB / 16 MiB)')
  // the honest hoster holds the old length and passes; nobody can fail it for the new blocks
  const hBefore = await net.account('h1')
  await net.epochWith()
  const a1 = await net.agreement(id)
  assert.equal(a1.failStreak, 0)
  assert.equal(a1.passes, before.passes + 2)
  assert.ok((await net.account('h1')).beta <= hBefore.beta)
  // without an ack the grace runs out: from epoch graceUntil on, challenges cover the new length
  while ((await net.epoch()) < g.graceUntil - 1) await net.epochWith()
  assert.equal((await net.attestation(id)).length, before.length)
  await net.epochWith()
  assert.equal(await net.epoch(), g.graceUntil)
  assert.equal((await net.attestation(id)).length, grown.length)
  assert.equal((await net.attestation(id)).byteLength, grown.byteLength)
})

test('growth past a hoster\'s capacity ends that agreement (over-capacity, no penalty, held-back released) and re-matches the slot', async () => {
  const net = await TestNet.create({ names: ['pub', 'h1', 'h2', 'a1', 'a2', 'a3'] })
  await net.offer('h1', 1.5 * GiB)
  const reqId = await net.request('pub', [{ name: 'c1', byteLength: GiB }])
  await net.tickStrong()
  await net.readyAll()
  await net.tick()
  const [agr] = await net.agreements({ state: 'active' })
  assert.ok(agr !== undefined && agr.hoster === net.hex('h1'))
  await net.epochWith()
  const h = await net.account('h1')
  assert.equal(h.heldBack, 225_000n)
  await net.offer('h2', 10 * GiB)
  const res = await net.ok('pub', { type: 'grow', time: 0, requestId: reqId, coreKey: Buffer.from(agr.coreKey, 'hex'), length: 200, byteLength: 2 * GiB, fork: 0 })
  assert.ok(res.effects.events.some((e) => e.type === 'agreement-ended' && e.reason === 'over-capacity'))
  const ended = await net.agreement(agr.id)
  assert.equal(ended.endReason, 'over-capacity')
  const after = await net.account('h1')
  assert.equal(after.heldBack, 0n)
  assert.equal(after.balance, h.balance + 225_000n, 'held-back share released')
  assert.equal(after.beta, h.beta, 'no penalty')
  const off = await getOffer(net.kv, net.hex('h1'))
  assert.ok(off !== null && off.usedBytes <= off.capacityBytes && off.usedBytes === 0)
  assert.ok(!(await getRequest(net.kv, reqId))?.failedHosters.includes(net.hex('h1')))
  await net.tick() // next matching: the slot goes to h2
  const repl = (await net.agreements({ requestId: reqId })).filter((a) => a.id !== agr.id)
  assert.equal(repl.length, 1)
  assert.equal(repl[0]!.hoster, net.hex('h2'))
  assert.equal(repl[0]!.byteLength, 2 * GiB)
  // a lower capacity below what a hoster holds ends its newest agreements the same way
  await net.readyAll()
  await net.offer('h2', GiB)
  assert.equal((await net.agreement(repl[0]!.id)).endReason, 'over-capacity')
  assert.equal((await getOffer(net.kv, net.hex('h2')))?.usedBytes, 0)
})

test('whole-op refusals carry a stable code in the rejection record', async () => {
  const { net, id } = await hosted()
  const [x] = await selected(net, id)
  assert.ok(x !== undefined)
  const r = await net.result(id, x, 'pass')
  const codes: [string, unknown, string][] = [
    [x, { type: 'report', time: 0, epoch: (await net.epoch()) + 1, results: [r] }, RejectCode.REPORT_FUTURE],
    [x, { type: 'report', time: 0, epoch: await net.epoch(), results: [] }, RejectCode.REPORT_EMPTY],
    [x, { type: 'report', time: 0, epoch: await net.epoch(), results: [r, r] }, RejectCode.REPORT_DUPLICATE_RESULT],
    [x, { type: 'report', time: 0, epoch: await net.epoch(), results: [{ ...r, agreementId: 999 }] }, RejectCode.NOT_CHALLENGED],
    ['pub', { type: 'report', time: 0, epoch: await net.epoch(), results: [r] }, RejectCode.NOT_SELECTED]
  ]
  for (const [who, op, code] of codes) {
    const res = await net.apply(who, op as never)
    assert.ok(!res.ok && res.code === code, `${code}: ${JSON.stringify(res)}`)
    const rec = await getRejected(net.kv, `${net.hex(who)}:${net.m(who).seq - 1}`)
    assert.equal(rec?.code, code)
  }
  await net.ok(x, { type: 'report', time: 0, epoch: await net.epoch(), results: [r] })
  const dup = await net.apply(x, { type: 'report', time: 0, epoch: await net.epoch(), results: [r] })
  assert.ok(!dup.ok && dup.code === RejectCode.DUPLICATE_REPORT)
  await net.tick()
  const late = await net.apply(x, { type: 'report', time: 0, epoch: (await net.epoch()) - 1, results: [r] })
  assert.ok(!late.ok && late.code === RejectCode.REPORT_LATE)
  assert.equal((await getAttestation(net.kv, (await net.epoch()) - 1, id))?.results.filter((v) => v !== null).length, 1)
})
