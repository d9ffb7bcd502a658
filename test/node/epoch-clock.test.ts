// One epoch length for every node: a node given no compressed clock (`epochMs`) ticks by the network's
// own `epochSeconds`, counted from each epoch's recorded start, so an indexer never starts an epoch
// before the one in progress has lasted `epochSeconds` (DESIGN: epochs are the ledger's, not a node's).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { getEpoch } from '../../src/ledger/index.js'
import { FavorNode } from '../../src/node.js'
import { createLoopbackTestnet } from '../../src/stack/index.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'
import { waitFor } from '../harness/wait.js'
import { TEST_PARAMS } from '../e2e/helpers.js'

test('with no epochMs, a node ticks epochs by the ledger\'s epochSeconds, from each epoch\'s recorded start', { timeout: 60_000 }, async (t) => {
  const testnet = await createLoopbackTestnet(3)
  const dir = await makeTempDir('epoch-clock')
  const node = await FavorNode.create({ dataDir: dir, name: 'solo', bootstrap: testnet.bootstrap, params: { ...TEST_PARAMS, epochSeconds: 4 } })
  t.after(async () => {
    await node.close()
    await testnet.destroy()
    await removeDir(dir)
  })
  await waitFor(async () => (await node.epoch()) >= 3, 40_000, 'epoch 3', 50)
  const starts: number[] = []
  for (let e = 1; e <= 3; e++) {
    const rec = await getEpoch(node.ledger.kv, e)
    assert.ok(rec !== null && rec.started, `epoch ${e} started`)
    starts.push(rec.time)
  }
  for (let i = 1; i < starts.length; i++) {
    const gap = (starts[i] as number) - (starts[i - 1] as number)
    assert.ok(gap >= 4000, `epoch ${i + 1} started ${gap} ms after epoch ${i}: never before epochSeconds (4 s; a node clock of its own would tick every 3 s)`)
  }
})
