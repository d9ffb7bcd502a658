// Network cut of a hoster and its healing. Cut = SIGSTOP of the hoster's process: it stops answering
// anything (DHT, replication, challenges), a real loss of reachability seen from every other node;
// heal = SIGCONT. (Network namespaces work on this machine as root, but FavorNode has no option to bind
// its DHT to anything but 127.0.0.1, so a hoster in another namespace could not reach the loopback
// testnet; see docs/reliability.md.) The cut hoster is reported `unreachable`, warned, then replaced;
// after the heal it is matched again, passes, and its reputation rises.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Account, Agreement, Balance } from '../../src/ledger/index.js'
import { waitFor } from '../harness/wait.js'
import { show } from './harness.js'
import { MiB, ProcNet, REL_PARAMS, auditAll } from './common.js'

test('a cut hoster is unreachable, warned, replaced; healed, it recovers its standing', { timeout: 180_000 }, async (t) => {
  const net = await ProcNet.create('netcut', { params: { ...REL_PARAMS, failingEpochsToRepair: 2 } })
  t.after(() => net.close())
  const idx = await net.add({ name: 'idx', indexer: true })
  const pub = await net.add({ name: 'pub' })
  for (const h of ['hA', 'hB', 'hC']) await net.add({ name: h, hoster: { capacityBytes: 64 * MiB } })
  const agreements = (): Promise<Agreement[]> => idx.call<Agreement[]>('agreements')
  const standing = async (acct: string): Promise<{ balance: Balance; account: Account }> => idx.call('account', { account: acct })
  await pub.call('publishSample', { name: 'n1', blocks: 16, blockSize: 16 * 1024, replicas: 2 })
  const first = await waitFor(async () => {
    const a = (await agreements()).filter((x) => x.state === 'active' && x.passes >= 1)
    return a.length >= 2 ? a : null
  }, 60_000, 'two passing agreements', 250)
  const victimAgr = first[0] as Agreement
  const victim = net.byAccount(victimAgr.hoster)
  assert.ok(victim)
  const repBefore = (await standing(victim.hello.account)).balance.reputationPpm
  const unreachable: number[] = []
  for (const p of net.procs.values()) p.on('challenge', (c) => { if (c.hoster === victim.hello.account && c.outcome === 'unreachable') unreachable.push(c.epoch) })

  victim.stop() // the cut
  const warned = await waitFor(async () => {
    const a = (await agreements()).find((x) => x.id === victimAgr.id)
    const s = await standing(victim.hello.account)
    return a?.warning === 'unreachable' && s.account.warnings.includes('unreachable') ? s : null
  }, 40_000, 'the cut hoster warned as unreachable', 250)
  const replaced = await waitFor(async () => {
    const all = await agreements()
    const old = all.find((x) => x.id === victimAgr.id)
    const fresh = all.find((x) => x.id > victimAgr.id && x.coreKey === victimAgr.coreKey && x.state === 'active')
    return old?.state === 'ended' && fresh ? { old, fresh } : null
  }, 40_000, 'the cut hoster replaced', 250)
  assert.equal(replaced.old.endReason, 'failed')
  assert.notEqual(replaced.fresh.hoster, victim.hello.account)
  assert.ok(unreachable.length >= 1, 'attestors reported unreachable')
  const repLow = (await standing(victim.hello.account)).balance.reputationPpm
  assert.ok(repLow < repBefore, `reputation fell ${repBefore} → ${repLow}`)

  victim.cont() // the heal
  await pub.call('publishSample', { name: 'n2', blocks: 16, blockSize: 16 * 1024, replicas: 3 })
  const back = await waitFor(async () => {
    const a = (await agreements()).find((x) => x.hoster === victim.hello.account && x.state === 'active' && x.passes >= 2)
    return a ?? null
  }, 60_000, 'the healed hoster passing again', 250)
  const after = await standing(victim.hello.account)
  assert.ok(after.balance.reputationPpm > repLow, `reputation rose ${repLow} → ${after.balance.reputationPpm}`)
  assert.ok(!after.account.warnings.includes('unreachable'), 'warning cleared')
  const { audits } = await auditAll([...net.procs.values()])
  assert.equal(new Set([...audits.values()].map((a) => a.digest)).size, 1)
  for (const [n, a] of audits) assert.deepEqual(a.violations, [], n)
  console.log(`# netcut: ${victim.name} unreachable in epochs ${show([...new Set(unreachable)])}, warned (${warned.account.warnings.join(',')}), agreement ${victimAgr.id} ended 'failed' and replaced by ${replaced.fresh.id}; reputation ${repBefore} → ${repLow} → ${after.balance.reputationPpm} ppm after ${back.passes} passes on agreement ${back.id}`)
})
