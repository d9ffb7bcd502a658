// A FavorNode whose ledger reaches a contract version this Favor does not know stops applying and says
// so: the `stopped` event (LedgerStoppedError, E_UPGRADE_REQUIRED), status().stopped, and appends refused.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { CONTRACT_VERSION, LedgerStoppedError, getMeta } from '../../src/ledger/index.js'
import { waitFor } from '../harness/wait.js'
import { NodeNet } from './helpers.js'

test('a node meeting an unknown contract version emits the upgrade error and shows it in status', { timeout: 90_000 }, async (t) => {
  const net = await NodeNet.create()
  t.after(() => net.close())
  const w = await net.add('w') // the sole indexer: its vote is the majority; it ticks on its own
  const stopped = new Promise<LedgerStoppedError>((resolve) => w.once('stopped', resolve))
  const epoch = await w.epoch()
  await w.appendOp({ type: 'upgrade', time: Date.now(), contractVersion: CONTRACT_VERSION + 1, fromEpoch: epoch + 2 })
  await waitFor(async () => (await getMeta(w.ledger.kv))?.upgrade !== null, 20_000, 'the upgrade scheduled')
  // the tick that starts fromEpoch applies; the node's next op (its next tick) stops it
  const err = await stopped
  assert.ok(err instanceof LedgerStoppedError)
  assert.equal(err.code, 'E_UPGRADE_REQUIRED')
  assert.match(err.message, /upgrade Favor/)
  const st = await w.status()
  assert.deepEqual(st.stopped, { code: 'E_UPGRADE_REQUIRED', message: err.message, upgradeRequired: true })
  assert.equal(st.epoch, epoch + 2, 'the view stays at the epoch the upgrade took effect')
  await assert.rejects(w.appendOp({ type: 'withdraw', time: Date.now() }), LedgerStoppedError)
})
