// The `favor` CLI spawned (compiled, or via tsx from sources) against a running daemon over a real FavorNode: --json outputs
// parse, exit codes mean what they say.
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
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
    for (const c of ['init', 'start', 'stop', 'config', 'dashboard', 'network', 'testnet', 'publish', 'offer', 'withdraw', 'status', 'balance', 'agreements', 'pins', 'transfer', 'sponsor', 'set-limit', 'unpin', 'logs', 'version', 'completion', 'ledger', 'demo']) {
      const r = await favor([c, '--help'])
      assert.equal(r.code, 0, c)
      assert.match(r.stdout, /favor /, c)
      // every flag has a description: `--flag [ARG]   words`
      for (const line of r.stdout.split('\n').filter((l) => /^\s+(-\w, )?--/.test(l))) assert.match(line, /--[\w-]+( \S+)? {3,}\S/, `${c}: ${line}`)
    }
    const completion = await favor(['completion', 'bash'])
    assert.equal(completion.code, 0)
    assert.match(completion.stdout, /complete -F _favor favor/)
    assert.match(completion.stdout, /set-limit/)
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

  test('refusals exit non-zero with a stable code, before or after the ledger', async () => {
    const me = f.node.account
    const other = (f.nodes[1] as { account: string }).account
    const withdraw = await favor(['withdraw', ...d])
    assert.equal(withdraw.code, 4, withdraw.stderr)
    assert.match(withdraw.stderr, /refused \[NO_OFFER\]/)
    const zero = await favor(['offer', '--capacity', '0', ...d])
    assert.equal(zero.code, 2, zero.stderr)
    assert.match(zero.stderr, /more than 0/)
    for (const cmd of ['transfer', 'sponsor', 'set-limit']) {
      const self = await favor([cmd, me, '1', ...d])
      assert.equal(self.code, 4, `${cmd} to self: ${self.stderr}`)
      assert.match(self.stderr, /refused \[SELF\]: cannot .* yourself/)
      const unknown = await favor([cmd, 'ab'.repeat(32), '1', ...d])
      assert.equal(unknown.code, 4, `${cmd} to unknown: ${unknown.stderr}`)
      assert.match(unknown.stderr, /refused \[NO_SUCH_ACCOUNT\]/)
    }
    // Accepted by the API, refused by the contract: the CLI waited for the verdict and reports its reason.
    // (more than the founder's credit, all this fresh network's founder can escrow)
    const escrow = await favor(['set-limit', other, '5000', ...d])
    assert.equal(escrow.code, 4, escrow.stderr)
    assert.match(escrow.stderr, /refused \[INSUFFICIENT_FUNDS\]: the ledger refused the set-limit: only \d+ µfavor can be escrowed .*\(SPONSOR_LINE_OVER_BALANCE\)/)
    assert.equal((await favor(['set-limit', other, '0', '--json', ...d])).code, 0, 'closing a line is accepted')
    // A key no peer serves: said so after a bounded search, nothing appended.
    const before = await f.node.requests({ mine: true })
    const nobody = await favor(['publish', 'cd'.repeat(32), ...d])
    assert.equal(nobody.code, 1, nobody.stderr)
    assert.match(nobody.stderr, /no peer serves this key/)
    assert.equal((await f.node.requests({ mine: true })).length, before.length)
  })

  test('publish --wait --json reaches pinned; writes; 409 exits 4', async () => {
    const key = await makeCore(f.node, 'cli-core', 4)
    const p = await favor(['publish', key, '--replicas', '1', '--name', 'cli', '--wait', '--json', ...d])
    assert.equal(p.code, 0, p.stderr)
    assert.equal((JSON.parse(p.stdout) as { status: string }).status, 'pinned')
    const pins = JSON.parse((await favor(['pins', '--json', '--status', 'pinned', ...d])).stdout) as { count: number }
    assert.equal(pins.count, 1)
    const dup = await favor(['publish', key, ...d])
    assert.equal(dup.code, 4, dup.stderr)
    assert.match(dup.stderr, /refused \[DUPLICATE_PIN\]: .* already published as request/)
    assert.equal((await f.node.requests({ mine: true })).length, 1, 'no second request')
    const requestid = (JSON.parse(p.stdout) as { requestid: string }).requestid
    const unpin = await favor(['unpin', requestid, '--json', ...d])
    assert.equal(unpin.code, 0, unpin.stderr)
    assert.deepEqual(JSON.parse(unpin.stdout), { requestid, cancelled: true })
    assert.equal((await f.node.requests({ mine: true }))[0]?.state, 'cancelled')
    assert.equal((await favor(['unpin', '999', ...d])).code, 1)
    assert.equal((await favor(['offer', '--capacity', '1GiB', '--json', ...d])).code, 0)
    const refused = await favor(['transfer', (f.nodes[1] as { account: string }).account, '1000000', ...d])
    assert.equal(refused.code, 4, refused.stderr)
    assert.match(refused.stderr, /INSUFFICIENT_FUNDS/)
  })

  test('status --watch into a pipe that closes: exit 0, no stack trace, no escape codes', async () => {
    const child = spawn(process.execPath, [...NODE_ARGS, MAIN, 'status', '--watch', ...d], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stderr.on('data', (c: Buffer) => { err += c.toString() })
    const exited = once(child, 'exit') as Promise<[number | null, string | null]>
    // like `| head -2`: read two lines, then close the reading end
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString()
        if (out.split('\n').length > 2) resolve()
      })
    })
    child.stdout.destroy()
    const [code, signal] = await exited
    assert.equal(signal, null)
    assert.equal(code, 0, err)
    assert.doesNotMatch(err, /EPIPE|Error/)
    assert.ok(!out.includes('\u001b'), 'no escape codes on a pipe')
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
