// A node's life on disk: verifyLedger() on live nodes; close() twice is safe; a node reopened on the
// same directory keeps its identity, its account and its writer status (no second admission).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { getAccount, getBalance, getOffer, listAccounts } from '../../src/ledger/index.js'
import { waitFor } from '../harness/wait.js'
import { NodeNet, waitEpoch } from './helpers.js'

const MiB = 1024 * 1024

test('verifyLedger on live nodes; close twice; reopen keeps the account', { timeout: 60_000 }, async (t) => {
  const net = await NodeNet.create()
  t.after(() => net.close())
  const w = await net.add('w')
  const j = await net.add('j')
  await waitFor(() => j.writable, 20_000, 'j joins')
  await j.offer({ capacityBytes: 8 * MiB, group: 'rack-1' })
  await waitFor(() => getOffer(w.ledger.kv, j.account), 10_000, 'the offer reaches the indexer')
  await waitEpoch(w, 2, 15_000) // ticks and acks: a final prefix that holds the ops above

  for (const n of [w, j]) {
    const rep = await n.verifyLedger(30_000)
    assert.equal(rep.ok, true, `${n.name}: ${JSON.stringify(rep)}`)
    assert.equal(rep.replayDigest, rep.claimedDigest)
    assert.equal(rep.firstDifference, null)
    assert.ok(rep.entries > 0 && rep.version > 0)
  }

  const dir = j.dataDir
  const account = j.account
  const nodeKey = j.nodeKey
  const acctBefore = await getAccount(j.ledger.kv, account)
  assert.ok(acctBefore)
  const balBefore = await getBalance(j.ledger.kv, account)

  // close() twice (concurrently and again afterwards) is safe; a closed node refuses work
  await Promise.all([j.close(), j.close()])
  await j.close()
  assert.equal(j.closed, true)
  await assert.rejects(j.withdraw(), /closed/)

  const accountsBefore = (await listAccounts(w.ledger.kv)).length
  const j2 = await net.add('j', {}, dir)
  assert.equal(j2.account, account)
  assert.equal(j2.nodeKey, nodeKey)
  assert.equal(j2.networkKey, w.networkKey)
  await waitFor(() => j2.writable, 20_000, 'the reopened node is writable again')
  const acctAfter = await waitFor(() => getAccount(j2.ledger.kv, account), 10_000, 'account after reopen')
  assert.equal(acctAfter.joinedEpoch, acctBefore.joinedEpoch, 'not admitted a second time')
  assert.deepEqual(await getBalance(j2.ledger.kv, account), balBefore)
  assert.equal((await getOffer(j2.ledger.kv, account))?.group, 'rack-1')
  assert.equal((await listAccounts(w.ledger.kv)).length, accountsBefore, 'no new account')

  // and it still writes
  await j2.withdraw()
  await waitFor(async () => (await getOffer(w.ledger.kv, account))?.withdrawn === true, 10_000, 'withdraw from the reopened node')
  await j2.close()
  await j2.close()
})
