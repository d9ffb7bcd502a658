// The hoster's lookup of a challenge's parameters waits (a bounded time) for its own ledger view to catch
// up with the attestor's. It must wait for the network, not spin: a loop whose every turn is served from
// memory would block the node's event loop for the whole wait, and with it the replication that would
// bring the missing record (seen in the soak as a hoster frozen for 3 s: docs/reliability.md).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Ledger } from '../../src/ledger/index.js'
import { LagProbe } from '../../src/protocol/lag-probe.js'
import { challengeParams } from '../../src/roles/challenge-params.js'
import { keyPair } from '../../src/stack/index.js'
import { storePair } from '../ledger/link.js'

test('waiting for a record its view lacks, the hoster keeps its event loop running, then refuses', async (t) => {
  const pair = await storePair(t, ['params-a', 'params-b'])
  const ledger = await Ledger.open({ store: pair.stores[0], bootstrap: null })
  pair.ledgers.push(ledger)
  const probe = new LagProbe()
  const started = performance.now()
  const answer = await challengeParams({ ledger, nodeKeyPair: keyPair() }, { agreementId: 7, epoch: 3, attestorKey: Buffer.alloc(32, 1) })
  const waited = performance.now() - started
  const stall = probe.stop()
  assert.ok('refuse' in answer && answer.refuse === 'UNKNOWN_CHALLENGE', JSON.stringify(answer))
  assert.ok(waited >= 2900, `it waited for its view (${Math.round(waited)} ms)`)
  assert.ok(stall < 1000, `the event loop ran meanwhile: longest stall ${Math.round(stall)} ms`)
})
