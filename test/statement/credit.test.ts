// Credit across communities, end to end: two Favor networks on ONE loopback testnet (real FavorNodes).
// A member of network A earns favor by hosting in A; its statement (made in A) is honoured in network
// B by a B member who earned there: `favor sponsor <B account> --from-statement FILE --rate R --limit L`
// through B's daemon API opens a line in B for the A member's B account, backed by the B member's own
// balance (nothing minted); the A member's B account spends the line publishing in B; the B member's
// escrow pays for it; in each network Σ(balance + held back + lines) stays 0. The API records which
// statement backed the line and refuses statements it must not honour.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { ApiServer } from '../../src/api/index.js'
import { getAccount, listAccounts, listAgreements, type LedgerKV } from '../../src/ledger/index.js'
import type { FavorNode } from '../../src/node.js'
import { createLoopbackTestnet, type Testnet } from '../../src/stack/index.js'
import { StatementError, verifyStatement } from '../../src/statement/index.js'
import { E2ENet } from '../e2e/helpers.js'
import { call } from '../api/helpers.js'
import { makeBlocks } from '../harness/blocks.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'
import { waitFor } from '../harness/wait.js'

const MiB = 1024 * 1024
const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
const NODE_ARGS = EXT === '.ts' ? ['--import', import.meta.resolve('tsx')] : []
const MAIN = fileURLToPath(new URL(`../../src/cli/main${EXT}`, import.meta.url))

/** One Favor network among several on a shared testnet (the testnet is destroyed by the test). */
class Network extends E2ENet {
  static on(testnet: Testnet): Network {
    return new Network(testnet)
  }

  async closeNodes(): Promise<void> {
    for (const n of [...this.nodes].reverse()) await n.close()
    for (const d of this.dirs) await removeDir(d)
  }
}

/** Σ (balance + held back + sponsor lines) over every account: 0 when nothing was minted or lost. */
async function conserved(kv: LedgerKV): Promise<bigint> {
  let sum = 0n
  for (const a of await listAccounts(kv)) {
    sum += a.balance + a.heldBack
    for (const v of Object.values(a.lines)) sum += v
  }
  return sum
}

/** Publishes a core of `owner` with one replica and waits until its hoster was paid at least once. */
async function paidHoster(owner: FavorNode, name: string): Promise<string> {
  const core = await owner.localCore(name)
  await core.append(makeBlocks(name, 0, 16, 16 * 1024))
  const { requestId } = await owner.publishCore(core, { replicas: 1 })
  const a = await waitFor(async () => (await listAgreements(owner.ledger.kv, { requestId })).find((x) => x.state === 'active' && x.passes >= 1), 90_000, `a paid agreement for ${name}`, 100)
  return a.hoster
}

function cli(args: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...NODE_ARGS, MAIN, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1, stdout, stderr })
    })
  })
}

test('a member of network A gets a credit line in network B from a B member who honours A\'s statement', { timeout: 300_000 }, async (t) => {
  const testnet = await createLoopbackTestnet(3)
  const A = Network.on(testnet)
  const B = Network.on(testnet)
  const apiDir = await makeTempDir('credit-api')
  let api: ApiServer | null = null
  t.after(async () => {
    await api?.close()
    await B.closeNodes()
    await A.closeNodes()
    await testnet.destroy()
    await removeDir(apiDir)
  })

  // Network A: a publisher and two hosters (different groups, so each can attest the other).
  const a0 = await A.addNode({ name: 'a0' })
  const aNodes = [a0, await A.addNode({ name: 'a1', hoster: { capacityBytes: 64 * MiB, group: 'g1' } }), await A.addNode({ name: 'a2', hoster: { capacityBytes: 64 * MiB, group: 'g2' } })]
  // Network B, on the same testnet: a publisher, two hosters, and the A member's account in B.
  const b0 = await B.addNode({ name: 'b0' })
  const bNodes = [b0, await B.addNode({ name: 'b1', hoster: { capacityBytes: 64 * MiB, group: 'g1' } }), await B.addNode({ name: 'b2', hoster: { capacityBytes: 64 * MiB, group: 'g2' } })]
  const bX = await B.addNode({ name: 'bX' })
  assert.notEqual(a0.networkKey, b0.networkKey, 'two networks')

  // Both earn in parallel: the A member (a hoster of A), the B member (a hoster of B).
  const [aMember, bMember] = await Promise.all([paidHoster(a0, 'a-data'), paidHoster(b0, 'b-data')])
  const xA = aNodes.find((n) => n.account === aMember) as FavorNode
  const yB = bNodes.find((n) => n.account === bMember) as FavorNode
  t.diagnostic(`A member ${aMember.slice(0, 8)} (its B account ${bX.account.slice(0, 8)}), B member ${bMember.slice(0, 8)}`)

  // The A member's statement, made in A, with a positive proven balance.
  const stmt = await waitFor(async () => {
    try {
      const bytes = await xA.statement()
      return verifyStatement(bytes, { networkKey: a0.networkKey }).balance > 0n ? bytes : null
    } catch (err) {
      if (err instanceof StatementError && err.code === 'NOT_READY') return null
      throw err
    }
  }, 60_000, 'a statement of the A member with a positive balance', 200)
  const proven = verifyStatement(stmt, { networkKey: a0.networkKey })
  const file = join(apiDir, 'a-member.statement')
  await writeFile(file, stmt)

  // The B member earned enough to escrow a line.
  const yBefore = await waitFor(async () => {
    const acct = await getAccount(yB.ledger.kv, yB.account)
    return acct !== null && acct.balance > 0n ? acct : null
  }, 30_000, 'the B member has a positive balance')

  // B's daemon API over the B member's node; the CLI talks to it.
  api = new ApiServer({ service: yB, dataDir: apiDir, heartbeatMs: 1000 })
  const url = await api.listen()
  await writeFile(join(apiDir, 'api.json'), JSON.stringify({ url }))
  const token = api.token

  // Refusals first (nothing is escrowed): a statement of B itself, a wrong network key, too old, no such file.
  const own = await waitFor(async () => {
    try {
      return await yB.statement()
    } catch (err) {
      if (err instanceof StatementError && err.code === 'NOT_READY') return null
      throw err
    }
  }, 60_000, 'a statement of the B member', 200)
  const sameNet = await call<{ error: { details: string } }>(url, 'POST', '/sponsor/statement', { token, body: { to: bX.account, statement: own.toString('base64'), rate: '1', limit: '1000' } })
  assert.equal(sameNet.status, 400)
  assert.match(String(sameNet.body.error.details), /^WRONG_NETWORK/)
  const wrongKey = await call<{ error: { details: string } }>(url, 'POST', '/sponsor/statement', { token, body: { to: bX.account, statement: stmt.toString('base64'), rate: '1', limit: '1000', network: b0.networkKey } })
  assert.match(String(wrongKey.body.error.details), /^WRONG_NETWORK/)
  const tooOld = await cli(['sponsor', bX.account, '--from-statement', file, '--rate', '1', '--limit', '1000u', '--network', a0.networkKey, '--max-age', '1ms', '--dir', apiDir])
  assert.equal(tooOld.code, 1, tooOld.stderr)
  assert.match(tooOld.stderr, /TOO_OLD/)
  const noAuth = await call(url, 'POST', '/sponsor/statement', { body: { to: bX.account, statement: stmt.toString('base64'), rate: '1', limit: '1000' } })
  assert.equal(noAuth.status, 401)
  assert.equal((await getAccount(yB.ledger.kv, yB.account))?.sponsoring[bX.account], undefined, 'no line yet')

  // The line: rate 0.5 of the proven balance, capped by the limit (the B member's balance). The B member
  // was paid out of B's founder credit (docs/sybil.md §2): transferable, so it can back the line.
  const limit = yBefore.balance
  const expected = (() => {
    const byRate = proven.balance / 2n
    return byRate < limit ? byRate : limit
  })()
  assert.ok(expected > 0n)
  const opened = await cli(['sponsor', bX.account, '--from-statement', file, '--rate', '0.5', '--limit', `${limit}u`, '--network', a0.networkKey, '--max-age', '1h', '--json', '--dir', apiDir])
  assert.equal(opened.code, 0, opened.stderr)
  const line = await waitFor(async () => {
    const acct = await getAccount(yB.ledger.kv, yB.account)
    return acct?.sponsoring[bX.account] ?? null
  }, 30_000, 'the line escrowed in B')
  assert.equal(line, expected, `line = min(limit ${limit}, 0.5 × proven ${proven.balance})`)
  const holder = await waitFor(async () => (await getAccount(yB.ledger.kv, bX.account))?.lines[yB.account] ?? null, 30_000, 'the line on bX')
  assert.equal(holder, line, "the line is the B member's escrow, mirrored on the A member's B account")
  t.diagnostic(`statement ${stmt.byteLength} bytes proves ${proven.balance} µfavor in A; line in B ${line} µfavor from ${yB.account.slice(0, 8)}`)
  const listed = await call<{ lines: { to: string, amount: string, statement: { account: string, network: string } }[] }>(url, 'GET', '/sponsor/statements', { token })
  assert.equal(listed.status, 200)
  assert.equal(listed.body.lines.length, 1, 'the statement-backed line is recorded')
  assert.equal(listed.body.lines[0]?.to, bX.account)
  assert.equal(listed.body.lines[0]?.amount, String(line))
  assert.equal(listed.body.lines[0]?.statement.account, aMember)
  assert.equal(listed.body.lines[0]?.statement.network, a0.networkKey)

  // The A member's B account spends the line publishing in B: the B member's escrow pays B's hosters.
  const core = await bX.localCore('x-data')
  await core.append(makeBlocks('x-data', 0, 16, 16 * 1024))
  const { requestId } = await bX.publishCore(core, { replicas: 1 })
  await waitFor(async () => (await listAgreements(bX.ledger.kv, { requestId })).some((x) => x.passes >= 1), 90_000, 'bX paid a hoster in B', 100)
  const drawn = await waitFor(async () => {
    const y = await getAccount(yB.ledger.kv, yB.account)
    const left = y?.sponsoring[bX.account] ?? 0n
    return left < line ? line - left : null
  }, 30_000, 'the line drawn')
  const x = await getAccount(yB.ledger.kv, bX.account)
  const left = x?.lines[yB.account] ?? 0n
  assert.ok(x !== null && (x.balance >= 0n || left === 0n), `bX paid out of the line before its own credit (balance ${x?.balance}, line left ${left})`)
  t.diagnostic(`bX spent ${drawn} µfavor of the line: the B member's escrow paid B's hosters`)

  // Conservation in each network, on a settled view.
  for (const [net, nodes] of [['A', aNodes], ['B', [...bNodes, bX]]] as const) {
    for (const n of nodes) await n.ledger.update()
    assert.equal(await conserved(nodes[0]!.ledger.kv), 0n, `${net}: Σ(balance + held back + lines) = 0`)
  }
})
