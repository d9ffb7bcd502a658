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

test('many lookups waiting at once share one listener on the ledger', async (t) => {
  const pair = await storePair(t, ['params-c', 'params-d'])
  const ledger = await Ledger.open({ store: pair.stores[0], bootstrap: null })
  pair.ledgers.push(ledger)
  const before = ledger.listenerCount('update')
  const warnings: Error[] = []
  const onWarning = (w: Error): void => { warnings.push(w) }
  process.on('warning', onWarning)
  t.after(() => process.off('warning', onWarning))
  // as at an epoch's start: a dozen and more intents for records the view does not have yet
  const lookups = Array.from({ length: 20 }, (_, i) => challengeParams({ ledger, nodeKeyPair: keyPair() }, { agreementId: i, epoch: 3, attestorKey: Buffer.alloc(32, 1) }))
  await new Promise((resolve) => setImmediate(resolve))
  assert.ok(ledger.listenerCount('update') <= before + 1, `listeners while 20 lookups wait: ${ledger.listenerCount('update')} (before: ${before})`)
  const answers = await Promise.all(lookups)
  assert.ok(answers.every((a) => 'refuse' in a && a.refuse === 'UNKNOWN_CHALLENGE'))
  // a warning is emitted on the next tick: give it that tick before looking
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message), [])
})
