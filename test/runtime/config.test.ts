import assert from 'node:assert/strict'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { ConfigError, DEFAULT_API_HOST, DEFAULT_API_PORT, DEFAULT_EPOCH_SECONDS, resolveConfig } from '../../src/runtime/index.js'
import { tempDir } from './helpers.js'

async function configError(p: Promise<unknown>): Promise<ConfigError> {
  try {
    await p
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`)
    return err
  }
  assert.fail('expected a ConfigError')
}

test('defaults: complete, frozen, home-relative data dir', async (t) => {
  const { dir, remove } = await tempDir()
  t.after(remove)
  const c = await resolveConfig({ env: {}, homeDir: dir })
  assert.equal(c.dataDir, join(dir, '.favor'))
  assert.equal(c.api.host, DEFAULT_API_HOST)
  assert.equal(c.api.port, DEFAULT_API_PORT)
  assert.equal(c.epochSeconds, DEFAULT_EPOCH_SECONDS)
  assert.deepEqual(c.network, { bootstrap: [], key: null, create: false, invite: null })
  assert.deepEqual(c.hoster, { capacityBytes: 0, group: null })
  assert.equal(c.configFile, null)
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.api) && Object.isFrozen(c.network.bootstrap))
})

test('precedence per field: flags > env > file > defaults', async (t) => {
  const { dir, remove } = await tempDir()
  t.after(remove)
  await writeFile(join(dir, 'config.json'), JSON.stringify({
    name: 'from-file',
    api: { port: 1111, host: '0.0.0.0' },
    epochSeconds: 60,
    hoster: { capacityBytes: '2GiB', group: 'rack-a' },
    network: { bootstrap: ['10.0.0.1:49737', { host: '::1', port: 5 }] }
  }))
  const c = await resolveConfig({
    env: { FAVOR_DATA_DIR: dir, FAVOR_API_PORT: '2222', FAVOR_NAME: 'from-env', FAVOR_LOG_LEVEL: 'debug', UNRELATED: 'x' },
    flags: { name: 'from-flags' }
  })
  assert.equal(c.configFile, join(dir, 'config.json'))
  assert.equal(c.name, 'from-flags') // flags beat env and file
  assert.equal(c.api.port, 2222) // env beats file
  assert.equal(c.api.host, '0.0.0.0') // file beats default
  assert.equal(c.epochSeconds, 60)
  assert.equal(c.logLevel, 'debug')
  assert.equal(c.hoster.capacityBytes, 2 * 2 ** 30)
  assert.equal(c.hoster.group, 'rack-a')
  assert.deepEqual(c.network.bootstrap, [{ host: '10.0.0.1', port: 49737 }, { host: '::1', port: 5 }])
  assert.equal(c.limits.connections, 64) // default
})

test('env strings are parsed: lists, sizes, keys', async (t) => {
  const { dir, remove } = await tempDir()
  t.after(remove)
  const key = 'AB'.repeat(32)
  const c = await resolveConfig({
    homeDir: dir,
    env: {
      FAVOR_NETWORK_BOOTSTRAP: '127.0.0.1:1000, [::1]:2000',
      FAVOR_NETWORK_KEY: key,
      FAVOR_HOSTER_CAPACITY_BYTES: '1.5 GB',
      FAVOR_LIMITS_TRANSFERS: '4',
      FAVOR_API_PORT: ''
    }
  })
  assert.deepEqual(c.network.bootstrap, [{ host: '127.0.0.1', port: 1000 }, { host: '::1', port: 2000 }])
  assert.equal(c.network.key, key.toLowerCase())
  assert.equal(c.hoster.capacityBytes, 1_500_000_000)
  assert.equal(c.limits.transfers, 4)
  assert.equal(c.api.port, DEFAULT_API_PORT, 'an empty variable counts as unset')
})

test('errors name the field and the source, and every bad value is reported', async (t) => {
  const { dir, remove } = await tempDir()
  t.after(remove)
  await writeFile(join(dir, 'config.json'), JSON.stringify({ epochSeconds: 0, api: { prot: 1 }, limits: { connections: 'many' } }))
  const err = await configError(resolveConfig({
    env: { FAVOR_DATA_DIR: dir, FAVOR_API_PORT: 'abc', FAVOR_NETWORK_KEY: 'xyz' },
    flags: { logLevel: 'loud' as never, api: { port: 70000 } }
  }))
  const messages = err.issues.map((i) => i.message)
  assert.ok(messages.includes("FAVOR_API_PORT: expected an integer 0–65535, got 'abc'"), messages.join('\n'))
  assert.ok(messages.includes("FAVOR_NETWORK_KEY: expected 64 hex characters (a 32-byte key), got 'xyz'"))
  assert.ok(messages.includes("--log-level: expected one of debug, info, warn, error, silent, got 'loud'"))
  assert.ok(messages.includes('--api-port: expected an integer 0–65535, got 70000'))
  const file = join(dir, 'config.json')
  assert.ok(messages.includes(`${file}: epochSeconds: expected an integer 1–604800, got 0`))
  assert.ok(messages.includes(`${file}: api.prot: unknown field`))
  assert.ok(messages.includes(`${file}: limits.connections: expected an integer 1–1000000, got 'many'`))
  assert.equal(err.code, 'INVALID_CONFIG')
  assert.deepEqual(new Set(err.issues.map((i) => i.source)), new Set(['env', 'flags', 'file']))
  assert.equal(err.issues.find((i) => i.location === 'FAVOR_API_PORT')?.field, 'api.port')
})

test('a named config file must exist and parse; relative dataDir in it resolves from the file', async (t) => {
  const { dir, remove } = await tempDir()
  t.after(remove)
  const missing = await configError(resolveConfig({ file: join(dir, 'nope.json'), env: {} }))
  assert.match(missing.message, /nope\.json: cannot read the config file/)
  await writeFile(join(dir, 'broken.json'), '{ "name": ')
  const broken = await configError(resolveConfig({ file: join(dir, 'broken.json'), env: {} }))
  assert.match(broken.message, /broken\.json: not valid JSON/)
  await mkdir(join(dir, 'etc'))
  await writeFile(join(dir, 'etc', 'favor.json'), JSON.stringify({ dataDir: '../state', name: 'bob' }))
  const c = await resolveConfig({ flags: { configFile: join(dir, 'etc', 'favor.json') }, env: {} })
  assert.equal(c.dataDir, join(dir, 'state'))
  assert.equal(c.name, 'bob')
  const none = await resolveConfig({ file: false, env: { FAVOR_DATA_DIR: join(dir, 'etc') }, cwd: dir })
  assert.equal(none.configFile, null)
})

test('flags become typed config-file content; sources say where each value came from', async (t) => {
  const { userConfigFromFlags, resolveConfigDetailed } = await import('../../src/runtime/index.js')
  const { dir, remove } = await tempDir()
  t.after(remove)
  const typed = userConfigFromFlags({ api: { port: '0' as unknown as number }, epochSeconds: '10' as unknown as number, network: { bootstrap: '127.0.0.1:49736' as unknown as string[] } })
  assert.deepEqual(typed, { api: { port: 0 }, epochSeconds: 10, network: { bootstrap: ['127.0.0.1:49736'] } })
  assert.throws(() => userConfigFromFlags({ epochSeconds: 'ten' as unknown as number }), (e: unknown) => e instanceof ConfigError && /--epoch-seconds/.test(e.message))
  await writeFile(join(dir, 'config.json'), JSON.stringify(typed))
  const d = await resolveConfigDetailed({ env: { FAVOR_NAME: 'envname' }, flags: { dataDir: dir, epochSeconds: '20' as unknown as number }, homeDir: dir })
  assert.equal(d.config.api.port, 0)
  assert.equal(d.config.epochSeconds, 20)
  assert.deepEqual(d.config.network.bootstrap, [{ host: '127.0.0.1', port: 49736 }])
  assert.deepEqual(d.sources.epochSeconds, { source: 'flags', location: '--epoch-seconds' })
  assert.deepEqual(d.sources.name, { source: 'env', location: 'FAVOR_NAME' })
  assert.deepEqual(d.sources['api.port'], { source: 'file', location: `${join(dir, 'config.json')}: api.port` })
  assert.deepEqual(d.sources['api.host'], { source: 'default', location: 'default' })
})
