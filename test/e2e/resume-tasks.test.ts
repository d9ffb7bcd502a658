// kill -9 of a node mid-mirror AND mid-challenge: its scheduler's queue (tasks.json in the node's
// directory) holds both tasks as `running`, and after the restart the scheduler runs them again; the
// challenge is reported in the same epoch and the mirror completes. Both "mid" states are built, not
// timed: the publisher holds only a prefix of the mirrored core until after the restart, the challenged
// hoster holds its answer until the test opens a gate, and epochs advance only when the test ticks.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { getAttestation, getOffer, getRequest, listAgreements, type Agreement } from '../../src/ledger/index.js'
import { ChildNode, type ChildNodeConfig } from '../../src/demo/child.js'
import type { FavorNode, NodeStatus } from '../../src/node.js'
import type { TaskInfo, TaskRecord } from '../../src/runtime/index.js'
import { openStore } from '../../src/stack/index.js'
import { makeBlocks } from '../harness/blocks.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'
import { deferred, waitFor } from '../harness/wait.js'
import { E2ENet, E2E_EPOCH_MS, TEST_PARAMS } from './helpers.js'

const MiB = 1024 * 1024
/** The indexer's own timer never fires within the test: epochs move only on `tick()`. */
const MANUAL_EPOCH_MS = 3_600_000

async function activeAgreement(node: FavorNode, requestId: number, hoster: string | null, state: Agreement['state']): Promise<Agreement | null> {
  const all = await listAgreements(node.ledger.kv, { requestId })
  return all.find((a) => a.state === state && (hoster === null || a.hoster === hoster)) ?? null
}

test('a node killed mid-mirror and mid-challenge resumes both tasks after the restart', { timeout: 180_000 }, async (t) => {
  const net = await E2ENet.create()
  const root = await makeTempDir('resume')
  const side = openStore(path.join(root, 'side'))
  const gate = deferred()
  let child: ChildNode | null = null
  t.after(async () => {
    gate.resolve()
    await child?.close()
    await net.close()
    await side.close()
    await removeDir(root)
  })
  // one indexer that ticks only when told to; every answer of the hoster `h` waits for the gate
  const idx = await net.addNode({ name: 'idx' }, { params: { ...TEST_PARAMS, indexerTarget: 1 }, epochMs: MANUAL_EPOCH_MS })
  const pub = await net.addNode({ name: 'pub' })
  const h = await net.addNode({ name: 'h', hoster: { capacityBytes: 4 * MiB, group: 'h' } }, {
    testing: { responder: { alter: async (answer) => { await gate.promise; return answer } } }
  })
  await waitFor(async () => (await idx.epoch()) >= 1, 20_000, 'epoch 1')
  // a tick the indexer appends after its view holds the request is ordered after it: matched at that epoch's start
  const tick = async (requestId: number): Promise<number> => {
    await waitFor(() => getRequest(idx.ledger.kv, requestId), 20_000, `request ${requestId} in the indexer's view`)
    const before = await idx.epoch()
    await idx.indexer.tick()
    await waitFor(async () => (await idx.epoch()) > before, 20_000, `epoch ${before + 1}`)
    return before + 1
  }

  // Y: a small core only `h` hosts, active before the node under test joins
  const y = await pub.localCore('y')
  await y.append(makeBlocks('y', 0, 16, 16 * 1024))
  const reqY = (await pub.publishCore(y, { replicas: 1 })).requestId
  await waitFor(async () => (await getOffer(idx.ledger.kv, h.account)) !== null, 20_000, 'the offer of h')
  await tick(reqY)
  const agrY = await waitFor(() => activeAgreement(idx, reqY, h.account, 'active'), 30_000, 'Y active on h')

  // the node under test, in its own process: a hoster (the only one with room for X) and an attestor
  const config: ChildNodeConfig = {
    name: 'c', dataDir: path.join(root, 'c'), bootstrap: net.testnet.bootstrap, networkKey: idx.networkKey, params: TEST_PARAMS,
    hoster: { capacityBytes: 64 * MiB, group: 'c' }, epochMs: E2E_EPOCH_MS, deadlineMs: 1500, connectTimeoutMs: 5000, hardTimeoutMs: 120_000
  }
  child = await ChildNode.start(config)
  const account = child.hello?.account ?? ''
  await idx.admit(account)
  await child.call('waitWritable', { timeoutMs: 20_000 }, 25_000)
  await waitFor(async () => (await getOffer(idx.ledger.kv, account)) !== null, 20_000, 'the offer of c')

  // X: 512 blocks (8 MiB); the publisher holds only the first 200 (copied from a writer kept off the network)
  const LENGTH = 512
  const PREFIX = 200
  const writer = side.get({ name: 'x' })
  await writer.ready()
  for (let i = 0; i < LENGTH; i += 128) await writer.append(makeBlocks('x', i, 128, 16 * 1024))
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
  assert.equal(copy.contiguousLength, PREFIX)
  const reqX = (await pub.publishCore(copy, { replicas: 1 })).requestId

  // one tick: X is matched to c (pinning: c mirrors the prefix), and c is selected to challenge Y
  const epoch = await tick(reqX)
  const agrX = await waitFor(() => activeAgreement(idx, reqX, account, 'pinning'), 30_000, 'X matched to c')
  const att = await getAttestation(idx.ledger.kv, epoch, agrY.id)
  assert.ok(att?.attestors.includes(account), `c challenges Y in epoch ${epoch} (attestors ${JSON.stringify(att?.attestors)})`)
  const mirrorKey = `mirror:${agrX.id}`
  const challengeKey = `challenge:${epoch}:${agrY.id}`
  const running = (tasks: TaskInfo[], key: string): TaskInfo | undefined => tasks.find((x) => x.key === key && x.state === 'running')
  const c = child
  // the queue on disk (a task is written as running before its handler starts)
  const storedTasks = async (): Promise<TaskRecord[]> => {
    try {
      return (JSON.parse(await readFile(path.join(config.dataDir, 'tasks.json'), 'utf8')) as { tasks: TaskRecord[] }).tasks
    } catch {
      return [] // not written yet
    }
  }
  const stored = await waitFor(async () => {
    const tasks = await storedTasks()
    const m = tasks.find((r) => r.key === mirrorKey && r.state === 'running')
    const ch = tasks.find((r) => r.key === challengeKey && r.state === 'running')
    const report = tasks.find((r) => r.key === `report:${epoch}`)
    return m !== undefined && ch !== undefined && report !== undefined ? { m, ch } : null
  }, 30_000, 'tasks.json: c mirroring X, challenging Y, its report waiting')
  const before = await c.call<NodeStatus>('status', {})
  const have = before.mirrors.find((m) => m.agreementId === agrX.id)?.have ?? -1
  assert.ok(have >= 0 && have <= PREFIX, `mid-mirror: ${have}/${LENGTH}`)
  assert.equal(before.runtime.tasks.kinds.mirror?.running, 1)
  assert.equal(before.runtime.tasks.kinds.challenge?.running, 1)

  // kill -9, then the queue on disk still holds both, as they were
  await c.kill()
  const after = await storedTasks()
  const storedMirror = after.find((r) => r.id === stored.m.id)
  const storedChallenge = after.find((r) => r.id === stored.ch.id)
  assert.equal(storedMirror?.state, 'running', JSON.stringify(after))
  assert.equal(storedMirror.kind, 'mirror')
  assert.equal(storedMirror.attempts, 1)
  assert.deepEqual(storedMirror.payload, { agreementId: agrX.id })
  assert.equal(storedChallenge?.state, 'running', JSON.stringify(after))
  assert.equal(storedChallenge.kind, 'challenge')
  assert.equal(storedChallenge.attempts, 1)
  assert.deepEqual(storedChallenge.payload, { epoch, agreementId: agrY.id })
  assert.ok(after.some((r) => r.key === `report:${epoch}`), 'the epoch\'s report task is queued')
  assert.ok(after.every((r) => r.kind !== 'reconcile'), 'reconcile tasks are not kept on disk')

  // restart on the same directory: the scheduler loads the queue and runs both tasks again (same ids)
  child = await ChildNode.start(config)
  const c2 = child
  assert.equal(c2.hello?.account, account)
  const resumed = await waitFor(async () => {
    const tasks = await c2.call<TaskInfo[]>('tasks', {})
    const m = running(tasks, mirrorKey)
    const ch = running(tasks, challengeKey)
    return m !== undefined && ch !== undefined ? { m, ch } : null
  }, 30_000, 'both tasks running again after the restart')
  assert.equal(resumed.m.id, storedMirror.id, 'the same mirror task')
  assert.equal(resumed.ch.id, storedChallenge.id, 'the same challenge task')
  assert.ok(resumed.m.attempts >= 2 && resumed.ch.attempts >= 2, `attempts ${resumed.m.attempts}, ${resumed.ch.attempts}`)
  assert.equal(await idx.epoch(), epoch, 'still the same epoch')

  // the hoster answers: the resumed challenge passes and c reports it in the same epoch
  gate.resolve()
  const result = await waitFor(async () => {
    const a = await getAttestation(idx.ledger.kv, epoch, agrY.id)
    const i = a?.attestors.indexOf(account) ?? -1
    return i >= 0 ? a?.results[i] ?? null : null
  }, 30_000, "c's report for Y")
  assert.equal(result.outcome, 'pass')

  // the rest of X reaches the publisher: the resumed mirror completes and c's ready activates X
  await handOver(LENGTH)
  await waitFor(() => activeAgreement(idx, reqX, account, 'active'), 40_000, 'X active on c')
  const done = await c2.call<NodeStatus>('status', {})
  assert.equal(done.mirrors.find((m) => m.agreementId === agrX.id)?.have, LENGTH)
  const left = await waitFor(async () => {
    const tasks = await c2.call<TaskInfo[]>('tasks', {})
    return tasks.some((x) => x.key === mirrorKey || x.key === challengeKey || x.key === `report:${epoch}`) ? null : tasks
  }, 20_000, 'the mirror, challenge and report tasks done')
  assert.ok(left.every((x) => x.kind === 'reconcile'), JSON.stringify(left))
})
