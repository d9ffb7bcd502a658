// Authorisation: every act without the right is refused AND recorded — on the ledger as
// rejected/<opId> with a reason (identical on every node), or as the API's JSON error.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { ApiServer } from '../../src/api/index.js'
import {
  encodeOp, getAccount, getAttestation, getEpoch, getMeta, getOffer, getRejected, getRequest, listAgreements,
  type Agreement, type AppliedInfo, type Op, type RejectedRecord
} from '../../src/ledger/index.js'
import { FavorNode, NotWritableError } from '../../src/node.js'
import { makeBlocks } from '../harness/blocks.js'
import { makeTempDir } from '../harness/tmp.js'
import { waitFor, withTimeout } from '../harness/wait.js'
import { E2ENet, TEST_PARAMS } from '../e2e/helpers.js'

const MiB = 1024 * 1024

/**
 * Appends `op` as `author` and returns the opId of the refused op of that type the author's ledger then
 * applies. (The node's own roles append concurrently on the same writer core, so "the last entry of the
 * local core" is not reliably this op.)
 */
async function appendRefused(author: FavorNode, op: Op): Promise<string> {
  let onApplied: ((info: AppliedInfo) => void) | null = null
  const applied = new Promise<string>((resolve) => {
    onApplied = (info: AppliedInfo): void => {
      if (info.writer === author.account && info.result.type === op.type && !info.result.ok) resolve(info.opId)
    }
    author.ledger.on('applied', onApplied)
  })
  try {
    await author.appendOp(op)
    return await withTimeout(applied, 20_000, `${op.type} by ${author.name} to be applied`)
  } finally {
    if (onApplied) author.ledger.off('applied', onApplied)
  }
}

/** Appends `op` as `author` and waits until every checker recorded it as rejected. */
async function refused(author: FavorNode, op: Op, checkers: FavorNode[], reason: RegExp): Promise<RejectedRecord> {
  const opId = await appendRefused(author, op)
  let rec: RejectedRecord | null = null
  for (const c of checkers) {
    rec = await waitFor(async () => { await c.ledger.update(); return getRejected(c.ledger.kv, opId) }, 20_000, `rejected/${opId} on ${c.name}`, 100)
    assert.match(rec.reason, reason, `${op.type} by ${author.name}: ${rec.reason}`)
    assert.equal(rec.writer, author.account)
  }
  return rec as RejectedRecord
}

function fakeReport(epoch: number, agreementId: number): Op {
  return { type: 'report', time: Date.now(), epoch, results: [{ agreementId, outcome: 'missing', samples: 8, latencyP50Ms: 1, latencyP99Ms: 1, rttMs: 0, code: 0, receipt: null, failing: null }] }
}

test('authorisation: refused and recorded', { timeout: 150_000 }, async (t) => {
  const net = await E2ENet.create()
  let api: ApiServer | null = null
  let outsider: FavorNode | null = null
  t.after(async () => {
    await api?.close()
    await outsider?.close()
    await net.close()
  })
  // One indexer (idx): 'other' must stay a plain writer for the tick and vote refusals below.
  const idx = await net.addNode({ name: 'idx' }, { params: { ...TEST_PARAMS, indexerTarget: 1 } })
  const pub = await net.addNode({ name: 'pub' })
  const other = await net.addNode({ name: 'other' })
  const h1 = await net.addNode({ name: 'h1', hoster: { capacityBytes: 64 * MiB, group: 'g1' } })
  const h2 = await net.addNode({ name: 'h2', hoster: { capacityBytes: 64 * MiB, group: 'g1' } })
  await net.addNode({ name: 'h3', hoster: { capacityBytes: 64 * MiB, group: 'g2' } })
  const checkers = [idx, pub]
  const recorded: string[] = []

  // a node that was never admitted (auto-join off: on this open network a join request would be granted)
  const oDir = await makeTempDir('outsider')
  net.dirs.push(oDir)
  outsider = await FavorNode.create({ dataDir: oDir, name: 'outsider', bootstrap: net.testnet.bootstrap, networkKey: idx.networkKey, params: TEST_PARAMS, autoJoin: false })
  await assert.rejects(outsider.transfer(pub.account, 1n), NotWritableError)
  let rawErr = 'appended locally'
  try {
    await outsider.ledger.appendRaw(encodeOp({ type: 'transfer', time: Date.now(), to: Buffer.from(pub.account, 'hex'), amount: 1n }))
  } catch (err) {
    rawErr = (err as Error).message
  }
  recorded.push(`non-admitted append: NotWritableError; raw append: ${rawErr}`)

  const core = await pub.localCore('auth')
  await core.append(makeBlocks('auth', 0, 16, 8 * 1024))
  const { requestId } = await pub.publishCore(core, { replicas: 2 })

  // cancelling someone else's request (once `other` has the request, so its cancel follows it causally)
  await waitFor(async () => (await getRequest(other.ledger.kv, requestId)) !== null, 20_000, 'the request reaching other', 50)
  const cancel = await refused(other, { type: 'cancel', time: Date.now(), requestId }, checkers, /only the request author may cancel/)
  recorded.push(`cancel by non-author: ${cancel.reason}`)
  assert.equal((await getRequest(idx.ledger.kv, requestId))?.state !== 'cancelled', true)

  // an admitted writer acting beyond its rights (with six members the contract has promoted two of them
  // to indexers, in admission order: take a member that is not one)
  const indexers = (await getMeta(idx.ledger.kv))?.indexers ?? []
  const plain = net.nodes.filter((n) => !indexers.includes(n.account)).at(-1)
  assert.ok(plain, `a member that is not an indexer (indexers: ${indexers.length})`)
  const tick = await refused(plain, { type: 'tick', time: Date.now(), epoch: (await idx.epoch()) + 1, tickTime: Date.now(), commit: Buffer.alloc(32), reveal: Buffer.alloc(0) }, checkers, /only indexers tick/)
  recorded.push(`tick by non-indexer: ${tick.reason}`)
  const vote = await refused(plain, { type: 'add-indexer', time: Date.now(), writerKey: Buffer.from(plain.account, 'hex') }, checkers, /only indexers vote/)
  recorded.push(`indexer vote by non-indexer: ${vote.reason}`)

  const active = await waitFor(async () => {
    const a = (await listAgreements(idx.ledger.kv, { requestId })).filter((x) => x.state === 'active')
    return a.length >= 2 ? a : null
  }, 40_000, 'two active agreements', 100)
  const g1Agr = active.find((a) => a.hoster === h1.account || a.hoster === h2.account) as Agreement
  assert.ok(g1Agr, 'one replica in group g1')
  assert.ok(active.some((a) => a.hoster !== h1.account && a.hoster !== h2.account), 'no two replicas in one group')

  // reports: from a non-selected node, from the hoster itself, from the hoster's group peer
  const groupPeer = g1Agr.hoster === h1.account ? h2 : h1
  const selfHoster = g1Agr.hoster === h1.account ? h1 : h2
  const tryReport = async (candidates: FavorNode[], what: string): Promise<void> => {
    for (let attempt = 0; attempt < 10; attempt++) {
      const e = await idx.epoch()
      const att = await getAttestation(idx.ledger.kv, e, g1Agr.id)
      const who = candidates.find((c) => att !== null && !att.attestors.includes(c.account))
      if (att === null || who === undefined) {
        await waitFor(async () => (await idx.epoch()) > e, 10_000, 'next epoch', 50)
        continue
      }
      // the report must follow the epoch's start causally on the reporter, else it reads as another epoch's
      await waitFor(async () => (await who.epoch()) >= e, 10_000, `${who.name} reaching epoch ${e}`, 50)
      const opId = await appendRefused(who, fakeReport(e, g1Agr.id))
      const rec = await waitFor(async () => getRejected(idx.ledger.kv, opId), 20_000, `rejected/${opId}`, 100)
      if (/late report/.test(rec.reason)) continue // the epoch moved on meanwhile: try again
      assert.match(rec.reason, /not a selected attestor/, `${what}: ${rec.reason}`)
      const again = await waitFor(async () => getRejected(pub.ledger.kv, opId), 20_000, `rejected/${opId} on pub`, 100)
      assert.equal(again.reason, rec.reason)
      recorded.push(`${what}: ${rec.reason}`)
      return
    }
    assert.fail(`${what}: could not place a report in a quiet epoch`)
  }
  await tryReport(net.nodes.filter((n) => n.account !== g1Agr.publisher && n.account !== g1Agr.hoster && n !== groupPeer), 'report when not selected')
  await tryReport([selfHoster], 'report on own agreement')
  await tryReport([groupPeer], 'report on own group\'s agreement')

  // selection never picked the hoster, the publisher or the hoster's group in any recorded epoch. On a
  // loaded machine the steps above can finish within an epoch or two, so wait (bounded) until at least
  // two attestations are on the ledger rather than counting whatever happens to be there.
  const recordedAttestations = async (): Promise<{ e: number; att: NonNullable<Awaited<ReturnType<typeof getAttestation>>>; agr: Agreement }[]> => {
    const meta = await getMeta(idx.ledger.kv)
    const agreements = await listAgreements(idx.ledger.kv)
    const out = []
    for (let e = 1; e <= (meta?.epoch ?? 0); e++) {
      const rec = await getEpoch(idx.ledger.kv, e)
      for (const id of rec?.attested ?? []) {
        const att = await getAttestation(idx.ledger.kv, e, id)
        const agr = agreements.find((a) => a.id === id)
        if (att !== null && agr !== undefined) out.push({ e, att, agr })
      }
    }
    return out
  }
  const attested = await waitFor(async () => {
    const l = await recordedAttestations()
    return l.length >= 2 ? l : null
  }, 60_000, 'two attestations on the ledger', 250)
  let checkedAtt = 0
  for (const { e, att, agr } of attested) {
    const group = (await getOffer(idx.ledger.kv, agr.hoster))?.group ?? ''
    for (const a of att.attestors) {
      assert.notEqual(a, agr.hoster)
      assert.notEqual(a, agr.publisher)
      if (group !== '') assert.notEqual((await getOffer(idx.ledger.kv, a))?.group, group, `epoch ${e}: attestor in the hoster's group`)
    }
    checkedAtt++
  }
  assert.ok(checkedAtt >= 2, `attestations checked: ${checkedAtt}`)

  // the outsider never reached the ledger
  await idx.ledger.update()
  assert.equal(await getAccount(idx.ledger.kv, outsider.account), null, 'no account for the outsider')
  assert.equal(await getRejected(idx.ledger.kv, `${outsider.account}:0`), null, 'its raw op was never linearised')

  // the API without (or with a wrong) token: writes and reads alike are 401
  api = new ApiServer({ service: pub, dataDir: pub.dataDir })
  const url = await api.listen()
  const before = await pub.requests()
  const writes: [string, string, unknown][] = [
    ['POST', '/pins', { cid: core.key.toString('hex') }],
    ['DELETE', `/pins/${requestId}`, undefined],
    ['POST', '/transfer', { to: other.account, amount: '1' }],
    ['POST', '/writers', { writerKey: outsider.account }],
    ['POST', '/withdraw', {}],
    ['GET', '/status', undefined],
    ['GET', '/pins', undefined],
    ['GET', `/pins/${requestId}`, undefined],
    ['GET', '/accounts/me', undefined],
    ['GET', '/events', undefined]
  ]
  for (const [method, path, body] of writes) {
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: 'Basic x' }] as Record<string, string>[]) {
      const res = await fetch(url + path, { method, headers: { 'content-type': 'application/json', ...headers }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) })
      const json = await res.json() as { error?: { reason?: string } }
      assert.equal(res.status, 401, `${method} ${path} ${JSON.stringify(headers)}`)
      assert.ok(json.error?.reason, `${method} ${path}: JSON error ${JSON.stringify(json)}`)
    }
  }
  // a DNS-rebinding page (its own name resolving to 127.0.0.1) is refused even with the token
  const rebound = await new Promise<number>((resolve, reject) => {
    const u = new URL(url)
    const req = request({ host: u.hostname, port: u.port, path: '/status', headers: { host: `127.0.0.1.nip.io:${u.port}`, authorization: `Bearer ${api?.token ?? ''}` } }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('error', reject)
    req.end()
  })
  assert.equal(rebound, 403, 'Host 127.0.0.1.nip.io')
  recorded.push(`API calls without/with a wrong token: ${writes.length * 3} × 401; rebinding Host: 403`)
  // "nothing was appended": pub appends a marker op after the refused calls; once idx and pub have
  // applied it, they have applied everything pub appended before it (its writer core is ordered)
  await refused(pub, { type: 'cancel', time: Date.now(), requestId: 999_999 }, checkers, /no such request/)
  assert.equal((await pub.requests()).length, before.length, 'no request created through the API without the token')
  assert.equal((await getRequest(idx.ledger.kv, requestId))?.state, 'active', 'the request was not cancelled')
  console.log(`# auth: ${recorded.join(' | ')}; attestations checked ${checkedAtt}`)
})
