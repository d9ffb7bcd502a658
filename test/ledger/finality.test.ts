// What `Ledger.finalVersion` means on a node that is not an indexer: it follows what the indexers
// ordered (not this node's own view, and not only the view session's signed length, which Autobase can
// leave behind on such a node: src/ledger/README.md, "Finality"); the state there is the indexer's.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Ledger, getOffer, type Op } from '../../src/ledger/index.js'
import { waitFor } from '../harness/wait.js'
import { testParams, GiB } from './helpers.js'
import { storePair } from './link.js'

test('a non-indexer\'s final version follows the indexer, never its own unacked ops', { timeout: 120_000 }, async (t) => {
  const pair = await storePair(t, ['final-alice', 'final-bob'])
  const { ledgers } = pair
  const [storeA, storeB] = pair.stores
  const alice = await Ledger.open({ store: storeA, bootstrap: null, ackIntervalMs: 200 })
  ledgers.push(alice)
  await alice.append({ type: 'init-network', time: Date.now(), params: testParams() })
  const bob = await Ledger.open({ store: storeB, bootstrap: alice.key, ackIntervalMs: 200 })
  ledgers.push(bob)
  pair.link()
  await alice.append({ type: 'add-writer', time: Date.now(), writerKey: bob.writerKey, indexer: false })
  await waitFor(async () => { await bob.update(); return bob.writable }, 30_000, 'bob writable')
  assert.equal(bob.isIndexer, false)

  const offer = (n: number): Op => ({ type: 'offer', time: 1_700_000_000_000 + n, capacityBytes: (1 + n) * GiB, group: 'g', nodeKey: Buffer.alloc(32, n) })
  await bob.append(offer(1))
  const caughtUp = async (): Promise<boolean> => {
    await alice.update()
    await bob.update()
    return bob.finalVersion === bob.view.version && alice.finalVersion === alice.view.version && bob.view.version === alice.view.version
  }
  await waitFor(caughtUp, 60_000, 'both views final and equal')
  assert.ok(await bob.readFinal((kv) => getOffer(kv, bob.account)), 'bob\'s first offer is final on bob')

  // Cut off from the indexer, bob's own ops are applied on his view but nobody acks them: not final.
  pair.cut()
  const before = bob.finalVersion
  await bob.append([offer(2), offer(3)])
  await bob.update()
  assert.ok(bob.view.version > before, `bob applied his ops (view ${bob.view.version})`)
  assert.equal(bob.finalVersion, before, 'ops the indexer has not seen are not final')
  const offerOnBob = await bob.readFinal((kv) => getOffer(kv, bob.account))
  assert.equal(offerOnBob?.capacityBytes, 2 * GiB, 'the final state is the one before the cut')

  // Linked again: the indexer orders them, and bob's final state is the indexer's, at one version.
  pair.link()
  await waitFor(caughtUp, 60_000, 'both views final and equal after the cut')
  assert.ok(bob.finalVersion > before)
  const version = Math.min(alice.finalVersion, bob.finalVersion)
  assert.equal((await bob.digest(version)).digest, (await alice.digest(version)).digest)
  assert.equal((await bob.readFinal((kv) => getOffer(kv, bob.account)))?.capacityBytes, 4 * GiB)
})
