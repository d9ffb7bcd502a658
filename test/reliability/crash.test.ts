// kill -9 of a hoster mid-challenge, an attestor right after its challenges start, and the indexer
// between its commit and its reveal; each restarted on the same directory. Afterwards every node has
// the same digest at one final version, every epoch was settled exactly once, favor is conserved,
// every agreement was paid passes × epoch cost, the restarted indexer revealed what it committed,
// and hosted data is intact (each hoster's copy and a stock reader's download equal the publisher's).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { TestPeer } from '../harness/peer.js'
import { digestCore } from '../harness/blocks.js'
import { waitFor, withTimeout } from '../harness/wait.js'
import type { AgreementAudit, LedgerAudit } from './audit.js'
import { show, type Assigned, type RelProc } from './harness.js'
import { MiB, ProcNet, auditAll, repairsOf, summarise } from './common.js'

function nextAssigned(p: RelProc, pred: (a: Assigned) => boolean, ms: number): Promise<Assigned> {
  return withTimeout(new Promise<Assigned>((resolve) => {
    const on = (a: Assigned): void => {
      if (!pred(a)) return
      p.off('assigned', on)
      resolve(a)
    }
    p.on('assigned', on)
  }), ms, `an assignment on ${p.name}`)
}

/** The next epoch `p` reports (its reconcile saw a new tick applied). */
function nextEpoch(p: RelProc, ms: number, what: string): Promise<number> {
  return withTimeout(new Promise<number>((resolve) => {
    const on = (info: { epoch: number }): void => { p.off('epoch', on); resolve(info.epoch) }
    p.on('epoch', on)
  }), ms, what)
}

test('crashes (kill -9) of a hoster, an attestor and the indexer lose nothing', { timeout: 300_000 }, async (t) => {
  const net = await ProcNet.create('crash', { assignedEvents: true })
  let reader: TestPeer | null = null
  t.after(async () => {
    await reader?.close()
    await net.close()
  })
  const log: string[] = []
  await net.add({ name: 'idx', indexer: true })
  const pub = await net.add({ name: 'pub' })
  for (const h of ['hA', 'hB', 'hC']) await net.add({ name: h, hoster: { capacityBytes: 64 * MiB } })
  await net.add({ name: 'att' })
  const cores: { coreKey: string; digest: string }[] = []
  for (const name of ['c1', 'c2']) {
    const r = await pub.call<{ coreKey: string; digest: { digest: string } }>('publishSample', { name, blocks: 24, blockSize: 16 * 1024, replicas: 2 })
    cores.push({ coreKey: r.coreKey, digest: r.digest.digest })
  }
  // 4 agreements active and at least one settled pass before any crash
  await waitFor(async () => {
    const a = await net.get('idx').call<LedgerAudit>('audit')
    return a.agreements.filter((x) => x.state === 'active').length >= 4 && a.summaryPassed >= 2
  }, 60_000, 'four active agreements with passes', 250)

  // 1. the attestor, right after it learns its assignments (its challenges start in the same reconcile)
  const att = net.get('att')
  const a1 = await nextAssigned(att, (a) => a.agreements.length > 0, 30_000)
  const idx = net.get('idx')
  const attDown = nextEpoch(idx, 30_000, 'an epoch passing while the attestor is down')
  await att.kill()
  log.push(`attestor killed in epoch ${a1.epoch} with ${a1.agreements.length} challenges to run`)
  // down until the network has moved on without it (an epoch ticked), however slow the machine is
  log.push(`epoch ${await attDown} ticked while it was down`)
  await net.crashAndRestart('att')

  // 2. a hoster, the moment an attestor is assigned to challenge it
  const hosterNames = new Set(['hA', 'hB', 'hC'])
  const attestors = [...net.procs.values()]
  const picked = await withTimeout(new Promise<{ a: Assigned; victim: RelProc }>((resolve) => {
    const ons: [RelProc, (a: Assigned) => void][] = []
    for (const p of attestors) {
      const on = (a: Assigned): void => {
        const victim = a.hosters.map((h) => net.byAccount(h)).find((v) => v !== undefined && hosterNames.has(v.name))
        if (victim === undefined) return
        for (const [q, f] of ons) q.off('assigned', f)
        resolve({ a, victim })
      }
      ons.push([p, on])
      p.on('assigned', on)
    }
  }), 30_000, 'an assignment naming a hoster')
  const hosterDown = nextEpoch(idx, 30_000, 'an epoch passing while the hoster is down')
  await picked.victim.kill()
  log.push(`hoster ${picked.victim.name} killed in epoch ${picked.a.epoch} as it was about to be challenged`)
  log.push(`epoch ${await hosterDown} ticked while it was down`)
  await net.crashAndRestart(picked.victim.name)

  // 3. the indexer, after its tick for epoch e (commit for e+1 on the ledger) and before its next tick
  // (its 'epoch' event follows its own tick being applied: the commit is in its writer core)
  const e = await nextEpoch(idx, 30_000, 'an epoch on the indexer')
  await idx.kill()
  log.push(`indexer killed right after its tick for epoch ${e} (committed for ${e + 1}, not yet revealed)`)
  const idx2 = await net.crashAndRestart('idx')

  // let it run: the restarted indexer must tick e+1 with the right reveal, and a few epochs settle with
  // passes (how many epochs that takes depends on the machine: a loaded one judges more challenges slow)
  await waitFor(async () => {
    const a = await idx2.call<LedgerAudit>('audit')
    return a.epoch >= e + 3 && a.summaryPassed >= 8
  }, 90_000, `epoch ${e + 3} and 8 passes settled`, 250)

  const live = [...net.procs.values()]
  const { version, audits } = await auditAll(live)
  const digests = new Set([...audits.values()].map((a) => a.digest))
  const ref = audits.get('idx') as LedgerAudit
  log.push(`final version ${version}, epoch ${ref.epoch}: ${summarise(ref)}; ${await repairsOf(live)}`)
  assert.equal(digests.size, 1, `one digest at version ${version}: ${show([...audits].map(([n, a]) => [n, a.digest.slice(0, 12)]))}`)
  for (const [name, a] of audits) assert.deepEqual(a.violations, [], `${name}: ${summarise(a)}`)
  const after = ref.epochs.find((x) => x.epoch === e + 1)
  assert.ok(after, `epoch ${e + 1} recorded`)
  assert.equal(after.withheld, 0, 'the restarted indexer revealed its committed secret')
  assert.ok(ref.summaryPassed >= 8, `passes settled: ${ref.summaryPassed}`)
  const verify = await idx2.call<{ ok: boolean; entries: number; firstDifference: string | null }>('verify', { timeoutMs: 60_000 }, 70_000)
  assert.ok(verify.ok, `replay from the writers' logs matches: ${show(verify)}`)

  // hosted data intact: every hoster's local copy of what it hosts, and a stock reader fed by hosters only
  const byKey = new Map(cores.map((c) => [c.coreKey, c.digest]))
  // (a restarted or newly matched hoster may still be verifying its copy: wait, bounded, until every
  // agreement active on the ledger has its hoster's mirror active)
  const activeMirrors = await waitFor(async () => {
    const activeAgrs = (await idx2.call<AgreementAudit[]>('agreements')).filter((x) => x.state === 'active')
    const out: { p: RelProc; coreKey: string }[] = []
    for (const p of live) {
      const mirrors = await p.call<{ coreKey: string; agreementId: number; state: string }[]>('mirrors')
      for (const m of mirrors.filter((x) => x.state === 'active')) out.push({ p, coreKey: m.coreKey })
    }
    return out.length >= activeAgrs.length && activeAgrs.length > 0 ? { out, agreements: activeAgrs.length } : null
  }, 60_000, 'every active agreement\'s hoster with an active mirror', 250)
  let checked = 0
  for (const { p, coreKey } of activeMirrors.out) {
    const d = await p.call<{ digest: string }>('coreDigest', { coreKey })
    assert.equal(d.digest, byKey.get(coreKey), `${p.name}'s copy of ${coreKey.slice(0, 8)}`)
    checked++
  }
  assert.ok(checked >= activeMirrors.agreements, `hoster copies checked: ${checked} of ${activeMirrors.agreements} active agreements`)
  await pub.close()
  net.procs.delete('pub')
  reader = await TestPeer.create('crash-reader', net.testnet.bootstrap)
  for (const c of cores) {
    const core = await reader.openRemote(Buffer.from(c.coreKey, 'hex'), 20_000)
    await withTimeout(core.download({ start: 0, end: core.length }).done(), 20_000, 'reader download')
    assert.equal(await digestCore(core), c.digest, `reader's digest of ${c.coreKey.slice(0, 8)} (publisher offline)`)
  }
  console.log(`# crash: ${log.join('; ')}; ${checked} hoster copies and ${cores.length} reader downloads intact`)
})
