// A hoster killed mid-run (SIGKILL of its process) is detected and replaced within the configured
// epochs; a hoster restarted mid-mirror resumes from what it already holds.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { listAgreements } from '../../src/ledger/index.js'
import { ChildNode } from '../../src/demo/child.js'
import { FavorNode, type ChallengeRecord } from '../../src/node.js'
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
  const net = await E2ENet.create()
  t.after(() => net.close())
  const idx = await net.addNode({ name: 'idx' })
  const pub = await net.addNode({ name: 'pub' })
  const hDir = await makeTempDir('restart-hoster')
  net.dirs.push(hDir)
  let hoster = await net.addNode({ name: 'h', hoster: { capacityBytes: 256 * MiB } }, {}, hDir)
  const account = hoster.account
  const core = await pub.localCore('big')
  for (let i = 0; i < 2048; i += 256) await core.append(makeBlocks('big', i, 256, 16 * 1024)) // 32 MiB
  const { requestId } = await pub.publishCore(core, { replicas: 1 })
  const seen = await waitFor(() => hoster.mirrors().find((m) => m.have > 0), 30_000, 'mirroring started', 5)
  const before = seen.have
  assert.ok(before < 2048, `caught mid-mirror (${before}/2048)`)
  await net.closeNode(hoster)
  hoster = await FavorNode.create({
    dataDir: hDir, bootstrap: net.testnet.bootstrap, params: TEST_PARAMS, epochMs: E2E_EPOCH_MS,
    hoster: { capacityBytes: 256 * MiB }
  })
  net.nodes.push(hoster)
  assert.equal(hoster.account, account, 'same account after restart')
  assert.equal(hoster.networkKey, idx.networkKey)
  const resumed = await waitFor(() => hoster.mirrors().find((m) => m.have > 0), 20_000, 'mirror resumed', 5)
  assert.ok(resumed.have >= before, `resumed at ${resumed.have} ≥ ${before}`)
  await waitFor(async () => (await listAgreements(idx.ledger.kv, { requestId })).some((a) => a.state === 'active' && a.hoster === account), 40_000, 'agreement active after restart')
})
