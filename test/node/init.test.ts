// One config from flags to components: flags, environment and file resolve to one ResolvedConfig, and
// that maps to the node's init; the indexer gets no tick interval of its own (it follows epochSeconds).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { nodeInitFromConfig } from '../../src/node/init.js'
import { resolveConfig, silentLogger } from '../../src/runtime/index.js'

test('flags and environment resolve to one config, and that to the node init', async () => {
  const config = await resolveConfig({
    file: false,
    cwd: '/tmp',
    homeDir: '/tmp/favor-home',
    env: { FAVOR_EPOCH_SECONDS: '120', FAVOR_LIMITS_TRANSFERS: '3', FAVOR_LIMITS_CONNECTIONS: '32' },
    flags: { dataDir: '/tmp/favor-init-test', name: 'n1', hoster: { capacityBytes: '1GiB', group: 'rack-2' }, network: { bootstrap: ['127.0.0.1:49737'], invite: 'ab12' } }
  })
  const log = silentLogger()
  const init = nodeInitFromConfig(config, log)
  assert.equal(init.dataDir, '/tmp/favor-init-test')
  assert.equal(init.name, 'n1')
  assert.deepEqual(init.bootstrap, [{ host: '127.0.0.1', port: 49737 }])
  assert.equal(init.networkKey, null)
  assert.deepEqual(init.join, { invite: 'ab12' })
  assert.deepEqual(init.params, { epochSeconds: 120 })
  assert.deepEqual(init.hoster, { capacityBytes: 1024 ** 3, group: 'rack-2' })
  assert.deepEqual(init.limits, { transfers: 3, connections: 32 })
  assert.equal(init.log, log)
  // the indexer's tick interval derives from the ledger's epochSeconds: no compressed clock from a config
  assert.equal(init.epochMs, undefined)

  // no bootstrap and no capacity: the public DHT, not a hoster
  const bare = nodeInitFromConfig(await resolveConfig({ file: false, cwd: '/tmp', homeDir: '/tmp/favor-home', env: {}, flags: { dataDir: '/tmp/favor-init-bare' } }), log)
  assert.equal(bare.bootstrap, null)
  assert.equal(bare.hoster, undefined)
  assert.equal(bare.join, undefined)
})
