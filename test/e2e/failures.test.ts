// A hoster killed mid-run (SIGKILL of its process) is detected and replaced within the configured
// epochs; a hoster restarted mid-mirror resumes from what it already holds.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { listAgreements } from '../../src/ledger/index.js'
import { ChildNode } from '../../src/demo/child.js'
import { FavorNode, type ChallengeRecord } from '../../src/node.js'
import { openStore } from '../../src/stack/index.js'
import { makeBlocks } from '../harness/blocks.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'
import { waitFor } from '../harness/wait.js'
import { E2ENet, E2E_EPOCH_MS, TEST_PARAMS } from './helpers.js'

const MiB = 1024 * 1024

test('a killed hoster is detected (unreachable) and replaced', { timeout: 120_000 }, async (t) => {
  const net = await E2ENet.create()
  const root = await makeTempDir('kill')
  const children: ChildNode[] = []
  t.after(async () => {
    for (const c of children) await c.close()
    await net.close()
    await removeDir(root)
  })
  const idx = await net.addNode({ name: 'idx' })
  const pub = await net.addNode({ name: 'pub' })
  for (const name of ['hA', 'hB', 'hC']) {
    const c = await ChildNode.start({
      name, dataDir: path.join(root, name), bootstrap: net.testnet.bootstrap, networkKey: idx.networkKey, params: TEST_PARAMS,
      hoster: { capacityBytes: 64 * MiB }, indexer: false, epochMs: E2E_EPOCH_MS, deadlineMs: 600, connectTimeoutMs: 600
    })
    children.push(c)
    await idx.admit(c.hello?.account ?? '')
    await c.call('waitWritable', { timeoutMs: 20_000 }, 25_000)
  }
  const challenges: ChallengeRecord[] = []
  idx.on('challenge', (c) => challenges.push(c))
  for (const c of children) c.on('challenge', (r) => challenges.push(r))

  const core = await pub.localCore('data')
  await core.append(makeBlocks('data', 0, 32, 32 * 1024))
  const { requestId } = await pub.publishCore(core, { replicas: 2 })
  const active = await waitFor(async () => {
    const a = (await listAgreements(idx.ledger.kv, { requestId })).filter((x) => x.state === 'active')
    return a.length >= 2 ? a : null
  }, 30_000, 'two active agreements')
  const victim = active[0]
  assert.ok(victim)
  const victimNode = children.find((c) => c.hello?.account === victim.hoster)
  assert.ok(victimNode)
  const killedAtEpoch = await idx.epoch()
  await victimNode.kill()

  const failEpochs = TEST_PARAMS.failingEpochsToRepair ?? 2
  const replaced = await waitFor(async () => {
    const all = await listAgreements(idx.ledger.kv, { requestId })
    const old = all.find((a) => a.id === victim.id)
    const fresh = all.find((a) => a.id > victim.id && a.coreKey === victim.coreKey && a.state === 'active')
    return old?.state === 'ended' && fresh ? { old, fresh } : null
  }, 40_000, 'the killed hoster replaced').catch(async (err: unknown) => {
    const all = await listAgreements(idx.ledger.kv, { requestId })
    const { getEpoch, currentEpoch } = await import('../../src/ledger/index.js')
    const e = await currentEpoch(idx.ledger.kv)
    throw new Error(`${String(err)}\n${JSON.stringify(all.map((a) => [a.id, a.hoster.slice(0, 6), a.state, a.failStreak, a.warning]))}\nchallenges ${JSON.stringify(challenges.slice(-8).map((c) => [c.epoch, c.agreementId, c.outcome, c.errorCode]))}\nepoch ${e} ${JSON.stringify(await getEpoch(idx.ledger.kv, e - 1), (_k, v: unknown) => typeof v === 'bigint' ? String(v) : v)}`)
  })
  assert.equal(replaced.old.endReason, 'failed')
  assert.notEqual(replaced.fresh.hoster, victim.hoster)
  assert.ok(challenges.some((c) => c.agreementId === victim.id && c.outcome === 'unreachable'), 'reported unreachable')
  // ended within the configured failing epochs (+1 for the epoch in progress at the kill, +1 to settle)
  assert.ok(replaced.old.endedEpoch <= killedAtEpoch + failEpochs + 2, `ended at ${replaced.old.endedEpoch}, killed at ${killedAtEpoch}`)
})

test('a hoster restarted mid-mirror resumes', { timeout: 120_000 }, async (t) => {
  // "Mid-mirror" by construction, not by timing: the publisher itself holds only the first PREFIX
  // blocks of a 512-block core (copied from a writer kept off the network), so the hoster cannot get
  // further until the rest is handed to the publisher after the restart.
  const LENGTH = 512
  const PREFIX = 200
  const net = await E2ENet.create()
  const sideDir = await makeTempDir('restart-writer')
  const side = openStore(sideDir)
  t.after(async () => {
    await net.close()
    await side.close()
    await removeDir(sideDir)
  })
  const idx = await net.addNode({ name: 'idx' })
  const pub = await net.addNode({ name: 'pub' })
  const hDir = await makeTempDir('restart-hoster')
  net.dirs.push(hDir)
  let hoster = await net.addNode({ name: 'h', hoster: { capacityBytes: 256 * MiB } }, {}, hDir)
  const account = hoster.account
  const writer = side.get({ name: 'big' })
  await writer.ready()
  for (let i = 0; i < LENGTH; i += 128) await writer.append(makeBlocks('big', i, 128, 16 * 1024)) // 8 MiB
  const copy = pub.store.get({ key: writer.key })
  await copy.ready()
  const handOver = async (end: number): Promise<void> => {
    const a = side.replicate(true)
    const b = pub.store.replicate(false)
    a.pipe(b).pipe(a)
    await copy.update({ wait: true })
    await copy.download({ start: 0, end }).done()
    a.destroy()
    b.destroy()
  }
  await handOver(PREFIX)
  assert.equal(copy.length, LENGTH)
  assert.equal(copy.contiguousLength, PREFIX)
  let uploads = 0
  copy.on('upload', () => { uploads++ })

  const { requestId } = await pub.publishCore(copy, { replicas: 1 })
  const seen = await waitFor(() => hoster.mirrors().find((m) => m.have >= PREFIX), 30_000, 'the hoster holds all the publisher has')
  assert.equal(seen.have, PREFIX, `mid-mirror: ${seen.have}/${LENGTH}`)
  assert.equal(seen.length, LENGTH)
  await net.closeNode(hoster)
  const uploadsBeforeRestart = uploads
  hoster = await FavorNode.create({
    dataDir: hDir, bootstrap: net.testnet.bootstrap, params: TEST_PARAMS, epochMs: E2E_EPOCH_MS,
    hoster: { capacityBytes: 256 * MiB }
  })
  net.nodes.push(hoster)
  assert.equal(hoster.account, account, 'same account after restart')
  assert.equal(hoster.networkKey, idx.networkKey)
  const resumed = await waitFor(() => hoster.mirrors().find((m) => m.have > 0), 20_000, 'mirror resumed')
  assert.equal(resumed.have, PREFIX, 'the restarted hoster still holds what it had')

  await handOver(LENGTH)
  await waitFor(async () => (await listAgreements(idx.ledger.kv, { requestId })).some((a) => a.state === 'active' && a.hoster === account), 40_000, 'agreement active after restart')
  const done = hoster.mirrors().find((m) => m.have === LENGTH)
  assert.ok(done, 'the restarted hoster completed the mirror')
  // it fetched what it lacked, not the whole core again
  const fetchedAfter = uploads - uploadsBeforeRestart
  assert.ok(fetchedAfter >= LENGTH - PREFIX && fetchedAfter < LENGTH, `blocks served after the restart: ${fetchedAfter} (of ${LENGTH - PREFIX} missing)`)
})
