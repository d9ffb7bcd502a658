// A real network cut: the hoster runs in its own network namespace (created by the test, joined to the
// root namespace by a veth pair on a private /30, no default route), the testnet and the other nodes
// bind the root end of that veth. Cut = the namespace's end of the link down: the hoster keeps running
// (its timers, its own ledger writer) but no packet gets in or out. It is reported `unreachable`,
// warned, then replaced. Heal = link up: it is matched again, passes, and its reputation rises. Every
// node ends with the same ledger digest. Skips (with the reason) where namespaces are not available.
import { test } from 'node:test'
import { readFile, readlink } from 'node:fs/promises'
import assert from 'node:assert/strict'
import type { Account, Agreement, Balance } from '../../src/ledger/index.js'
import { waitFor } from '../harness/wait.js'
import { show, type RelProc } from './harness.js'
import { MiB, ProcNet, REL_PARAMS, auditAll } from './common.js'
import { NetnsLab, netnsUnavailable } from './netns.js'

/** Packets the root end of a veth received (from the namespace). */
async function vethPackets(ifname: string): Promise<number> {
  return Number((await readFile(`/sys/class/net/${ifname}/statistics/rx_packets`, 'utf8')).trim())
}

test('netns: a hoster cut off by link down is unreachable, warned, replaced; healed, it recovers its standing', { timeout: 120_000 }, async (t) => {
  const why = await netnsUnavailable()
  if (why !== null) {
    t.skip(why)
    return
  }
  const t0 = Date.now()
  const lab = await NetnsLab.create(['h1'])
  let net: ProcNet | null = null
  t.after(async () => {
    try { await net?.close() } finally { await lab.destroy() }
    const left = await NetnsLab.leftovers()
    assert.deepEqual(left, [], 'namespaces and veths removed')
  })
  const h1 = lab.hosts[0]
  assert.ok(h1)
  assert.ok(!/default/.test(await lab.routes(h1)), 'no default route in the namespace')
  net = await ProcNet.create('netns', { host: h1.rootIp, params: { ...REL_PARAMS, failingEpochsToRepair: 2 } })
  assert.deepEqual(net.testnet.bootstrap.map((b) => b.host), [h1.rootIp], 'the testnet announces the veth address')
  const n = net
  const idx = await n.add({ name: 'idx', indexer: true })
  const pub = await n.add({ name: 'pub' })
  const victim: RelProc = await n.add({ name: 'hN', hoster: { capacityBytes: 64 * MiB } }, { netns: h1.ns, host: h1.nsIp })
  for (const h of ['hA', 'hB']) await n.add({ name: h, hoster: { capacityBytes: 64 * MiB } })
  assert.notEqual(await readlink(`/proc/${victim.pid}/ns/net`), await readlink('/proc/self/ns/net'), 'the hoster runs in another network namespace')
  const agreements = (): Promise<Agreement[]> => idx.call<Agreement[]>('agreements')
  const standing = async (acct: string): Promise<{ balance: Balance; account: Account }> => idx.call('account', { account: acct })
  const me = victim.hello.account

  // three hosters, three replicas: the namespaced one hosts for sure
  await pub.call('publishSample', { name: 'n1', blocks: 16, blockSize: 16 * 1024, replicas: 3 })
  const victimAgr = await waitFor(async () => {
    const a = (await agreements()).find((x) => x.hoster === me && x.state === 'active' && x.passes >= 1)
    return a ?? null
  }, 40_000, 'the namespaced hoster active and passing', 250)
  // a spare hoster in the root namespace to take its place
  await n.add({ name: 'hC', hoster: { capacityBytes: 64 * MiB } })
  const repBefore = (await standing(me)).balance.reputationPpm
  const unreachable: number[] = []
  for (const p of n.procs.values()) p.on('challenge', (c) => { if (c.hoster === me && c.outcome === 'unreachable') unreachable.push(c.epoch) })
  const tCut = Date.now()

  const rxBeforeCut = await vethPackets(h1.rootIf)
  await lab.cut(h1) // the cut
  const warned = await waitFor(async () => {
    const a = (await agreements()).find((x) => x.id === victimAgr.id)
    const s = await standing(me)
    return a?.warning === 'unreachable' && s.account.warnings.includes('unreachable') ? s : null
  }, 30_000, 'the cut hoster warned as unreachable', 250)
  const tWarned = Date.now()
  const replaced = await waitFor(async () => {
    const all = await agreements()
    const old = all.find((x) => x.id === victimAgr.id)
    const fresh = all.find((x) => x.id > victimAgr.id && x.coreKey === victimAgr.coreKey && x.state === 'active')
    return old?.state === 'ended' && fresh ? { old, fresh } : null
  }, 30_000, 'the cut hoster replaced', 250)
  const tReplaced = Date.now()
  assert.equal(replaced.old.endReason, 'failed')
  assert.notEqual(replaced.fresh.hoster, me)
  assert.ok(unreachable.length >= 1, 'attestors reported unreachable')
  assert.ok(victim.alive, 'the cut hoster kept running')
  const rxDuringCut = (await vethPackets(h1.rootIf)) - rxBeforeCut
  const repLow = (await standing(me)).balance.reputationPpm
  assert.ok(repLow < repBefore, `reputation fell ${repBefore} → ${repLow}`)

  await lab.heal(h1) // the heal
  const tHeal = Date.now()
  // four hosters, four replicas: it is matched again
  await pub.call('publishSample', { name: 'n2', blocks: 16, blockSize: 16 * 1024, replicas: 4 })
  const back = await waitFor(async () => {
    const a = (await agreements()).find((x) => x.hoster === me && x.state === 'active' && x.passes >= 2)
    return a ?? null
  }, 45_000, 'the healed hoster passing again', 250)
  const tBack = Date.now()
  const after = await standing(me)
  assert.ok(after.balance.reputationPpm > repLow, `reputation rose ${repLow} → ${after.balance.reputationPpm}`)
  assert.ok(!after.account.warnings.includes('unreachable'), 'warning cleared')
  const { version, audits } = await auditAll([...n.procs.values()])
  assert.equal(new Set([...audits.values()].map((a) => a.digest)).size, 1, `one digest at version ${version} on ${audits.size} nodes`)
  for (const [name, a] of audits) assert.deepEqual(a.violations, [], name)
  const rxTotal = await vethPackets(h1.rootIf)
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`
  console.log(`# netns: ${victim.name} in ${h1.ns} (${h1.nsIp}, testnet on ${h1.rootIp}); cut → unreachable in epochs ${show([...new Set(unreachable)])}, warned after ${s(tWarned - tCut)}, agreement ${victimAgr.id} ended 'failed' and replaced by ${replaced.fresh.id} after ${s(tReplaced - tCut)}; healed → ${back.passes} passes on agreement ${back.id} after ${s(tBack - tHeal)}; reputation ${repBefore} → ${repLow} → ${after.balance.reputationPpm} ppm; warnings ${show(warned.account.warnings)} → ${show(after.account.warnings)}; ${rxTotal} packets in over the veth (${rxDuringCut} during the cut); one digest at version ${version} on ${audits.size} nodes; total ${s(Date.now() - t0)}`)
})
