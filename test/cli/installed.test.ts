// A real person's path with the INSTALLED binary: `npm pack`, `npm i -g --prefix TMP <tarball>`, then
// TMP/bin/favor (a symlink, as after any global install) drives three daemons on a loopback testnet it
// runs itself (`favor testnet`): init with flags → network create/join (admission over favor/join/1)
// → start → offer → publish → both replicas pinned → the publisher's daemon stopped (and the core's
// writer gone) → a stock hypercore reader fetches every block from the hosters → stop on all.
// Every command's exit code and --json output are checked. Needs the build (`npm test` builds first).
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { after, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { processAlive } from '../../src/runtime/index.js'
import { createDht, createSwarm, openStore } from '../../src/stack/index.js'
import type { BootstrapNode, Core, Dht, Store, Swarm } from '../../src/stack/index.js'
import { makeBlocks } from '../harness/blocks.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'
import { waitFor, withTimeout } from '../harness/wait.js'
import { json, run, spawnJson } from './run.js'
import type { LongRunning, Result } from './run.js'

function repoRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(d, 'package.json')) || !existsSync(join(d, 'tsconfig.json'))) d = dirname(d)
  return d
}

const ROOT = repoRoot()
const BLOCKS = 24
const BLOCK_SIZE = 4096
const CAPACITY = 64 * 1024 * 1024

interface StartInfo { url: string, pid: number, account: string, networkKey: string, logFile: string }

const cleanups: (() => Promise<void>)[] = []
after(async () => {
  for (const c of cleanups.reverse()) await c().catch((e: unknown) => { process.stderr.write(`cleanup: ${String(e)}\n`) })
})

function ok(r: Result, what: string): Result {
  assert.equal(r.code, 0, `${what} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`)
  return r
}

/** A stock hypercore session on the testnet: its own store, DHT node and swarm. */
async function peer(dir: string, bootstrap: BootstrapNode[]): Promise<{ store: Store, dht: Dht, swarm: Swarm, close: () => Promise<void> }> {
  const store = openStore(dir)
  await store.ready()
  const dht = createDht({ bootstrap })
  const swarm = createSwarm({ dht })
  swarm.on('connection', (conn) => {
    conn.on('error', () => { /* the other side went away */ })
    store.replicate(conn)
  })
  let closed = false
  return {
    store, dht, swarm,
    close: async () => {
      if (closed) return
      closed = true
      await swarm.destroy()
      await dht.destroy()
      await store.close()
    }
  }
}

test('the installed favor binary runs three daemons, pins a core on two hosters, and a stock reader gets every block', { timeout: 240_000 }, async () => {
  assert.ok(existsSync(join(ROOT, 'dist/src/cli/main.js')), 'dist/ is missing: run `npm run build` (npm test does)')
  const tmp = await makeTempDir('installed')
  cleanups.push(() => removeDir(tmp))

  // npm pack → npm i -g --prefix: the bin is a symlink into the installed package
  const packed = ok(await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], { cwd: ROOT, timeoutMs: 120_000 }), 'npm pack')
  const tarball = join(tmp, (json<{ filename: string }[]>(packed)[0] as { filename: string }).filename)
  const prefix = join(tmp, 'prefix')
  ok(await run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: tmp, timeoutMs: 180_000 }), 'npm install -g')
  const favor = join(prefix, 'bin', 'favor')
  assert.ok(existsSync(favor), 'the bin is installed')
  const env = { ...process.env, FAVOR_DIR: '', FAVOR_DATA_DIR: '' }
  const f = (args: string[], timeoutMs = 60_000): Promise<Result> => run(favor, args, { env, timeoutMs })

  const help = ok(await f(['--help']), 'favor --help')
  assert.match(help.stdout, /favor testnet/)
  const version = json<{ favor: string }>(ok(await f(['version', '--json']), 'favor version'))
  assert.equal(version.favor, (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version)

  // a local bootstrap, from the installed binary
  const testnet = await spawnJson<{ bootstrap: string[], flag: string }>(favor, ['testnet', '--json'], 30_000, env)
  cleanups.push(() => {
    if (testnet.child.exitCode === null) testnet.child.kill('SIGKILL')
    return Promise.resolve()
  })
  assert.match(testnet.info.flag, /^--bootstrap 127\.0\.0\.1:\d+/)
  const bs = testnet.info.bootstrap.join(',')
  const bootstrap = testnet.info.bootstrap.map((s) => ({ host: s.split(':')[0] as string, port: Number(s.split(':')[1]) }))

  const names = ['n1', 'n2', 'n3'] as const
  const dirs = Object.fromEntries(names.map((n) => [n, join(tmp, n)])) as Record<(typeof names)[number], string>
  for (const n of names) {
    const init = json<{ config: { name: string, api: { port: unknown }, epochSeconds: unknown, network: { bootstrap: unknown } } }>(
      ok(await f(['init', '--dir', dirs[n], '--name', n, '--bootstrap', bs, '--api-port', '0', '--epoch-seconds', '2', '--unvetted-epochs', '0', '--json']), `init ${n}`))
    assert.equal(init.config.name, n)
    assert.equal(init.config.api.port, 0, 'numbers are saved as numbers')
    assert.equal(init.config.epochSeconds, 2)
    assert.deepEqual(init.config.network.bootstrap, testnet.info.bootstrap, 'the bootstrap is saved as a list')
  }
  // without a network, start refuses (exit 2) instead of silently creating one
  assert.equal((await f(['start', '--dir', dirs.n1, '--json'])).code, 2)
  assert.deepEqual(json(ok(await f(['network', 'create', '--json', '--dir', dirs.n1]), 'network create')), { dir: dirs.n1, network: { key: null, create: true } })

  const daemons = new Map<string, LongRunning<StartInfo>>()
  const startDaemon = async (n: (typeof names)[number]): Promise<StartInfo> => {
    const d = await spawnJson<StartInfo>(favor, ['start', '--dir', dirs[n], '--json'], 60_000, env)
    daemons.set(n, d)
    cleanups.push(() => {
      if (d.child.exitCode === null) d.child.kill('SIGKILL')
      return Promise.resolve()
    })
    return d.info
  }
  const n1 = await startDaemon('n1')
  assert.match(n1.networkKey, /^[0-9a-f]{64}$/)
  assert.ok(existsSync(n1.logFile), 'the daemon writes its log file')
  const second = await f(['start', '--dir', dirs.n1, '--json'])
  assert.equal(second.code, 1, 'a second daemon on the same directory is refused')
  assert.match(second.stderr, new RegExp(`already running .*pid ${n1.pid}`))

  // an invite network (the default): n1 vouches for n2 and n3 with single-use invites
  for (const n of ['n2', 'n3'] as const) {
    const inv = json<{ code: string, expiresEpoch: number }>(ok(await f(['network', 'invite', '--json', '--dir', dirs.n1]), `network invite for ${n}`))
    assert.match(inv.code, /^[0-9a-f]{64}$/)
    assert.deepEqual(json(ok(await f(['network', 'join', n1.networkKey, '--invite', inv.code, '--json', '--dir', dirs[n]]), `network join ${n}`)), { dir: dirs[n], network: { key: n1.networkKey, create: false, invite: inv.code } })
  }
  // bad input: an invite code that is not hex is a usage error (nothing written)
  assert.equal((await f(['network', 'join', n1.networkKey, '--invite', 'not-a-code', '--dir', dirs.n3])).code, 2)
  assert.equal((await startDaemon('n2')).networkKey, n1.networkKey)
  // n3 in the background: `start --detach` returns once the daemon is up
  const n3 = json<StartInfo>(ok(await f(['start', '--detach', '--json', '--dir', dirs.n3], 90_000), 'start --detach n3'))
  cleanups.push(() => {
    if (processAlive(n3.pid)) process.kill(n3.pid, 'SIGKILL')
    return Promise.resolve()
  })
  assert.equal(n3.networkKey, n1.networkKey)
  assert.ok(processAlive(n3.pid), 'the detached daemon runs')
  // admission over favor/join/1: every node becomes a writer
  for (const n of names) {
    await waitFor(async () => {
      const r = await f(['status', '--json', '--dir', dirs[n]])
      return r.code === 0 && json<{ node: { writable: boolean } }>(r).node.writable
    }, 60_000, `${n} writable`, 300)
  }

  for (const n of ['n1', 'n2'] as const) {
    const offer = json<{ capacityBytes: number }>(ok(await f(['offer', '--capacity', '64MiB', '--json', '--dir', dirs[n]]), `offer ${n}`))
    assert.equal(offer.capacityBytes, CAPACITY)
  }

  // the core's writer: a stock hypercore on the testnet
  const writer = await peer(join(tmp, 'writer'), bootstrap)
  cleanups.push(() => writer.close())
  const core: Core = writer.store.get({ name: 'data' })
  await core.ready()
  const blocks = makeBlocks('installed', 0, BLOCKS, BLOCK_SIZE)
  await core.append(blocks)
  writer.swarm.join(core.discoveryKey, { server: true, client: true })
  await writer.swarm.flush()
  const key = core.key.toString('hex')

  const pub = json<{ requestid: string, status: string, info: { activeReplicas?: string } }>(
    ok(await f(['publish', key, '--replicas', '2', '--name', 'data', '--wait', '--timeout', '90', '--json', '--dir', dirs.n3], 120_000), 'publish --wait'))
  assert.equal(pub.status, 'pinned')
  assert.equal(pub.info.activeReplicas, '2', 'both replicas active')
  const pins = json<{ count: number, results: { requestid: string, status: string }[] }>(ok(await f(['pins', '--json', '--dir', dirs.n3]), 'pins'))
  assert.deepEqual(pins.results.map((p) => [p.requestid, p.status]), [[pub.requestid, 'pinned']])
  const dup = await f(['publish', key, '--json', '--dir', dirs.n3])
  assert.equal(dup.code, 4, 'a duplicate publish is refused')
  assert.match(dup.stderr, /DUPLICATE_PIN/)

  // the writer goes away and the publisher's daemon stops
  await writer.close()
  const stopped = json<{ stopped: boolean, pid: number }>(ok(await f(['stop', '--json', '--dir', dirs.n3]), 'stop n3'))
  assert.equal(stopped.stopped, true)
  assert.equal(stopped.pid, n3.pid)
  assert.ok(!processAlive(n3.pid), 'stop returns once the daemon is gone')
  assert.equal((await f(['status', '--json', '--dir', dirs.n3])).code, 3, 'no daemon: exit 3')

  // a stock reader that knows only the key gets every block from the hosters
  const reader = await peer(join(tmp, 'reader'), bootstrap)
  cleanups.push(() => reader.close())
  const copy = reader.store.get({ key: Buffer.from(key, 'hex') })
  await copy.ready()
  reader.swarm.join(copy.discoveryKey, { server: false, client: true })
  await reader.swarm.flush()
  await waitFor(async () => { await copy.update({ wait: true }); return copy.length === BLOCKS }, 30_000, 'the reader to learn the length', 200)
  for (let i = 0; i < BLOCKS; i++) {
    const got = await withTimeout(copy.get(i, { timeout: 10_000 }), 15_000, `block ${i}`)
    assert.ok(got !== null && got.equals(blocks[i] as Buffer), `block ${i} matches`)
  }
  await reader.close()

  for (const n of ['n1', 'n2'] as const) {
    assert.equal(json<{ stopped: boolean }>(ok(await f(['stop', '--json', '--dir', dirs[n]]), `stop ${n}`)).stopped, true)
    assert.equal(await daemons.get(n)?.exited(10_000), 0, `${n} exits 0`)
  }
  testnet.child.kill('SIGTERM')
  assert.equal(await testnet.exited(10_000), 0, 'testnet exits 0 on SIGTERM')
})
