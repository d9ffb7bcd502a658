// The Sybil attacks of issue 11 between real FavorNodes on the loopback testnet, each refused or bounded
// as docs/sybil.md says, read back from the real ledger (contract tests: test/ledger/sybil.test.ts):
// 1. replicas by declaration: identities declaring 1 PiB hold no more than the 1 GiB growth allowance
//    until they prove more, like a hoster declaring 2 GiB;
// 2. vetting by volume: many tiny cores of one publisher count one epoch each, and passes for one
//    publisher lineage never vet; a second publisher lineage does;
// 3. favor from nothing: a hoster paid out of fresh identities' welcome credit cannot transfer it
//    (TRANSFER_LOCKED) or escrow it (SPONSOR_LINE_OVER_BALANCE), but can pay it back to a drawer;
// 4. attestors of one's own agreement: never of the hoster's nor the publisher's lineage.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  Admission, defaultParams, explainRequest, getAccount, getAttestation, getEpoch, getOffer, getParams, getRejected, isVetted, lineageOf,
  listAgreements, owes, RejectCode,
  type Account, type AppliedInfo, type Attestation, type LedgerEvent, type RejectCodeValue
} from '../../src/ledger/index.js'
import { ActionError, type FavorNode } from '../../src/node.js'
import { makeBlocks } from '../harness/blocks.js'
import { blake2b } from '../../src/stack/crypto.js'
import { waitFor } from '../harness/wait.js'
import { NodeNet, TEST_PARAMS } from './helpers.js'

const KiB = 1024
const MiB = 1024 * KiB
const GiB = 1024 * MiB

async function account(node: FavorNode, id: string): Promise<Account> {
  const a = await getAccount(node.ledger.kv, id)
  assert.ok(a !== null, `account ${id.slice(0, 8)} on the ledger`)
  return a
}

/**
 * Waits until each node is admitted for good: writable, and its account in the indexers' signed (final)
 * view. Before that a reorder (e.g. while new indexers are promoted) re-applies its admission and the
 * node is briefly not writable, so an action of its own could be refused with NotWritableError.
 */
async function joinAll(nodes: FavorNode[]): Promise<void> {
  for (const n of nodes) {
    await waitFor(async () => n.writable && (await n.ledger.readFinal((kv) => getAccount(kv, n.account))) !== null, 30_000, `${n.name} admitted for good`, 50)
  }
}

/** Publishes a new core of this node's own with `blocks` blocks of `size` bytes (served while online). */
async function publishNew(node: FavorNode, name: string, blocks: number, size: number, replicas = 1): Promise<{ requestId: number }> {
  const core = await node.localCore(name)
  await core.append(makeBlocks(name, 0, blocks, size))
  return node.publishCore(core, { replicas })
}

/** The action is refused by the contract with `code` (ActionError LEDGER_REFUSED, from the op's `applied` event). */
async function refusedWith(action: Promise<unknown>, code: RejectCodeValue, what: string): Promise<ActionError> {
  let caught: unknown = null
  try {
    await action
  } catch (err) {
    caught = err
  }
  assert.ok(caught instanceof ActionError, `${what}: expected a refusal, got ${caught === null ? 'success' : caught instanceof Error ? caught.message : 'a non-error'}`)
  assert.equal(caught.code, 'LEDGER_REFUSED', `${what}: ${caught.message}`)
  assert.equal(caught.reject, code, `${what}: ${caught.message}`)
  return caught
}

test('replicas by declaration: identities declaring 1 PiB hold no more than the 1 GiB allowance before they prove anything', { timeout: 120_000 }, async (t) => {
  const net = await NodeNet.create()
  t.after(() => net.close())
  const pub = await net.add('pub')
  // the operator's two identities declare a petabyte each; an honest hoster declares 2 GiB
  const s1 = await net.add('s1', { hoster: { capacityBytes: 2 ** 50 } })
  const s2 = await net.add('s2', { hoster: { capacityBytes: 2 ** 50 } })
  const h = await net.add('h', { hoster: { capacityBytes: 2 * GiB } })
  await joinAll([s1, s2, h])
  const kv = pub.ledger.kv
  await waitFor(async () => (await Promise.all([s1, s2, h].map((n) => getOffer(kv, n.account)))).every((o) => o !== null), 20_000, 'three offers on the ledger')
  assert.equal((await getOffer(kv, s1.account))?.capacityBytes, 2 ** 50)

  // Demand above the allowance without moving gigabytes: the publisher declares 512 MiB for each of seven
  // cores that nobody serves (keys only). Matching is what this test is about; a served core declared at a
  // false size would be corrected by its hoster before `ready` (prove-size, the next test).
  const cores = []
  for (let i = 0; i < 7; i++) cores.push({ key: blake2b(Buffer.from(`unserved ${i}`)), length: 1, byteLength: GiB / 2, fork: 0 })
  const params = await getParams(kv)
  assert.ok(params !== null)
  const epoch = await pub.epoch()
  await pub.appendOp({ type: 'request', time: Date.now(), cores, replicas: 1, until: epoch + 1000, maxPrice: params.priceMicroPerGiBHour })
  const req = await waitFor(async () => (await pub.requests({ mine: true })).find((r) => r.cores.length === 7), 10_000, 'the request on the ledger')

  // matched in the first strong epoch: two cores (1 GiB) per hoster, the seventh explained, not placed
  // (one epoch start matches the whole request: once an agreement exists, the round is over)
  await waitFor(async () => (await listAgreements(kv, { requestId: req.id })).length > 0, 60_000, 'the request matched')
  const ags = await listAgreements(kv, { requestId: req.id })
  assert.equal(ags.length, 6, 'no more than 3 × 1 GiB of 512 MiB cores')
  for (const n of [s1, s2, h]) {
    const mine = ags.filter((a) => a.hoster === n.account)
    assert.equal(mine.length, 2, `${n.name} holds ${mine.length} cores of 512 MiB`)
    assert.equal((await getOffer(kv, n.account))?.usedBytes, GiB, `${n.name}: the 1 GiB allowance, used`)
    assert.equal((await account(pub, n.account)).provenBytes, 0, `${n.name} has proven nothing yet`)
  }
  const why = await explainRequest(kv, req.id)
  assert.equal(why?.code, 'NO_ELIGIBLE_HOSTER')
  assert.equal(why.blockedSlots, 1)
  assert.match(why.details, /of 3 offering: 3 holds all it may until it proves more \(proven-capacity cap\)/)
})

test('size by declaration: a served core declared at 512 MiB is corrected to its signed size by its hoster before ready', { timeout: 120_000 }, async (t) => {
  const net = await NodeNet.create()
  t.after(() => net.close())
  const pub = await net.add('pub')
  const h = await net.add('h', { hoster: { capacityBytes: 2 * GiB } })
  await joinAll([h])
  const kv = pub.ledger.kv
  await waitFor(async () => (await getOffer(kv, h.account)) !== null, 20_000, 'the offer on the ledger')
  const core = await pub.localCore('small')
  await core.append(makeBlocks('small', 0, 3, 4 * KiB))
  const params = await getParams(kv)
  assert.ok(params !== null)
  await pub.appendOp({ type: 'request', time: Date.now(), cores: [{ key: core.key, length: core.length, byteLength: GiB / 2, fork: core.fork }], replicas: 1, until: (await pub.epoch()) + 1000, maxPrice: params.priceMicroPerGiBHour })
  const req = await waitFor(async () => (await pub.requests({ mine: true })).find((r) => r.cores[0]?.key === core.key.toString('hex')), 10_000, 'the request on the ledger')
  // the hoster mirrors 12 KiB, finds the signed tree holds 12 KiB, proves it, and only then is ready
  const agr = await waitFor(async () => (await listAgreements(kv, { requestId: req.id })).find((a) => a.state === 'active'), 60_000, 'the agreement active')
  assert.equal(agr.byteLength, core.byteLength)
  assert.equal(agr.byteLength, 3 * 4 * KiB)
  assert.equal((await getOffer(kv, h.account))?.usedBytes, 3 * 4 * KiB)
  const publisher = await account(pub, pub.account)
  assert.ok(publisher.warnings.includes('false-size'), `the publisher is marked: ${publisher.warnings.join(', ')}`)
})

test('vetting by volume: many tiny cores of one publisher count once per epoch and vet nothing; a second publisher lineage does', { timeout: 180_000 }, async (t) => {
  const UNVETTED = 2
  const net = await NodeNet.create()
  t.after(() => net.close())
  const idx = await net.add('idx', { params: { ...TEST_PARAMS, unvettedEpochs: UNVETTED } })
  const p = await net.add('p') // the operator's publisher identity
  const h = await net.add('h', { hoster: { capacityBytes: 64 * MiB } }) // the operator's hoster identity
  const q = await net.add('q') // an independent publisher
  await joinAll([p, h, q])
  const kv = idx.ledger.kv
  const params = defaultParams({ ...TEST_PARAMS, unvettedEpochs: UNVETTED })
  await waitFor(async () => (await getOffer(kv, h.account)) !== null, 20_000, 'h offers')

  // p publishes eight tiny cores; only h hosts (an open network: p and h are two lineages)
  for (let i = 0; i < 8; i++) await publishNew(p, `tiny${i}`, 4, 4 * KiB)

  // until h has passed in UNVETTED epochs (each counted once) with p's cores only
  const snap = await waitFor(async () => {
    const a = await account(idx, h.account)
    return a.vetEpochs >= UNVETTED ? a : null
  }, 90_000, `h passed in ${UNVETTED} epochs`)
  assert.deepEqual(snap.vetLineages, [p.account], 'passes for one publisher lineage only')
  assert.equal(isVetted(snap, params), false, 'one publisher lineage never vets')
  // the epochs h passed in, from the settled epoch records: many passes, each epoch counted once
  let passes = 0
  let epochsWithPasses = 0
  for (let e = 1; e <= snap.vetLastEpoch; e++) {
    const s = (await getEpoch(kv, e))?.summary
    if (s === undefined || s === null || s.passed === 0) continue
    passes += s.passed
    epochsWithPasses++
  }
  assert.equal(snap.vetEpochs, epochsWithPasses, `vetEpochs counts epochs (${epochsWithPasses}), not agreements (${passes} passes)`)
  assert.ok(passes >= 2 * snap.vetEpochs, `${passes} passes in ${snap.vetEpochs} epochs`)
  assert.equal(snap.passedEpochs, passes, 'every pass is h\'s')
  t.diagnostic(`h: ${passes} passes of p's cores in ${snap.vetEpochs} epochs, vetLineages ${snap.vetLineages.length}: unvetted`)
  // still unvetted: its challenges are the larger samplesNew
  const e1 = await idx.epoch()
  const att = await waitFor(async () => {
    for (const ag of await listAgreements(kv, { hoster: h.account })) {
      const x = await getAttestation(kv, e1, ag.id)
      if (x !== null) return x
    }
    return null
  }, 20_000, `an attestation of h in epoch ${e1}`)
  assert.equal(att.samples, params.samplesNew)

  // an independent publisher (another lineage): one pass for it vets h
  await publishNew(q, 'q-doc', 4, 4 * KiB)
  const vetted = await waitFor(async () => {
    const a = await account(idx, h.account)
    return isVetted(a, params) ? a : null
  }, 60_000, 'h vetted once it passed for q')
  assert.deepEqual(vetted.vetLineages, [p.account, q.account].sort())
  const agrQ = (await listAgreements(kv, { publisher: q.account }))[0]
  assert.ok(agrQ !== undefined && agrQ.hoster === h.account && agrQ.passes >= 1)
  // vetted with a clean record: the normal sample count from now on
  if (vetted.lastFailEpoch === 0) {
    const e2 = (await idx.epoch()) + 1
    const later: Attestation = await waitFor(() => getAttestation(kv, e2, agrQ.id), 30_000, `h's attestation in epoch ${e2}`)
    assert.equal(later.samples, params.samples)
    t.diagnostic(`vetted after ${vetted.vetEpochs} epochs; samples per attestor ${params.samplesNew} → ${later.samples}`)
  } else {
    t.diagnostic(`vetted after ${vetted.vetEpochs} epochs; a failing epoch (${vetted.lastFailEpoch}) keeps samplesNew`)
  }
})

test('favor from nothing: the hoster of fresh identities cannot transfer or escrow what their welcome credit paid; repayment works', { timeout: 150_000 }, async (t) => {
  const net = await NodeNet.create()
  t.after(() => net.close())
  const idx = await net.add('idx') // TEST_PARAMS: a 10-favor welcome credit
  const x = await net.add('x', { hoster: { capacityBytes: 64 * MiB } })
  const f1 = await net.add('f1')
  const f2 = await net.add('f2')
  const out = await net.add('out')
  await joinAll([x, f1, f2, out])
  const kv = idx.ledger.kv
  await waitFor(async () => (await getOffer(kv, x.account)) !== null, 20_000, 'x offers')
  // two fresh identities (balance 0) publish 1 MiB each: only x hosts, paid out of their welcome credit
  for (const f of [f1, f2]) await publishNew(f, `${f.name}-doc`, 16, 64 * KiB)
  await waitFor(async () => {
    const a = await account(x, x.account)
    return (a.lockedFrom[f1.account] ?? 0n) > 0n && (a.lockedFrom[f2.account] ?? 0n) > 0n && a.balance > 1n ? a : null
  }, 90_000, 'x paid out of both identities\' credit')
  assert.ok((await account(x, f1.account)).balance < 0n, 'f1 spent welcome credit')

  // laundering refused: no transfer, no sponsor line, no invite credit; a refused op leaves its rejected record
  const applied: AppliedInfo[] = []
  x.ledger.on('applied', (info) => applied.push(info))
  const events: LedgerEvent[] = []
  x.on('ledger-event', (e) => events.push(e))
  const err = await refusedWith(x.transfer(out.account, 1n), RejectCode.TRANSFER_LOCKED, 'transfer to out')
  assert.match(err.message, /welcome credit not yet repaid/)
  const info = applied.find((i) => i.writer === x.account && i.result.type === 'transfer' && !i.result.ok)
  assert.ok(info !== undefined)
  assert.equal((await waitFor(() => getRejected(x.ledger.kv, info.opId), 5_000, 'the rejected record'))?.code, RejectCode.TRANSFER_LOCKED)
  const sp = await refusedWith(x.sponsor(out.account, 1n), RejectCode.SPONSOR_LINE_OVER_BALANCE, 'sponsor line for out')
  assert.match(sp.message, /only 0 µfavor can be escrowed \(favor paid out of unrepaid welcome credit cannot\)/)
  await refusedWith(x.inviteMember({ creditMicro: 1n }), RejectCode.SPONSOR_LINE_OVER_BALANCE, 'invite with a credit line')
  assert.equal((await account(x, x.account)).sponsoring[out.account], undefined, 'no line escrowed')

  // paying a drawer back is repayment: allowed; it unlocks nothing else
  const now = await account(x, x.account)
  const back = [now.lockedFrom[f1.account] ?? 0n, now.balance].reduce((m, v) => (v < m ? v : m))
  assert.ok(back > 0n)
  t.diagnostic(`x: balance ${now.balance} µ, held back ${now.heldBack} µ, locked ${Object.values(now.lockedFrom).reduce((a, b) => a + b, 0n)} µ; repays ${back} µ to f1`)
  await x.transfer(f1.account, back)
  assert.ok(events.some((e) => e.type === 'transfer' && e.from === x.account && e.to === f1.account && e.amount === back), 'the repayment was applied')
  await refusedWith(x.transfer(out.account, 1n), RejectCode.TRANSFER_LOCKED, 'transfer to out after the repayment')
  assert.ok(!events.some((e) => e.type === 'transfer' && e.to === out.account), 'nothing reached out')
  assert.ok(owes(await account(x, f2.account)) > 0n, 'f2 still owes its credit')
})

test('attestors of one\'s own agreement: never of the hoster\'s nor the publisher\'s lineage', { timeout: 180_000 }, async (t) => {
  const net = await NodeNet.create()
  t.after(() => net.close())
  const admin = await net.add('admin', { params: { ...TEST_PARAMS, admission: Admission.invite } })
  await joinAll([admin])
  const invite = async (by: FavorNode): Promise<{ invite: string }> => ({ invite: (await by.inviteMember()).code })
  // three lineages vouched for by the admin: h (hoster), m, and the operator's s (hoster) with its invitees s1, s2
  const h = await net.add('h', { join: await invite(admin), hoster: { capacityBytes: 64 * MiB } })
  const m = await net.add('m', { join: await invite(admin) })
  const s = await net.add('s', { join: await invite(admin), hoster: { capacityBytes: 64 * MiB } })
  await joinAll([h, m, s])
  const s1 = await net.add('s1', { join: await invite(s) })
  const s2 = await net.add('s2', { join: await invite(s) })
  await joinAll([s1, s2])
  const kv = admin.ledger.kv
  for (const n of [s1, s2]) assert.equal(lineageOf(await account(admin, n.account)), s.account, `${n.name} is of s's lineage`)
  await waitFor(async () => (await getOffer(kv, h.account)) !== null && (await getOffer(kv, s.account)) !== null, 20_000, 'h and s offer')

  // the admin's core on h and s (two lineages); s1's core on h only (s is of the publisher's lineage)
  const ra = await publishNew(admin, 'a-doc', 4, 4 * KiB, 2)
  const rs = await publishNew(s1, 's1-doc', 4, 4 * KiB)
  const [onS, ofS1] = await waitFor(async () => {
    const a = (await listAgreements(kv, { requestId: ra.requestId })).find((x) => x.hoster === s.account && x.state === 'active')
    const b = (await listAgreements(kv, { requestId: rs.requestId })).find((x) => x.state === 'active')
    return a !== undefined && b !== undefined ? [a, b] as const : null
  }, 60_000, 'the agreements on s and of s1 active')
  assert.equal(ofS1.hoster, h.account)

  // where the rule bites, exactly the others are drawn (2 attestors, 2 eligible): s's own identities would
  // be 2 of 4 candidates without it
  const sybil = new Set([s.account, s1.account, s2.account])
  const names = new Map([admin, h, m, s, s1, s2].map((n) => [n.account, n.name]))
  const expected = new Map([[onS.id, [h.account, m.account].sort()], [ofS1.id, [admin.account, m.account].sort()]])
  const first = (await admin.epoch()) + 1
  await waitFor(async () => {
    const seen = new Map<number, number>()
    const e = await admin.epoch()
    for (let ep = first; ep <= e; ep++) {
      for (const ag of await listAgreements(kv, {})) {
        const att = await getAttestation(kv, ep, ag.id)
        if (att === null) continue
        const lh = lineageOf(await account(admin, ag.hoster))
        const lp = lineageOf(await account(admin, ag.publisher))
        for (const who of att.attestors) {
          const lw = lineageOf(await account(admin, who))
          assert.ok(who !== ag.hoster && who !== ag.publisher, `epoch ${ep}, agreement ${ag.id}: attested by a party`)
          assert.notEqual(lw, lh, `epoch ${ep}, agreement ${ag.id}: an attestor of the hoster's lineage`)
          assert.notEqual(lw, lp, `epoch ${ep}, agreement ${ag.id}: an attestor of the publisher's lineage`)
        }
        const want = expected.get(ag.id)
        if (want !== undefined) {
          const named = async (keys: string[]): Promise<string> => (await Promise.all(keys.map(async (k) => `${names.get(k) ?? k.slice(0, 8)} (lineage ${names.get(lineageOf(await account(admin, k))) ?? '?'})`))).join(', ')
          assert.deepEqual([...att.attestors].sort(), want, `epoch ${ep}, agreement ${ag.id} (hoster ${names.get(ag.hoster) ?? '?'}, publisher ${names.get(ag.publisher) ?? '?'}): attestors ${await named(att.attestors)}, expected ${await named(want)}`)
          assert.ok(att.attestors.every((a) => !sybil.has(a)))
          seen.set(ag.id, (seen.get(ag.id) ?? 0) + 1)
        }
      }
    }
    if ((seen.get(onS.id) ?? 0) < 2 || (seen.get(ofS1.id) ?? 0) < 2) return false
    t.diagnostic(`epochs ${first}..${e}: ${seen.get(onS.id)} attestations of s's agreement, ${seen.get(ofS1.id)} of s1's, none by their lineage`)
    return true
  }, 60_000, 'two epochs of attestors for both agreements', 500)
})
