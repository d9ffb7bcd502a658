// `favor/join/1` between real FavorNodes: a node that knows only the network key becomes a writer
// without a manual admit; garbage on the join channel closes that channel (logged) and the writer still
// admits the next honest joiner; invites on an admin-only network; typed refusals and timeouts.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createDht, createSwarm, muxOf, type Connection } from '../../src/stack/index.js'
import { Admission, getAccount } from '../../src/ledger/index.js'
import { JOIN_PROTOCOL, decodeJoinReply, type JoinReply } from '../../src/protocol/join.js'
import { rawCodec } from '../../src/protocol/index.js'
import { JoinRefusedError, JoinTimeoutError, type JoinProgressEvent } from '../../src/node.js'
import { waitFor, withTimeout } from '../harness/wait.js'
import { NodeNet, TEST_PARAMS } from './helpers.js'

test('a fresh node joins by key alone; garbage on the join channel is refused; the next joiner is admitted', { timeout: 60_000 }, async (t) => {
  const net = await NodeNet.create()
  t.after(() => net.close())
  const writer = await net.add('writer')
  assert.equal(writer.writable, true)
  await writer.join() // already writable: resolves at once

  // an attacker on the network's topic opens the join channel and sends garbage
  const dht = createDht({ bootstrap: net.testnet.bootstrap })
  const swarm = createSwarm({ dht })
  t.after(async () => {
    await swarm.destroy()
    await dht.destroy()
  })
  const connected = once(swarm, 'connection') as Promise<[Connection]>
  swarm.join(writer.ledger.discoveryKey, { server: false, client: true })
  const [conn] = await withTimeout(connected, 15_000, 'attacker connects to the writer')
  conn.on('error', () => undefined)
  const replies: JoinReply[] = []
  let opened = false
  const closed = new Promise<void>((resolve) => {
    const ch = muxOf(conn).createChannel({
      protocol: JOIN_PROTOCOL,
      id: writer.ledger.discoveryKey,
      onopen: () => { opened = true },
      onclose: () => resolve()
    })
    assert.ok(ch)
    const send = ch.addMessage({ encoding: rawCodec })
    ch.addMessage({ encoding: rawCodec, onmessage: (b: Uint8Array) => { replies.push(decodeJoinReply(b)) } })
    ch.open()
    send.send(Buffer.from('this is not a join request at all, just bytes; '.repeat(4)))
  })
  await withTimeout(closed, 10_000, 'the writer closes the garbage channel')
  assert.equal(opened, true, 'the writer had paired the channel')
  assert.deepEqual(replies.map((r) => r.code), ['BAD_REQUEST'])
  assert.equal(writer.joinStats().violations, 1)
  const logged = net.logs.get('writer')?.records.find((r) => r.level === 'error' && r.namespace.endsWith(':join'))
  assert.ok(logged, 'the violation is logged as an error')
  assert.match(logged.message, /protocol violation/)
  assert.equal(conn.destroyed, false, 'only the channel closed: the connection (replication) stays')

  // an honest node that knows only the network key: admitted through favor/join/1, no manual admit
  const progress: JoinProgressEvent[] = []
  const joiner = await net.add('joiner')
  joiner.on('join', (p) => progress.push(p))
  await waitFor(() => joiner.writable, 20_000, 'the joiner becomes writable')
  await waitFor(() => progress.some((p) => p.stage === 'writable'), 5_000, 'the writable progress event')
  assert.ok(progress.some((p) => p.stage === 'asking'))
  assert.ok(progress.some((p) => p.stage === 'accepted' && p.code !== undefined))
  const acct = await waitFor(() => getAccount(writer.ledger.kv, joiner.account), 10_000, 'joiner account on the writer')
  assert.equal(acct.writer, true)
  assert.equal(acct.indexer, false)
  assert.ok(writer.joinStats().accepted >= 1)
  // the new writer can append
  await joiner.offer({ capacityBytes: 1024 * 1024 })
  await waitFor(async () => (await writer.meta()) !== null && (await getAccount(writer.ledger.kv, joiner.account)) !== null, 5_000, 'still consistent')
})

test('admin-only network: invites required, single use; typed refusals and timeout', { timeout: 60_000 }, async (t) => {
  const net = await NodeNet.create()
  t.after(() => net.close())
  const admin = await net.add('admin', { params: { ...TEST_PARAMS, admission: Admission.adminOnly } })

  const j1 = await net.add('j1', { autoJoin: false })
  await assert.rejects(j1.join({ timeoutMs: 15_000 }), (err: unknown) => {
    assert.ok(err instanceof JoinRefusedError, String(err))
    assert.equal(err.code, 'E_JOIN_REFUSED')
    assert.equal(err.reason, 'INVITE_REQUIRED')
    return true
  })
  await assert.rejects(j1.join({ timeoutMs: 15_000, invite: 'deadbeef' }), (err: unknown) => err instanceof JoinRefusedError && err.reason === 'INVITE_INVALID')
  const invite = admin.createInvite()
  await j1.join({ timeoutMs: 20_000, invite })
  assert.equal(j1.writable, true)

  // automatic join with an invite in the options
  const j3 = await net.add('j3', { join: { invite: admin.createInvite() } })
  await waitFor(() => j3.writable, 20_000, 'j3 joins automatically with its invite')

  // a used invite is refused by the admin; the other writers are not the admin (NOT_ADMIN)
  const j2 = await net.add('j2', { autoJoin: false })
  await assert.rejects(j2.join({ timeoutMs: 15_000, invite }), (err: unknown) => err instanceof JoinRefusedError && err.reason === 'INVITE_INVALID')

  // with the admin gone, only NOT_ADMIN answers remain: the join times out, saying so
  await net.closeNode(admin)
  await assert.rejects(j2.join({ timeoutMs: 2_500 }), (err: unknown) => {
    assert.ok(err instanceof JoinTimeoutError, String(err))
    assert.equal(err.code, 'E_JOIN_TIMEOUT')
    return true
  })
  assert.equal(j2.writable, false)
})
