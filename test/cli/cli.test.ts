// The `favor` CLI spawned (compiled, or via tsx from sources) against a running daemon over a real FavorNode: --json outputs
// parse, exit codes mean what they say.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { makeTempDir, removeDir } from '../harness/tmp.js'
import { makeCore, startFixture } from '../api/helpers.js'
import type { ApiFixture } from '../api/helpers.js'

// Compiled tests run the compiled CLI with plain node; from sources, tsx runs main.ts.
const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
const MAIN = fileURLToPath(new URL(`../../src/cli/main${EXT}`, import.meta.url))
const NODE_ARGS = EXT === '.ts' ? ['--import', 'tsx'] : []

function favor(args: string[], env: Record<string, string> = {}): Promise<{ code: number, stdout: string, stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...NODE_ARGS, MAIN, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1
      resolve({ code, stdout, stderr })
    })
  })
}

describe('favor CLI against a running daemon', () => {
  let f: ApiFixture
  let d: string[]
  before(async () => {
    f = await startFixture({ hosters: 1 })
    await writeFile(join(f.dir, 'api.json'), JSON.stringify({ url: f.url }))
    d = ['--dir', f.dir]
  })
  after(async () => { await f.close() })

  test('--help everywhere; usage errors exit 2', async () => {
    assert.equal((await favor(['--help'])).code, 0)
    for (const c of ['init', 'start', 'dashboard', 'network', 'publish', 'offer', 'withdraw', 'status', 'balance', 'agreements', 'pins', 'transfer', 'sponsor', 'ledger', 'demo']) {
      const r = await favor([c, '--help'])
      assert.equal(r.code, 0, c)
      assert.match(r.stdout, /favor /, c)
    }
    assert.equal((await favor(['frobnicate'])).code, 2)
    assert.equal((await favor(['status', '--bogus', ...d])).code, 2)
    assert.equal((await favor(['publish', 'nothex', ...d])).code, 2)
    assert.equal((await favor(['transfer', 'ab'.repeat(32), '-1', ...d])).code, 2)
  })

  test('read commands print JSON that parses', async () => {
    const status = JSON.parse((await favor(['status', '--json', ...d])).stdout) as { account: string }
    assert.equal(status.account, f.node.account)
    const bal = JSON.parse((await favor(['balance', '--json', ...d])).stdout) as { balance: string }
    assert.equal(typeof bal.balance, 'string')
    const other = await favor(['balance', (f.nodes[1] as { account: string }).account, '--json', ...d])
    assert.equal(other.code, 0)
    JSON.parse(other.stdout)
    JSON.parse((await favor(['agreements', '--json', ...d])).stdout)
    JSON.parse((await favor(['pins', '--json', ...d])).stdout)
    const v = await favor(['ledger', 'verify', '--json', ...d])
    assert.equal(v.code, 0, v.stderr)
    assert.equal((JSON.parse(v.stdout) as { ok: boolean }).ok, true)
    const human = await favor(['status', ...d])
    assert.match(human.stdout, /dashboard/)
  })

  test('publish --wait --json reaches pinned; writes; 409 exits 4', async () => {
    const key = await makeCore(f.node, 'cli-core', 4)
    const p = await favor(['publish', key, '--replicas', '1', '--name', 'cli', '--wait', '--json', ...d])
    assert.equal(p.code, 0, p.stderr)
    assert.equal((JSON.parse(p.stdout) as { status: string }).status, 'pinned')
    const pins = JSON.parse((await favor(['pins', '--json', '--status', 'pinned', ...d])).stdout) as { count: number }
    assert.equal(pins.count, 1)
    assert.equal((await favor(['offer', '--capacity', '1GiB', '--json', ...d])).code, 0)
    const refused = await favor(['transfer', (f.nodes[1] as { account: string }).account, '1000000', ...d])
    assert.equal(refused.code, 4, refused.stderr)
    assert.match(refused.stderr, /INSUFFICIENT_FUNDS/)
  })

  test('no daemon: exit 3', async () => {
    const empty = await makeTempDir('cli-empty')
    try {
      const r = await favor(['status', '--json', '--dir', empty])
      assert.equal(r.code, 3)
      assert.match(r.stderr, /not running/)
      await writeFile(join(empty, 'api.json'), JSON.stringify({ url: 'http://127.0.0.1:1' }))
      assert.equal((await favor(['status', '--dir', empty])).code, 3)
      assert.equal((await favor(['status'], { FAVOR_DIR: empty })).code, 3)
    } finally {
      await removeDir(empty)
    }
  })

  test('init and network join write config.json', async () => {
    const dir = await makeTempDir('cli-init')
    try {
      assert.equal((await favor(['init', '--dir', dir, '--name', 'n1', '--capacity', '1GiB'])).code, 0)
      assert.equal((await favor(['network', 'join', 'cd'.repeat(32), '--dir', dir])).code, 0)
      assert.equal((await favor(['network', 'join', 'zz', '--dir', dir])).code, 2)
      assert.equal((await favor(['init', '--dir', dir, '--api-port', 'x'])).code, 2)
    } finally {
      await removeDir(dir)
    }
  })
})
