// A node whose start fails part-way leaves nothing open: the components started before the failing one
// are stopped in reverse, the error names the component, and the same directory opens again at once
// (the store's lock was released, the identity and the network kept). A close that meets a failing stop
// logs it with the component and stops the rest.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { ComponentStartError, FavorNode } from '../../src/node.js'
import { ATTEST_RESULTS_FILE, CorruptResultsError } from '../../src/roles/attest-results.js'
import { createLogger, createMemorySink } from '../../src/runtime/index.js'
import { createLoopbackTestnet } from '../../src/stack/index.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'
import { TEST_PARAMS } from '../e2e/helpers.js'

test('a failed start stops what started, in reverse, and names the component', { timeout: 60_000 }, async (t) => {
  const testnet = await createLoopbackTestnet(3)
  const dir = await makeTempDir('start-rollback')
  t.after(async () => {
    await testnet.destroy()
    await removeDir(dir)
  })
  const first = await FavorNode.create({ dataDir: dir, name: 'solo', bootstrap: testnet.bootstrap, params: TEST_PARAMS, epochMs: 60_000 })
  const networkKey = first.networkKey
  const account = first.account
  assert.deepEqual(first.componentNames, [
    'store', 'ledger', 'dht', 'admission', 'swarm', 'resources', 'hoster', 'publisher', 'drives', 'folders', 'attestor', 'indexer', 'ledger-events', 'tasks', 'auto-join'
  ])
  await first.close()

  // the attestor's kept results do not parse: its start fails, after the store, ledger, network and four roles
  await writeFile(path.join(dir, ATTEST_RESULTS_FILE), '{ not json')
  const mem = createMemorySink()
  const log = createLogger({ sink: mem.sink, level: 'debug' })
  const err = await FavorNode.create({ dataDir: dir, bootstrap: testnet.bootstrap, params: TEST_PARAMS, epochMs: 60_000, log }).then(
    async (n) => { await n.close(); return null },
    (e: unknown) => e
  )
  assert.ok(err instanceof ComponentStartError, `expected ComponentStartError, got ${String(err)}`)
  assert.equal(err.component, 'attestor')
  assert.ok(err.cause instanceof CorruptResultsError)
  assert.match(err.message, /^attestor did not start: /)
  const failure = mem.records.find((r) => r.level === 'warn' && r.fields?.component === 'attestor')
  assert.ok(failure !== undefined, 'the failed start is logged with the component')
  assert.equal(failure.fields?.started, 'store,ledger,dht,admission,swarm,resources,hoster,publisher,drives,folders')
  assert.deepEqual(mem.records.filter((r) => /stop failed/.test(r.message)).map((r) => r.message), [], 'every rollback stop succeeded')

  // nothing left open: the same directory (its store lock, its identity) opens again at once
  await rm(path.join(dir, ATTEST_RESULTS_FILE))
  const again = await FavorNode.create({ dataDir: dir, bootstrap: testnet.bootstrap, params: TEST_PARAMS, epochMs: 60_000 })
  try {
    assert.equal(again.networkKey, networkKey)
    assert.equal(again.account, account)
  } finally {
    await again.close()
  }
})

test('close stops every component in reverse, logs a failing stop with its component, goes on, and is safe twice', { timeout: 60_000 }, async (t) => {
  const testnet = await createLoopbackTestnet(3)
  const dir = await makeTempDir('close-failure')
  t.after(async () => {
    await testnet.destroy()
    await removeDir(dir)
  })
  const mem = createMemorySink()
  const log = createLogger({ sink: mem.sink, level: 'debug' })
  const node = await FavorNode.create({ dataDir: dir, name: 'solo', bootstrap: testnet.bootstrap, params: TEST_PARAMS, epochMs: 60_000, log })
  // the hoster's stop fails (a stand-in for any component's): the stops after it must still run
  Object.defineProperty(node.hoster, 'onclose', { value: () => Promise.reject(new Error('challenge server stuck')) })
  await Promise.all([node.close(), node.close()])
  await node.close()
  assert.equal(node.closed, true)
  const failures = mem.records.filter((r) => /stop failed/.test(r.message))
  assert.deepEqual(failures.map((r) => [r.fields?.component, r.fields?.error]), [['hoster', 'Error: challenge server stuck']], 'one failure, logged once, with its component')
  // the components after the hoster stopped: the store's lock is free, the directory opens again
  const again = await FavorNode.create({ dataDir: dir, bootstrap: testnet.bootstrap, params: TEST_PARAMS, epochMs: 60_000 })
  await again.close()
})
