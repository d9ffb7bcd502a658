// Matching rounds on real FavorNodes with LONG epochs — 60 s (a compressed clock), and the real one hour of
// a node without epochMs, whose rounds are 5 s apart —: a published core is matched by an indexer's round
// and held by its hosters well inside the epoch it was published in, no epoch start needed.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { listAgreements } from '../../src/ledger/index.js'
import type { LedgerEvent } from '../../src/ledger/index.js'
import { makeBlocks } from '../harness/blocks.js'
import { waitFor } from '../harness/wait.js'
import { E2ENet } from './helpers.js'

const MiB = 1024 * 1024

/** Publishes a core on a network whose epochs last `epochMs` (undefined: the ledger's epochSeconds, 1 h). */
async function firstReplica(t: TestContext, epochMs: number | undefined, label: string): Promise<void> {
  const net = await E2ENet.create()
  t.after(() => net.close())
  const long = { epochMs }
  const idx = await net.addNode({ name: 'idx', hoster: { capacityBytes: 64 * MiB } }, long)
  const pub = await net.addNode({ name: 'pub' }, long)
  const h2 = await net.addNode({ name: 'h2', hoster: { capacityBytes: 64 * MiB } }, long)
  const h3 = await net.addNode({ name: 'h3', hoster: { capacityBytes: 64 * MiB } }, long)
  const rounds: Extract<LedgerEvent, { type: 'round' }>[] = []
  pub.ledger.on('event', (e) => { if (e.type === 'round') rounds.push(e) })
  // every hoster's offer is on the publisher's view before it publishes
  await waitFor(async () => (await pub.ledger.kv.get(`offer/${h3.account}`)) !== null && (await pub.ledger.kv.get(`offer/${h2.account}`)) !== null && (await pub.ledger.kv.get(`offer/${idx.account}`)) !== null, 20_000, 'three offers')
  const epochAtPublish = await pub.epoch()
  assert.equal(epochAtPublish, 1, `the first epoch started at once; the next is ${label} away`)

  const core = await pub.localCore('photos')
  await core.append(makeBlocks('photos', 0, 64, 16 * 1024))
  const t0 = Date.now()
  const { requestId } = await pub.publishCore(core, { replicas: 2 })
  const matched = await waitFor(async () => {
    const agrs = await listAgreements(pub.ledger.kv, { requestId })
    return agrs.length >= 1 ? agrs : null
  }, 30_000, 'an agreement')
  const tMatched = Date.now() - t0
  const active = await waitFor(async () => {
    const agrs = await listAgreements(pub.ledger.kv, { requestId })
    return agrs.find((a) => a.state === 'active') ?? null
  }, 30_000, 'a replica held (ready)')
  const tFirst = Date.now() - t0
  const both = await waitFor(async () => {
    const agrs = (await listAgreements(pub.ledger.kv, { requestId })).filter((a) => a.state === 'active')
    return agrs.length >= 2 ? agrs : null
  }, 30_000, 'both replicas held')
  const tBoth = Date.now() - t0
  console.log(`epoch ${label}: publish → matched ${tMatched} ms, → first replica held ${tFirst} ms, → both ${tBoth} ms (${rounds.length} round op(s) seen)`)

  assert.equal(await pub.epoch(), epochAtPublish, 'no epoch started: the replicas came from a matching round')
  for (const a of [...matched, active, ...both]) assert.equal(a.createdEpoch, epochAtPublish)
  assert.ok(rounds.some((r) => r.created >= 1), 'a round created the agreements')
  for (const a of both) {
    assert.notEqual(a.hoster, pub.account, 'never the publisher')
    const host = net.nodes.find((n) => n.account === a.hoster)
    assert.ok(host !== undefined)
    const m = host.mirrors().find((x) => x.agreementId === a.id)
    assert.ok(m !== undefined && m.have >= 64, `${host.name} holds every block`)
  }
}

test('a 60 s epoch: the first replica is held within seconds of publishing, in the epoch it was published in', { timeout: 120_000 }, async (t) => {
  await firstReplica(t, 60_000, '60 s')
})

test('the real one-hour epoch (no compressed clock; 5 s rounds): the first replica within seconds', { timeout: 120_000 }, async (t) => {
  await firstReplica(t, undefined, '1 h')
})
