// Hosting lifecycle through FavorNode's actions: graceful exit on `withdraw` (the replacement becomes
// active before the old agreement ends as `withdrawn`; the old hoster serves until then, gets its
// held-back share and loses no reputation), `cancel` only by the request's author, and `transfer` /
// `sponsor` moving exactly the amounts asked.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createDht } from '../../src/stack/index.js'
import {
  byteSeconds, currentEpoch, defaultParams, epochCost, getAccount, getAgreement, getAttestation, getBalance, getBeacon, getNetworkId, getRejected,
  getRequest, listAgreements, splitPayment,
  type AppliedInfo, type LedgerEvent
} from '../../src/ledger/index.js'
import { runChallenge } from '../../src/protocol/index.js'
import type { FavorNode } from '../../src/node.js'
import { makeBlocks } from '../harness/blocks.js'
import { waitFor } from '../harness/wait.js'
import { NodeNet, TEST_PARAMS, waitEpoch } from './helpers.js'

const MiB = 1024 * 1024
const BLOCKS = 16
const BLOCK = 16 * 1024

test('withdraw → graceful exit; cancel by author only; transfer and sponsor exact', { timeout: 90_000 }, async (t) => {
  const net = await NodeNet.create()
  t.after(() => net.close())
  const idx = await net.add('idx')
  const pub = await net.add('pub')
  // both hosters in one group: they never attest each other, so the only attestor is idx and a hoster
  // earns only from its own agreement (its balance can be checked to the micro-favor)
  const hA = await net.add('hA', { hoster: { capacityBytes: 64 * MiB, group: 'dc' } })
  const hB = await net.add('hB', { hoster: { capacityBytes: 64 * MiB, group: 'dc' } })
  for (const n of [pub, hA, hB]) await waitFor(() => n.writable, 20_000, `${n.name} joins`)
  const events: LedgerEvent[] = []
  idx.on('ledger-event', (e) => events.push(e))
  const kv = (): FavorNode['ledger']['kv'] => idx.ledger.kv

  const core = await pub.localCore('data')
  await core.append(makeBlocks('data', 0, BLOCKS, BLOCK))
  const { requestId } = await pub.publishCore(core, { replicas: 1 })

  // the agreement is active and has been paid at least once (so something is held back)
  const first = await waitFor(async () => {
    const a = (await listAgreements(kv(), { requestId })).find((x) => x.state === 'active')
    return a !== undefined && a.passes >= 1 && a.held > 0n ? a : null
  }, 40_000, 'an active, paid agreement')
  const oldNode = first.hoster === hA.account ? hA : hB
  const newNode = oldNode === hA ? hB : hA
  const repBefore = (await getBalance(kv(), oldNode.account))?.reputationPpm ?? -1

  // --- withdraw: graceful exit -------------------------------------------------------------------
  const seen: string[] = []
  const watch = setInterval(() => {
    for (const m of oldNode.mirrors()) if (m.agreementId === first.id) seen.push(`${m.state}:${m.have >= m.length ? 'full' : 'partial'}`)
  }, 25)
  t.after(() => clearInterval(watch))
  await oldNode.withdraw()
  const exiting = await waitFor(async () => {
    const a = await getAgreement(oldNode.ledger.kv, first.id)
    return a?.exiting === true ? a : null
  }, 30_000, 'the agreement is exiting')
  // while exiting, the old hoster still answers storage challenges for the core (as one of the epoch's
  // selected attestors would ask them: the hoster answers only challenges its ledger view records)
  const dht = createDht({ bootstrap: net.testnet.bootstrap })
  try {
    const { epoch, att } = await waitFor(async () => {
      const e = await currentEpoch(kv())
      const a = await getAttestation(kv(), e, first.id)
      return a === null ? null : { epoch: e, att: a }
    }, 30_000, 'an attestation record for the exiting agreement')
    const res = await runChallenge({
      dht, hosterNodeKey: Buffer.from(oldNode.nodeKey, 'hex'), coreKey: core.key, agreementId: first.id, epoch,
      networkId: (await getNetworkId(kv())) ?? Buffer.alloc(32), beacon: (await getBeacon(kv(), epoch)) ?? Buffer.alloc(32),
      attestorKey: Buffer.from(att.attestors[0] ?? '', 'hex'), length: att.length, samples: att.samples, minFork: att.fork,
      deadlineMs: 2_000, connectTimeoutMs: 5_000
    })
    assert.equal(res.outcome, 'pass', JSON.stringify(res.error))
    assert.ok(exiting.length >= att.length)
  } finally {
    await dht.destroy()
  }

  const ended = await waitFor(async () => {
    const a = await getAgreement(kv(), first.id)
    return a?.state === 'ended' ? a : null
  }, 30_000, 'the old agreement ends')
  clearInterval(watch)
  assert.equal(ended.endReason, 'withdrawn')
  assert.equal(ended.held, 0n)
  const repl = (await listAgreements(kv(), { requestId })).find((a) => a.id !== first.id && a.hoster === newNode.account)
  assert.ok(repl, 'a replacement agreement on the other hoster')
  assert.equal(repl.state, 'active')
  assert.ok(repl.activeEpoch <= ended.endedEpoch)
  const iActive = events.findIndex((e) => e.type === 'agreement-active' && e.agreementId === repl.id)
  const iEnded = events.findIndex((e) => e.type === 'agreement-ended' && e.agreementId === first.id)
  assert.ok(iActive >= 0 && iEnded >= 0 && iActive < iEnded, `replacement active (${iActive}) before the old one ended (${iEnded})`)
  assert.ok(seen.includes('exiting:full'), `the old hoster kept a full copy while exiting (saw ${[...new Set(seen)].join(', ')})`)
  assert.equal((await getRequest(kv(), requestId))?.slots[0]?.[0], repl.id)

  // held-back share released, no penalty: the old hoster got exactly the full hoster share of each pass
  const p = defaultParams(TEST_PARAMS)
  const cost = epochCost(core.byteLength, p.epochSeconds, p.priceMicroPerGiBHour)
  const split = splitPayment(cost, p.hosterSharePpm, p.heldBackPpm, 1)
  const oldAcct = await getAccount(kv(), oldNode.account)
  assert.ok(oldAcct)
  assert.equal(oldAcct.heldBack, 0n)
  assert.equal(ended.fails, 0)
  assert.equal(oldAcct.balance, BigInt(ended.passes) * (split.hosterNow + split.held))
  assert.equal(oldAcct.given, BigInt(ended.passes) * byteSeconds(core.byteLength, p.epochSeconds))
  // no hosting warning ('withheld-reveal' is an indexer's: with 3 indexers one is usually late for an epoch's start)
  assert.deepEqual(oldAcct.warnings.filter((w) => w !== 'withheld-reveal'), [])
  const repAfter = (await getBalance(kv(), oldNode.account))?.reputationPpm ?? -1
  assert.ok(repAfter >= repBefore, `reputation ${repBefore} → ${repAfter}`)

  // --- cancel: only by the author ------------------------------------------------------------------
  const applied: AppliedInfo[] = []
  idx.ledger.on('applied', (info) => applied.push(info))
  // the node waits for the contract's verdict on its own op and reports the refusal
  await assert.rejects(newNode.cancel(requestId), (e: unknown) => (e as { code?: string }).code === 'LEDGER_REFUSED' && /only the request author/.test((e as Error).message))
  const refused = await waitFor(() => applied.find((i) => i.writer === newNode.account && i.result.type === 'cancel' && !i.result.ok), 10_000, 'the foreign cancel is applied')
  const rec = await waitFor(() => getRejected(kv(), refused.opId), 5_000, 'its rejected record')
  assert.equal(rec.type, 'cancel')
  assert.match(rec.reason, /only the request author/)
  assert.equal((await getRequest(kv(), requestId))?.state, 'active')
  await pub.cancel(requestId)
  await waitFor(async () => (await getRequest(kv(), requestId))?.state === 'cancelled', 10_000, 'the author cancels')
  const replEnd = await waitFor(async () => {
    const a = await getAgreement(kv(), repl.id)
    return a?.state === 'ended' ? a : null
  }, 10_000, 'the replacement ends')
  assert.equal(replEnd.endReason, 'cancelled')
  assert.ok(applied.some((i) => i.writer === pub.account && i.result.type === 'cancel' && i.result.ok))

  // --- garbage collection: once an end is final and the grace period is over, hosters drop the whole core
  for (const n of [oldNode, newNode]) {
    await waitFor(async () => {
      const c = n.store.get({ key: core.key })
      await c.ready()
      try {
        for (let i = 0; i < BLOCKS; i++) if (await c.has(i)) return false
        return true
      } finally {
        await c.close()
      }
    }, 30_000, `${n.name} dropping the ended core`)
  }
  assert.ok(await core.has(0, BLOCKS), 'the publisher still holds its own core')

  // --- transfer and sponsor move exact amounts -----------------------------------------------------
  await waitEpoch(idx, (await idx.epoch()) + 1, 10_000) // nothing live is left to settle
  const before = {
    from: await getAccount(kv(), oldNode.account),
    to: await getAccount(kv(), pub.account),
    toBal: await getBalance(kv(), pub.account)
  }
  assert.ok(before.from && before.to && before.toBal)
  assert.ok(before.from.balance > 150n, `hoster earned ${before.from.balance}`)
  await oldNode.transfer(pub.account, 100n)
  await waitFor(async () => (await getAccount(kv(), oldNode.account))?.balance === before.from!.balance - 100n, 10_000, 'transfer applied')
  const afterT = { from: await getAccount(kv(), oldNode.account), to: await getAccount(kv(), pub.account) }
  assert.equal(afterT.from?.balance, before.from.balance - 100n)
  assert.equal(afterT.to?.balance, before.to.balance + 100n)

  // the hoster's favor was paid out of pub's welcome credit: paying it back (above) is repayment, but it
  // cannot be escrowed as a sponsor line while pub still owes (docs/sybil.md)
  await assert.rejects(oldNode.sponsor(pub.account, 50n), /SPONSOR_LINE_OVER_BALANCE/)
  const sponsored = await getBalance(kv(), pub.account)
  assert.ok(sponsored)
  assert.equal(sponsored.lines, before.toBal.lines)
  assert.equal(sponsored.available, before.toBal.available + 100n)
  assert.equal(sponsored.balance, before.toBal.balance + 100n)
  // the same numbers on every node
  for (const n of [pub, hA, hB]) {
    await waitFor(async () => (await getBalance(n.ledger.kv, pub.account))?.balance === sponsored.balance, 10_000, `${n.name} sees the repayment`)
    assert.deepEqual(await getBalance(n.ledger.kv, oldNode.account), await getBalance(kv(), oldNode.account))
  }
})
