// Sybil resistance between real FavorNodes on the loopback testnet (issue 11, docs/sybil.md): on an invite
// network a joiner needs an invite (refused without, with a wrong or a used one, with stable codes) and its
// inviter becomes its sponsor; a sponsor line beyond the inviter's balance is refused; a fresh network of
// three members places two replicas; an invitee of a member is of that member's lineage, so it never holds a
// second replica of a core the member holds, and the publisher's pin says why the slot stays open.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Admission, DEFAULT_FOUNDER_CREDIT_MICRO, explainRequest, getAccount, getOffer, listAgreements } from '../../src/ledger/index.js'
import { ActionError, JoinRefusedError } from '../../src/node.js'
import { makeBlocks } from '../harness/blocks.js'
import { waitFor } from '../harness/wait.js'
import { NodeNet, TEST_PARAMS } from './helpers.js'

const MiB = 1024 * 1024
const INVITE_PARAMS = { ...TEST_PARAMS, admission: Admission.invite, welcomeCreditMicro: 10_000_000n }

test('invite network: joins need a member\'s invite; wrong, reused and over-balance invites are refused; the inviter sponsors', { timeout: 90_000 }, async (t) => {
  const net = await NodeNet.create()
  t.after(() => net.close())
  const admin = await net.add('admin', { params: INVITE_PARAMS })

  const j1 = await net.add('j1', { autoJoin: false })
  await assert.rejects(j1.join({ timeoutMs: 15_000 }), (err: unknown) => err instanceof JoinRefusedError && err.reason === 'INVITE_REQUIRED')
  await assert.rejects(j1.join({ timeoutMs: 15_000, invite: 'ab'.repeat(32) }), (err: unknown) => err instanceof JoinRefusedError && err.reason === 'INVITE_INVALID')
  // a line beyond what the inviter can escrow (the founder: its founder credit) is refused by the contract
  // with its stable code, nothing recorded
  await assert.rejects(admin.inviteMember({ creditMicro: DEFAULT_FOUNDER_CREDIT_MICRO + 1n }), (err: unknown) => err instanceof ActionError && /SPONSOR_LINE_OVER_BALANCE|transferable balance/.test(err.message))
  const inv = await admin.inviteMember({ expiresEpochs: 1000 })
  assert.match(inv.code, /^[0-9a-f]{64}$/)
  await j1.join({ timeoutMs: 30_000, invite: inv.code })
  assert.equal(j1.writable, true)
  const acct = await waitFor(() => getAccount(admin.ledger.kv, j1.account), 10_000, 'j1 on the ledger')
  assert.equal(acct.sponsor, admin.account)
  // the same invite again: used
  const j2 = await net.add('j2', { autoJoin: false })
  await assert.rejects(j2.join({ timeoutMs: 15_000, invite: inv.code }), (err: unknown) => err instanceof JoinRefusedError && err.reason === 'INVITE_INVALID' && /already used/.test(err.message))
  // j1 has no favor and no founder credit: it cannot give credit with an invite
  await assert.rejects(j1.inviteMember({ creditMicro: 1n }), (err: unknown) => err instanceof ActionError && /SPONSOR_LINE_OVER_BALANCE/.test(err.message))
  // j1 invites j2: j2 joins through any writer, sponsored by j1 and of j1's lineage
  const inv2 = await j1.inviteMember()
  await j2.join({ timeoutMs: 30_000, invite: inv2.code })
  const a2 = await waitFor(() => getAccount(admin.ledger.kv, j2.account), 10_000, 'j2 on the ledger')
  assert.equal(a2.sponsor, j1.account)
  assert.equal(a2.lineage, j1.account)
})

test('a fresh network of three places two replicas; a second invitee of one lineage does not, and the pin says why', { timeout: 120_000 }, async (t) => {
  const net = await NodeNet.create()
  t.after(() => net.close())
  const admin = await net.add('admin', { params: { ...INVITE_PARAMS, unvettedEpochs: 24 } })
  const b = await net.add('b', { join: { invite: (await admin.inviteMember()).code }, hoster: { capacityBytes: 64 * MiB } })
  const c = await net.add('c', { join: { invite: (await admin.inviteMember()).code }, hoster: { capacityBytes: 64 * MiB } })
  await waitFor(() => b.writable && c.writable, 30_000, 'b and c join with their invites')
  const core = await admin.localCore('doc')
  await core.append(makeBlocks('doc', 0, 8, 4096))
  const { requestId } = await admin.publishCore(core, { replicas: 2 })
  await waitFor(async () => (await listAgreements(admin.ledger.kv, { requestId })).filter((a) => a.state === 'active').length === 2, 60_000, 'two replicas active')
  const hosters = new Set((await listAgreements(admin.ledger.kv, { requestId })).map((a) => a.hoster))
  assert.deepEqual([...hosters].sort(), [b.account, c.account].sort())

  // b vouches for d (its own lineage): a core of b with 2 replicas gets c, never d, and says why not d
  const d = await net.add('d', { join: { invite: (await b.inviteMember()).code }, hoster: { capacityBytes: 64 * MiB } })
  await waitFor(() => d.writable, 30_000, 'd joins')
  // d's offer must be on b's ledger before the request: otherwise the slot is explained by d's absence
  await waitFor(async () => (await getOffer(b.ledger.kv, d.account)) !== null, 30_000, 'd offering on b\'s ledger')
  const bc = await b.localCore('b-doc')
  await bc.append(makeBlocks('b-doc', 0, 8, 4096))
  const r2 = await b.publishCore(bc, { replicas: 2 })
  await waitFor(async () => (await listAgreements(b.ledger.kv, { requestId: r2.requestId })).length >= 1 && (await explainRequest(b.ledger.kv, r2.requestId))?.code === 'NO_ELIGIBLE_HOSTER', 60_000, 'one replica placed, the other explained')
  const ags = await listAgreements(b.ledger.kv, { requestId: r2.requestId })
  assert.ok(ags.every((a) => a.hoster !== d.account), 'never on the publisher\'s lineage')
  assert.match((await explainRequest(b.ledger.kv, r2.requestId))?.details ?? '', /lineage/)
})
