// `favor ledger verify` on a node that fast-forwarded: Autobase jumps a late node to a peer's signed view,
// so its store lacks the older blocks of the other writers; verify fetches them from peers, then replays.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { getOffer } from '../../src/ledger/index.js'
import { waitFor } from '../harness/wait.js'
import { NodeNet, waitEpoch } from './helpers.js'

const MiB = 1024 * 1024

test('ledger verify completes on a node that fast-forwarded', { timeout: 240_000 }, async (t) => {
  const net = await NodeNet.create()
  t.after(() => net.close())
  const w = await net.add('w')
  const writers = [await net.addAdmitted('j'), await net.addAdmitted('k')]
  // A history of a few hundred ops per writer, well past Autobase's fast-forward minimum.
  for (let round = 0; round < 20; round++) {
    for (const n of writers) {
      await n.appendOp(Array.from({ length: 20 }, (_, i) => ({
        type: 'offer' as const, time: Date.now(), capacityBytes: 8 * MiB + round * 100 + i, group: `g-${n.name}`, nodeKey: n.nodeKeyPair.publicKey
      })))
    }
  }
  for (const n of writers) await waitFor(() => getOffer(w.ledger.kv, n.account), 30_000, `${n.name}'s offers reach the indexer`)
  await waitEpoch(w, 4, 90_000)
  // the history so far made final: a fixed target, since ticks and acks keep the length growing (a
  // loaded machine kept signedLength more than a few entries behind a moving length for over 60 s)
  const historyLength = w.ledger.base.length
  await waitFor(() => w.ledger.base.signedLength >= historyLength, 60_000, `the history is final (${historyLength})`)

  const late = await net.add('late', { autoJoin: false })
  await waitFor(() => late.ledger.fastForwards >= 1, 60_000, 'the late node fast-forwards')
  await waitFor(() => late.ledger.finalVersion > 0, 30_000, 'the late node has a final view')
  // What the late node holds of the writers' logs before verify: after a fast-forward, not all of it.
  let lacking = 0
  for (const n of writers) {
    const core = late.store.get({ key: n.ledger.writerKey })
    await core.ready()
    lacking += core.length - core.contiguousLength
    await core.close()
  }
  t.diagnostic(`blocks of the writers' logs the late node lacked before verify: ${lacking}`)

  const rep = await late.verifyLedger(90_000)
  assert.equal(rep.ok, true, JSON.stringify(rep))
  assert.equal(rep.replayDigest, rep.claimedDigest)
  assert.equal(rep.writers, 3, 'every writer\'s log was fetched')
  assert.ok(rep.writerBlocks >= 800, `the writer logs hold the history (${rep.writerBlocks} blocks)`)
  assert.ok(rep.entries > 0 && rep.version > 0)
})
