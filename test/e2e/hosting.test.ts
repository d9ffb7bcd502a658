// Publish → hosters mirror → ready → attestors challenge → report → settle; a stock reader fetches
// every block from the hosters after the publisher went offline; the core grows and hosters follow.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createDht, createSwarm, openStore } from '../../src/stack/index.js'
import { listAgreements, getBalance, getEpoch, epochCost } from '../../src/ledger/index.js'
import { makeBlocks, digestCore } from '../harness/blocks.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'
import { waitFor, withTimeout } from '../harness/wait.js'
import { E2ENet, TEST_PARAMS } from './helpers.js'
import type { ChallengeRecord } from '../../src/node.js'

const MiB = 1024 * 1024

test('publish, mirror, challenge, settle; stock reader; growth', { timeout: 120_000 }, async (t) => {
  const net = await E2ENet.create()
  t.after(() => net.close())
  const n1 = await net.addNode({ name: 'idx', hoster: { capacityBytes: 64 * MiB } })
  const pub = await net.addNode({ name: 'pub' })
  const h2 = await net.addNode({ name: 'h2', hoster: { capacityBytes: 64 * MiB } })
  const h3 = await net.addNode({ name: 'h3', hoster: { capacityBytes: 64 * MiB } })
  const challenges: ChallengeRecord[] = []
  for (const n of net.nodes) n.on('challenge', (c) => challenges.push(c))

  const core = await pub.localCore('photos')
  await core.append(makeBlocks('photos', 0, 64, 16 * 1024))
  const digest = await digestCore(core)
  const pubStart = await getBalance(pub.ledger.kv, pub.account)
  const { requestId } = await pub.publishCore(core, { replicas: 2 })
  assert.ok(requestId >= 1)

  // matched by a matching round (or an epoch start), mirrored, ready → active
  const active = await waitFor(async () => {
    const agrs = await listAgreements(pub.ledger.kv, { requestId })
    return agrs.filter((a) => a.state === 'active').length >= 2 ? agrs : null
  }, 30_000, 'two active agreements')
  const hosters = active.filter((a) => a.state === 'active').map((a) => a.hoster)
  assert.ok(!hosters.includes(pub.account), 'publisher never hosts its own core')

  // a passing challenge, and a settled epoch that paid the hosters
  await waitFor(() => challenges.find((c) => c.outcome === 'pass' && c.coreKey === core.key.toString('hex')), 30_000, 'a passing challenge')
  const settled = await waitFor(async () => {
    const agrs = await listAgreements(pub.ledger.kv, { requestId })
    return agrs.every((a) => a.state !== 'active' || a.passes >= 1) ? agrs : null
  }, 30_000, 'every active agreement passed once')
  // §5 accounting: the publisher paid exactly what hosters + attestors got
  const bal = await getBalance(pub.ledger.kv, pub.account)
  assert.ok(bal && pubStart)
  const paid = settled.reduce((s, a) => s + a.paidMicro, 0n)
  const perEpoch = epochCost(core.byteLength, TEST_PARAMS.epochSeconds ?? 3600, 1_000_000n)
  assert.ok(paid >= perEpoch * 2n, `paid ${paid} ≥ 2 × ${perEpoch}`)
  assert.ok((bal.balance) <= pubStart.balance - paid, 'publisher debited')
  for (const a of settled.filter((x) => x.passes > 0)) {
    const hb = await getBalance(pub.ledger.kv, a.hoster)
    assert.ok(hb && hb.balance + hb.heldBack > 0n, 'hoster credited')
    assert.ok(hb.given > 0n)
  }
  assert.ok(bal.received > 0n, 'publisher received hosting')
  const e = await getEpoch(pub.ledger.kv, 1)
  assert.ok(e?.started)

  // the core grows while the publisher is online: `grow` is recorded and the hosters follow live
  await core.append(makeBlocks('photos', 64, 16, 16 * 1024))
  const grown = await waitFor(async () => {
    const agrs = (await listAgreements(pub.ledger.kv, { requestId })).filter((a) => a.state === 'active')
    return agrs.length >= 2 && agrs.every((a) => a.length === 80) ? agrs : null
  }, 20_000, 'grow recorded on the agreements')
  for (const a of grown) {
    const host = net.nodes.find((n) => n.account === a.hoster)
    assert.ok(host)
    await waitFor(() => host.mirrors().find((m) => m.agreementId === a.id && m.have >= 80), 20_000, `${host.name} follows the growth`)
  }
  const digest80 = await digestCore(core)

  // the publisher goes offline; a stock reader (hypercore + hyperswarm only) gets every block
  const key = core.key
  await net.closeNode(pub)
  const dir = await makeTempDir('reader')
  const store = openStore(dir)
  const dht = createDht({ bootstrap: net.testnet.bootstrap })
  const swarm = createSwarm({ dht })
  swarm.on('connection', (c) => { store.replicate(c) })
  try {
    const rc = store.get({ key })
    await rc.ready()
    swarm.join(rc.discoveryKey, { server: false, client: true })
    await withTimeout(swarm.flush(), 15_000, 'reader flush')
    await withTimeout(rc.update({ wait: true }), 15_000, 'reader learns the length')
    assert.equal(rc.length, 80)
    assert.equal(await digestCore(rc, 10_000), digest80)
    assert.notEqual(digest, digest80)
  } finally {
    await swarm.destroy()
    await dht.destroy()
    await store.close()
    await removeDir(dir)
  }
  void n1; void h2; void h3
})
