// `favor start` as a user runs it (a child process over a loopback testnet): it prints the dashboard's
// one-time login link; the link logs a browser in once (HttpOnly, SameSite=Strict cookie); `favor
// dashboard` prints a fresh one; the CLI's reads carry the token. SIGTERM stops the daemon cleanly.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { after, before, describe, test } from 'node:test'
import { TestNetwork } from '../harness/network.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'
import { waitFor, withTimeout } from '../harness/wait.js'
import { login, raw } from '../api/helpers.js'
import { favorCli, MAIN, NODE_ARGS } from './run.js'

describe('favor start prints a one-time dashboard login link', () => {
  let net: TestNetwork
  let dir: string
  let child: ChildProcess | null = null
  let stdout = ''
  let link = ''

  before(async () => {
    net = await TestNetwork.create()
    dir = await makeTempDir('cli-start')
    const boot = net.bootstrap.map((b) => `${b.host}:${b.port}`).join(',')
    const created = await favorCli(['network', 'create', '--dir', dir])
    assert.equal(created.code, 0, created.stderr)
    const proc = spawn(process.execPath, [...NODE_ARGS, MAIN, 'start', '--dir', dir, '--name', 'starter', '--bootstrap', boot, '--api-port', '0', '--log-level', 'error'], { stdio: ['ignore', 'pipe', 'pipe'] })
    child = proc
    proc.stdout.on('data', (c: Buffer) => { stdout += c.toString('utf8') })
    proc.stderr.on('data', (c: Buffer) => { process.stderr.write(c) })
    const m = await waitFor(() => /dashboard\s+(http:\/\/127\.0\.0\.1:\d+\/login\?code=[0-9a-f]{64})\n/.exec(stdout), 60_000, `the login link on stdout (so far: ${stdout})`, 50)
    link = m[1] as string
  })

  after(async () => {
    if (child !== null && child.exitCode === null) {
      child.kill('SIGKILL')
      await withTimeout(once(child, 'exit'), 10_000, 'the daemon to be killed')
    }
    await removeDir(dir)
    await net.close()
  })

  test('the printed link logs in once; the cookie reads; favor dashboard prints a fresh link', async () => {
    const base = new URL(link).origin
    assert.equal((await raw(base, 'GET', '/status')).status, 401, 'no credential, no status')
    const first = await login(link)
    assert.equal(first.res.status, 303)
    assert.equal(first.res.headers.location, '/')
    const set = String(first.res.headers['set-cookie']?.[0])
    assert.match(set, /HttpOnly/)
    assert.match(set, /SameSite=Strict/)
    assert.equal((await raw(base, 'GET', '/status', { cookie: first.cookie as string })).status, 200)
    assert.equal((await login(link)).res.status, 401, 'the printed code is used up')

    const fresh = await favorCli(['dashboard', '--json', '--dir', dir])
    assert.equal(fresh.code, 0, fresh.stderr)
    const url = (JSON.parse(fresh.stdout) as { url: string }).url
    assert.notEqual(url, link)
    assert.equal((await login(url)).res.status, 303)

    // The CLI's reads send the token.
    const status = await favorCli(['status', '--json', '--dir', dir])
    assert.equal(status.code, 0, status.stderr)
    assert.equal(typeof (JSON.parse(status.stdout) as { account: string }).account, 'string')
  })

  test('SIGTERM stops the daemon cleanly', async () => {
    const proc = child as ChildProcess
    proc.kill('SIGTERM')
    const [code] = await withTimeout(once(proc, 'exit'), 30_000, 'the daemon to stop') as [number | null]
    assert.equal(code, 0, stdout)
    assert.match(stdout, /stopped/)
  })
})
