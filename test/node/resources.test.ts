// The resource manager's counts follow a hosted core's life: one open core and one reference (the
// agreement's) while it is hosted, a quota reservation for it; the publisher unpins (cancels), the `gc`
// task waits out the grace period, clears the core and gives the reference back — every count returns
// to zero and no task is left.
import { test } from 'node:test'
import { rm } from 'node:fs/promises'
import path from 'node:path'
import { TASK_STORE_FILE_NAME } from '../../src/runtime/index.js'
import assert from 'node:assert/strict'
import { getAgreement, listAgreements } from '../../src/ledger/index.js'
import { makeBlocks } from '../harness/blocks.js'
import { waitFor } from '../harness/wait.js'
import { NodeNet } from './helpers.js'
import type { FavorNode } from '../../src/node.js'

const MiB = 1024 * 1024
const BLOCKS = 16
/** Long enough to see the gc task wait, short enough for a quick test. */
const GC_GRACE_MS = 1500

/** No block of the core is left in the node's store. */
async function assertCleared(node: FavorNode, key: Buffer): Promise<void> {
  const copy = node.store.get({ key })
  await copy.ready()
  try {
    for (let i = 0; i < BLOCKS; i++) assert.equal(await copy.has(i), false, `block ${i} cleared`)
  } finally {
    await copy.close()
  }
}

test('resource counts return to zero after a core is unpinned and garbage-collected', { timeout: 90_000 }, async (t) => {
  const net = await NodeNet.create()
  t.after(() => net.close())
  const idx = await net.add('idx')
  const pub = await net.addAdmitted('pub')
  const h = await net.addAdmitted('h', { hoster: { capacityBytes: 64 * MiB, gcGraceMs: GC_GRACE_MS } })
  const res = h.runtime.resources
  assert.deepEqual({ open: res.stats('core').open, users: res.stats('core').users }, { open: 0, users: 0 })

  const core = await pub.localCore('data')
  await core.append(makeBlocks('data', 0, BLOCKS, 16 * 1024))
  const { requestId } = await pub.publishCore(core, { replicas: 1 })
  const active = await waitFor(async () => (await listAgreements(idx.ledger.kv, { requestId })).find((a) => a.state === 'active' && a.hoster === h.account), 40_000, 'an active agreement on h')
  const coreKey = core.key.toString('hex')

  // hosted: one open core, one reference (the agreement's), one reservation of the core's bytes
  await waitFor(() => res.refs(`core:${coreKey}`) === 1, 10_000, 'the hosted core held')
  assert.deepEqual({ open: res.stats('core').open, users: res.stats('core').users }, { open: 1, users: 1 })
  // the swarm's connections are resources too (kind conn): one per open connection, each held once
  const conns = res.usage().kinds.conn
  assert.ok(conns !== undefined && conns.open >= 1 && conns.users === conns.open, `connections owned: ${JSON.stringify(conns)}`)
  assert.equal(conns.open, h.swarm.connections.size)
  assert.equal(res.quota.get(String(active.id))?.reservedBytes, core.byteLength)
  const hosted = (await h.status()).runtime.resources
  assert.deepEqual({ open: hosted.kinds.core?.open, users: hosted.kinds.core?.users, reservations: hosted.quota.reservations }, { open: 1, users: 1, reservations: 1 })

  // unpin: the agreement ends; its gc task waits out the grace period with the core still held
  await pub.cancel(requestId)
  await waitFor(async () => (await getAgreement(h.ledger.kv, active.id))?.state === 'ended', 20_000, 'the agreement ended on h')
  await waitFor(() => h.runtime.scheduler.has(`gc:${active.id}`), 10_000, 'the gc task queued')
  assert.equal(res.refs(`core:${coreKey}`), 1, 'held until collected')

  // collected: every count back to zero, the data cleared, no task left but the periodic reconcile
  await waitFor(() => res.stats('core').open === 0 && res.stats('core').users === 0, 30_000, 'the core released')
  const s = res.stats('core')
  assert.equal(s.opened, s.closed, `opened ${s.opened}, closed ${s.closed}`)
  assert.ok(s.opened >= 1)
  assert.equal(res.refs(`core:${coreKey}`), 0)
  assert.deepEqual(res.quota.usage().reservations, [])
  assert.equal(res.quota.usage().reservedBytes, 0)
  assert.equal(h.runtime.scheduler.has(`gc:${active.id}`), false)
  const depths = h.runtime.scheduler.depths()
  for (const kind of ['mirror', 'gc', 'challenge', 'report'] as const) {
    assert.deepEqual(depths[kind], { queued: 0, running: 0 }, kind)
  }
  const after = (await h.status()).runtime.resources
  assert.deepEqual({ open: after.kinds.core?.open ?? 0, users: after.kinds.core?.users ?? 0, reservations: after.quota.reservations, reserved: after.quota.reservedBytes }, { open: 0, users: 0, reservations: 0, reserved: 0 })
  await assertCleared(h, core.key)
})

test('an ended agreement whose gc task was lost is still collected at the next start', { timeout: 120_000 }, async (t) => {
  const net = await NodeNet.create()
  t.after(() => net.close())
  const idx = await net.add('idx')
  const pub = await net.addAdmitted('pub')
  // a grace period long enough that the gc task is still waiting when the node stops
  let h = await net.addAdmitted('h', { hoster: { capacityBytes: 64 * MiB, gcGraceMs: 3_600_000 } })
  const dir = h.dataDir
  const core = await pub.localCore('away')
  await core.append(makeBlocks('away', 0, BLOCKS, 16 * 1024))
  const { requestId } = await pub.publishCore(core, { replicas: 1 })
  const active = await waitFor(async () => (await listAgreements(idx.ledger.kv, { requestId })).find((a) => a.state === 'active' && a.hoster === h.account), 40_000, 'an active agreement on h')
  const held = h.store.get({ key: core.key })
  await held.ready()
  await waitFor(() => held.contiguousLength === BLOCKS, 20_000, 'h holds every block')
  await held.close()
  await pub.cancel(requestId)
  await waitFor(() => h.runtime.scheduler.has(`gc:${active.id}`), 30_000, 'the gc task queued on h')

  // stopped with the end in its own view, and its task file lost (deleted, as a disk problem would)
  await net.closeNode(h)
  await rm(path.join(dir, TASK_STORE_FILE_NAME))
  h = await net.add('h', { hoster: { capacityBytes: 64 * MiB, gcGraceMs: GC_GRACE_MS } }, dir)
  // this process never tracked the agreement (it was ended in the view from the start), yet it collects it
  await waitFor(() => h.runtime.scheduler.has(`gc:${active.id}`), 30_000, 'a gc task for the ended agreement found on disk')
  await waitFor(() => !h.runtime.scheduler.has(`gc:${active.id}`), 60_000, 'the gc task done')
  await assertCleared(h, core.key)
  assert.equal(h.runtime.resources.stats('core').open, 0)
})
