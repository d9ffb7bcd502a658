// Liveness on real nodes: a network of four members runs three indexers (the contract promotes them);
// one indexer goes silent (its node closes); epochs keep starting and settling on the other two, and
// after `indexerSilentEpochs` the contract removes the silent one and promotes the fourth member.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { getEpoch, getMeta } from '../../src/ledger/index.js'
import { waitFor } from '../harness/wait.js'
import { NodeNet, TEST_PARAMS, waitEpoch } from './helpers.js'

test('three indexers, one silent: epochs go on, the silent one is removed and replaced', { timeout: 240_000 }, async (t) => {
  const net = await NodeNet.create()
  t.after(() => net.close())
  const a = await net.add('a', { params: { ...TEST_PARAMS, indexerTarget: 3, indexerSilentEpochs: 3 } })
  const b = await net.addAdmitted('b')
  const c = await net.addAdmitted('c')
  await waitFor(async () => (await getMeta(a.ledger.kv))?.indexers.length === 3, 60_000, 'three indexers promoted by the contract')
  const indexers = (await getMeta(a.ledger.kv))?.indexers ?? []
  assert.ok(indexers.includes(a.account) && indexers.includes(b.account) && indexers.includes(c.account))
  const d = await net.addAdmitted('d')
  await waitFor(() => b.ledger.isIndexer && c.ledger.isIndexer, 60_000, 'b and c act as Autobase indexers')
  const e0 = await a.epoch()
  await waitEpoch(a, e0 + 2, 60_000) // all three tick for a while

  // c goes silent
  await net.closeNode(c)
  const silentFrom = await a.epoch()
  // epochs keep starting with two of three ticking, and each is settled when the next starts
  await waitEpoch(a, silentFrom + 2, 60_000)
  const settled = await getEpoch(a.ledger.kv, silentFrom + 1)
  assert.ok(settled?.started === true && settled.summary !== null, `epoch ${silentFrom + 1} started and was settled without c`)
  // after indexerSilentEpochs the contract removes c and promotes d
  const meta = await waitFor(async () => {
    const m = await getMeta(a.ledger.kv)
    return m !== null && !m.indexers.includes(c.account) ? m : null
  }, 120_000, 'the silent indexer removed')
  assert.equal(meta.indexers.length, 3, 'the set stays at three')
  assert.ok(meta.indexers.includes(d.account), 'the fourth member was promoted')
  // and the network goes on: d ticks too, epochs keep starting
  const after = await a.epoch()
  await waitEpoch(a, after + 2, 60_000)
  await waitFor(() => d.ledger.isIndexer, 60_000, 'd acts as an Autobase indexer')
})
