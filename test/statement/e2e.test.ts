// Statements end to end on a loopback testnet of real FavorNodes: a hoster earns favor; its statement,
// fetched through the API (and the CLI), verifies in a separate process that has only the file and the
// network key, in a network namespace with no network at all; the values equal the ledger's; the
// verifier loads no Holepunch network module; the CLI's offline verify exits with the codes.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { listAgreements } from '../../src/ledger/index.js'
import { verifyStatement } from '../../src/statement/index.js'
import { call, makeCore, startFixture, type ApiFixture } from '../api/helpers.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'
import { waitFor } from '../harness/wait.js'
import { ledgerValuesAt } from './helpers.js'

const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
// The children run in an empty directory: name the tsx loader by its resolved URL, not by package name.
const NODE_ARGS = EXT === '.ts' ? ['--import', import.meta.resolve('tsx')] : []
const CHILD = fileURLToPath(new URL(`./child-verify${EXT}`, import.meta.url))
const MAIN = fileURLToPath(new URL(`../../src/cli/main${EXT}`, import.meta.url))
/** Run children in a fresh network namespace (no interface up) when this machine allows it. */
const UNSHARE = existsSync('/usr/bin/unshare') && process.getuid?.() === 0 ? ['/usr/bin/unshare', '--net', '--'] : []

/** Holepunch modules that open sockets or storage; the offline verifier must load none of them. */
const NETWORK_MODULE = /node_modules\/(hypercore\/index\.js|hyperbee\/index\.js|corestore\/|autobase\/|hyperswarm\/|hyperdht\/|protomux\/|udx-native\/|dht-rpc\/|rocksdb-native\/|hypercore-storage\/|@hyperswarm\/|blind-peer)/

function run(args: string[], cwd?: string): Promise<{ code: number, stdout: string, stderr: string }> {
  const [cmd, ...rest] = [...UNSHARE, process.execPath, ...NODE_ARGS, ...args]
  return new Promise((resolve) => {
    execFile(cmd as string, rest, { timeout: 60_000, ...(cwd !== undefined ? { cwd } : {}) }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1
      resolve({ code, stdout, stderr })
    })
  })
}

describe('balance statements on a loopback network of FavorNodes', () => {
  let f: ApiFixture
  let tmp: string
  let hoster: string
  before(async () => {
    f = await startFixture({ hosters: 2 })
    tmp = await makeTempDir('statement-e2e')
    const key = await makeCore(f.node, 'statement-data', 16)
    const { requestId } = await f.node.publish(key, { replicas: 1 })
    // A hoster earns: an active agreement paid at least once (the other hoster attests it).
    const paid = await waitFor(async () => (await listAgreements(f.node.ledger.kv, { requestId })).find((a) => a.state === 'active' && a.passes >= 1), 90_000, 'a paid agreement', 100)
    hoster = paid.hoster
  })
  after(async () => {
    await f.close()
    await removeDir(tmp)
  })

  test('a statement made on one node verifies in another process with only the file and the network key', { timeout: 120_000 }, async (t) => {
    const res = await waitFor(async () => {
      const r = await call<{ account: string, network: string, bytes: number, statement: string }>(f.url, 'GET', `/statements/${hoster}`, { token: f.token })
      // A statement shows the ledger's signed (final) state: wait until that state holds the payment.
      return r.status === 200 && verifyStatement(Buffer.from(r.body.statement, 'base64'), { networkKey: f.node.networkKey }).balance > 0n ? r : null
    }, 60_000, 'the API to make a statement of a paid hoster', 100)
    assert.equal(res.body.network, f.node.networkKey)
    const bytes = Buffer.from(res.body.statement, 'base64')
    assert.equal(bytes.byteLength, res.body.bytes)
    const file = join(tmp, 'hoster.statement')
    await writeFile(file, bytes)

    const child = await run([CHILD, file, f.node.networkKey], tmp)
    assert.equal(child.code, 0, child.stderr)
    const out = JSON.parse(child.stdout) as { ok: boolean, values: Record<string, unknown>, modules: string[], interfaces: string[], code?: string }
    assert.equal(out.ok, true, out.code)
    if (UNSHARE.length > 0) assert.deepEqual(out.interfaces, [], 'the child had no network interface up')
    const version = out.values.version as number
    const truth = await ledgerValuesAt(f.node.ledger, version, hoster)
    assert.ok(truth)
    assert.equal(out.values.balance, truth.balance.toString())
    assert.equal(out.values.given, truth.given.toString())
    assert.equal(out.values.received, truth.received.toString())
    assert.equal(out.values.heldBack, truth.heldBack.toString())
    assert.equal(out.values.reputationPpm, truth.reputationPpm)
    assert.equal(out.values.epoch, truth.epoch)
    assert.equal(out.values.epochTime, truth.epochTime)
    assert.ok(truth.balance > 0n && truth.given > 0n, 'the hoster earned favor and gave storage')
    assert.ok(truth.epoch > 0 && typeof out.values.epochTime === 'number', 'the statement is dated by its epoch')
    const offending = out.modules.filter((m) => NETWORK_MODULE.test(m))
    assert.deepEqual(offending, [], 'the verifier loaded no Holepunch network module')
    assert.ok(out.modules.some((m) => m.includes('hypercore-crypto')), 'the module list is real (it has the crypto the verifier uses)')
    t.diagnostic(`child: ${out.modules.length} package modules loaded, no network module; interfaces: [${out.interfaces.join(', ')}]${UNSHARE.length > 0 ? ' (own network namespace)' : ''}`)

    // In-process too, with freshness: a day is fine, a millisecond is not.
    assert.equal(verifyStatement(bytes, { networkKey: f.node.networkKey, maxAgeMs: 86_400_000 }).account, hoster)
    assert.throws(() => verifyStatement(bytes, { networkKey: f.node.networkKey, maxAgeMs: 1, now: Date.now() + 10 }), /TOO_OLD/)
  })

  test('CLI: favor statement via the daemon, favor statement verify offline with exit codes', { timeout: 120_000 }, async () => {
    await writeFile(join(f.dir, 'api.json'), JSON.stringify({ url: f.url }))
    const file = join(tmp, 'cli.statement')
    // Making one needs the daemon (not run in the empty namespace).
    const made = await new Promise<{ code: number, stdout: string, stderr: string }>((resolve) => {
      execFile(process.execPath, [...NODE_ARGS, MAIN, 'statement', hoster, '--out', file, '--json', '--dir', f.dir], { timeout: 60_000 }, (err, stdout, stderr) => {
        resolve({ code: err === null ? 0 : (err as { code?: number }).code ?? 1, stdout, stderr })
      })
    })
    assert.equal(made.code, 0, made.stderr)
    assert.equal((JSON.parse(made.stdout) as { account: string }).account, hoster)
    const key = f.node.networkKey

    const ok = await run([MAIN, 'statement', 'verify', file, '--network', key, '--max-age', '1d', '--json'], tmp)
    assert.equal(ok.code, 0, ok.stderr)
    const v = JSON.parse(ok.stdout) as { ok: boolean, account: string, balance: string }
    assert.equal(v.ok, true)
    assert.equal(v.account, hoster)
    const human = await run([MAIN, 'statement', 'verify', file, '--network', key], tmp)
    assert.equal(human.code, 0, human.stderr)
    assert.match(human.stdout, /^ok: /)
    assert.match(human.stdout, /balance {5}\S+ favor/)

    const old = await run([MAIN, 'statement', 'verify', file, '--network', key, '--max-age', '1ms'], tmp)
    assert.notEqual(old.code, 0)
    assert.match(old.stderr, /TOO_OLD/)
    const wrong = await run([MAIN, 'statement', 'verify', file, '--network', hoster], tmp)
    assert.notEqual(wrong.code, 0)
    assert.match(wrong.stderr, /WRONG_NETWORK/)
    const garbage = join(tmp, 'garbage.bin')
    await writeFile(garbage, Buffer.from('not a statement at all'))
    const bad = await run([MAIN, 'statement', 'verify', garbage, '--network', key, '--json'], tmp)
    assert.notEqual(bad.code, 0)
    assert.equal((JSON.parse(bad.stdout) as { code: string }).code, 'MALFORMED')
    const flipped = join(tmp, 'flipped.bin')
    const b = await readFile(file)
    b.writeUInt8(b.readUInt8(b.length - 7) ^ 4, b.length - 7)
    await writeFile(flipped, b)
    const tampered = await run([MAIN, 'statement', 'verify', flipped, '--network', key], tmp)
    assert.notEqual(tampered.code, 0)
    assert.match(tampered.stderr, /BAD_SIGNATURE|BAD_PATH|MALFORMED/)
    const missing = await run([MAIN, 'statement', 'verify', join(tmp, 'nope.bin'), '--network', key], tmp)
    assert.equal(missing.code, 1)
    const usage = await run([MAIN, 'statement', 'verify', file, '--max-age', 'soon'], tmp)
    assert.equal(usage.code, 2)
  })

  test('API: GET /statements/:account — me, unknown account 404, bad id 400', { timeout: 60_000 }, async () => {
    // 503 NOT_READY is the honest answer while a fresh indexer set is not yet linked to the network key
    const me = await waitFor(async () => {
      const r = await call<{ account: string, statement: string }>(f.url, 'GET', '/statements/me', { token: f.token })
      assert.ok(r.status === 200 || r.status === 503, `status ${r.status}`)
      return r.status === 200 ? r : null
    }, 30_000, 'a statement of this node', 100)
    assert.equal(verifyStatement(Buffer.from(me.body.statement, 'base64'), { networkKey: f.node.networkKey }).account, f.node.account)
    const unknown = await call(f.url, 'GET', `/statements/${'ab'.repeat(32)}`, { token: f.token })
    assert.equal(unknown.status, 404)
    const bad = await call(f.url, 'GET', '/statements/nothex', { token: f.token })
    assert.equal(bad.status, 400)
  })
})
