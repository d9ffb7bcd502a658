// A node whose own apply computed another state than the indexers' (seen after kill -9 and restart
// under load: docs/reliability.md, F5) never calls that state final, says so, and is repaired from the
// indexers' signed state. Bob (not an indexer) runs a contract that deviates once: on his second offer
// it also writes a record the indexer's contract never writes.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Ledger, apply, getOffer, type Op } from '../../src/ledger/index.js'
import { waitFor } from '../harness/wait.js'
import { testParams, GiB } from './helpers.js'
import { storePair } from './link.js'

const offer = (n: number): Op => ({ type: 'offer', time: 1_700_000_000_000 + n, capacityBytes: n * GiB, group: 'g', nodeKey: Buffer.alloc(32, n) })

/** The contract, plus one stray record the first time it applies an offer of `marker` GiB. */
function deviatingOnce(marker: number): typeof apply {
  let done = false
  return async (kv, bytes, meta) => {
    const result = await apply(kv, bytes, meta)
    if (!done && result.ok) {
      const offered = await getOffer(kv, Buffer.from(meta.writerKey).toString('hex'))
      if (offered?.capacityBytes === marker * GiB) {
        done = true
        await kv.put('zz/stray', Buffer.from('only on this node'))
      }
    }
    return result
  }
}

async function twoNodes(t: { after: (fn: () => Promise<void>) => void }, bobOpts: { repair: boolean }): Promise<{ alice: Ledger; bob: Ledger }> {
  const pair = await storePair(t, ['diverge-alice', 'diverge-bob'])
  const { stores, ledgers } = pair
  const alice = await Ledger.open({ store: stores[0], bootstrap: null, ackIntervalMs: 200 })
  ledgers.push(alice)
  await alice.append({ type: 'init-network', time: Date.now(), params: testParams() })
  const bob = await Ledger.open({ store: stores[1], bootstrap: alice.key, ackIntervalMs: 200, contract: deviatingOnce(2), repair: bobOpts.repair })
  ledgers.push(bob)
  pair.link()
  await alice.append({ type: 'add-writer', time: Date.now(), writerKey: bob.writerKey, indexer: false })
  await waitFor(async () => { await bob.update(); return bob.writable }, 30_000, 'bob writable')
  // one offer applied alike on both, and final on both
  await bob.append(offer(1))
  await waitFor(async () => {
    await alice.update()
    await bob.update()
    return bob.finalVersion === bob.view.version && alice.finalVersion === alice.view.version && bob.view.version === alice.view.version
  }, 60_000, 'both views final and equal')
  return { alice, bob }
}

test('a node whose state differs from the signed one never calls it final, and is repaired from the signed state', { timeout: 120_000 }, async (t) => {
  const { alice, bob } = await twoNodes(t, { repair: true })
  const common = bob.finalVersion
  const seen: { signedLength: number; finalThen: number }[] = []
  bob.on('diverged', (d) => seen.push({ signedLength: d.signedLength, finalThen: bob.finalVersion }))

  await bob.append(offer(2)) // bob's own apply writes the stray record: his view differs from here on
  await waitFor(async () => {
    await alice.update()
    await bob.update()
    return bob.repairs >= 1 && bob.finalVersion === alice.finalVersion && alice.finalVersion > common
  }, 60_000, 'bob repaired and final where alice is')

  assert.ok(seen.length >= 1, 'bob said his view differed from the signed one')
  for (const s of seen) assert.ok(s.finalThen <= common, `final version ${s.finalThen} stayed at the common prefix (${common}) while diverged`)
  assert.ok(bob.fastForwards >= 1, 'the repair fast-forwarded bob to the signed state')
  const version = bob.finalVersion
  assert.equal((await bob.digest(version)).digest, (await alice.digest(version)).digest, 'one state at the final version')
  assert.equal(await bob.readFinal(async (kv) => kv.get('zz/stray')), null, 'the stray record is not in bob\'s final state')
  assert.equal((await bob.readFinal((kv) => getOffer(kv, bob.account)))?.capacityBytes, 2 * GiB, 'bob\'s second offer is final, as the indexer applied it')
})

test('without the repair, the differing node\'s final version stays at the common prefix', { timeout: 120_000 }, async (t) => {
  const { alice, bob } = await twoNodes(t, { repair: false })
  const common = bob.finalVersion
  let diverged = 0
  bob.on('diverged', () => { diverged++ })
  await bob.append(offer(2))
  // alice orders and signs past bob's offer (an op of her own after it), bob sees that signed head
  await waitFor(async () => { await alice.update(); return alice.finalVersion > common }, 60_000, 'alice final past the offer')
  await alice.append(offer(3))
  const target = await waitFor(async () => { await alice.update(); return alice.finalVersion > common + 1 ? alice.finalVersion : null }, 60_000, 'alice final past her own op')
  await waitFor(async () => { await bob.update(); return diverged > 0 && bob.view.version >= target }, 60_000, 'bob seeing that his view differs')
  assert.equal(bob.repairs, 0)
  assert.ok(bob.finalVersion <= common, `final version ${bob.finalVersion} not past the common prefix ${common}`)
  assert.ok(await bob.readFinal(async (kv) => kv.get('zz/stray')) === null, 'the final state is the common one')
})
