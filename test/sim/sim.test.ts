// The simulator drives the real contract: determinism, an honest network's accounting, and the
// behaviours (offline, withdraw, lying attestor). The lossy-hoster claim is in lossy.test.ts.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { getAgreement, getAttestation, getEpoch, listAgreements } from '../../src/ledger/index.js'
import { runSim, Simulator } from '../../src/sim/index.js'
import type { SimConfig, SimReport } from '../../src/sim/index.js'

const small = (over: Partial<SimConfig> = {}): SimConfig => ({ seed: 1, hosters: 8, agreements: 24, epochs: 8, publishers: 3, indexers: 3, ...over })

test('same seed → same digest and report; different seed → different digest', async () => {
  const a = await runSim(small({ scenario: 'mixed', seed: 7 }))
  const b = await runSim(small({ scenario: 'mixed', seed: 7 }))
  const c = await runSim(small({ scenario: 'mixed', seed: 8 }))
  assert.equal(a.digest, b.digest)
  assert.notEqual(a.digest, c.digest)
  const strip = (r: SimReport): unknown => ({ ...r, perf: null, epochs: r.epochs.map((e) => ({ ...e, wallMs: 0 })) })
  assert.deepEqual(strip(a), strip(b))
})

test('honest network: every agreement passes, favor flows publisher → hosters + attestors, sum conserved', async () => {
  const sim = new Simulator(small({ epochs: 10 }))
  const r = await sim.run()
  assert.equal(r.ops.rejected, 0)
  assert.equal(r.agreementsCreated, 24)
  assert.equal(r.epochs.length, 10)
  assert.equal(r.weakEpochs, 1, 'epoch 1 is weak (no commitment can be due yet): no matching at its start')
  assert.equal(r.ops.byType.round, 1, 'one matching round, in epoch 1: nothing waits after it')
  for (const e of r.epochs.slice(1)) {
    // epoch 1: a matching round (on the chains committed by the ticks of epoch 1) matched every request and
    // the hosters became active; challenged and billed from epoch 2 on, the first full epoch
    assert.equal(e.settled, 24, `epoch ${e.epoch}`)
    assert.equal(e.passed, 24)
    assert.equal(e.failed, 0)
    assert.equal(e.noOutcome, 0)
    assert.ok(e.paidMicro > 0n)
  }
  assert.deepEqual(r.incidents, [])
  assert.equal(r.honestAttestorPenalties, 0)
  let prev = r.flows[0]
  assert.ok(prev !== undefined)
  for (const f of r.flows) {
    // nothing is minted: Σ(balance + held back + lines) is 0 at every epoch
    assert.equal(f.conserved, 0n)
    assert.ok(f.byRole.publisher.balance <= prev.byRole.publisher.balance)
    assert.ok(f.byRole.hoster.balance + f.byRole.hoster.heldBack >= prev.byRole.hoster.balance + prev.byRole.hoster.heldBack)
    assert.equal(f.byRole.hoster.given, f.byRole.publisher.received)
    prev = f
  }
  const last = r.flows.at(-1)
  assert.ok(last !== undefined)
  assert.ok(last.byRole.publisher.balance < 0n, 'publishers paid (down into their welcome credit)')
  assert.ok(last.byRole.hoster.balance > 0n && last.byRole.hoster.heldBack > 0n, 'hosters earned, part held back')
  assert.ok(last.byRole.indexer.balance > 0n, 'attestor-only accounts earned fees')
  const paid = r.epochs.reduce((s, e) => s + e.paidMicro, 0n)
  // publishers were debited what was paid, and earned back only attestor fees (≤ the 10 % attestor pool)
  assert.ok(-last.byRole.publisher.balance <= paid && -last.byRole.publisher.balance >= paid - paid / 10n)
  // hosters received 90 % of every payment (rounded down per payment; part held back) plus their own attestor fees
  const hosterPart = last.byRole.hoster.balance + last.byRole.hoster.heldBack
  assert.ok(hosterPart >= (paid * 9n) / 10n - 1000n && hosterPart < paid)
  for (const a of r.accounts) {
    if (a.role === 'publisher') assert.ok(a.balance < 0n && a.received > 0n)
    if (a.role === 'hoster' && a.given > 0n) assert.ok(a.reputationPpm > 500_000, `${a.label} reputation rose`)
    assert.equal(a.attestDisagreed, 0)
  }
})

test('offline hoster: unreachable outcomes, then its agreements are repaired after 3 epochs', async () => {
  const sim = new Simulator(small({ epochs: 12, behaviours: { 'hoster-2': { kind: 'offline', from: 4, to: 100 } } }))
  const r = await sim.run()
  const d = r.detection.offline
  assert.ok(d !== undefined && d.incidents > 0, 'hoster-2 held agreements')
  assert.equal(d.failedFirstEpoch, d.incidents)
  assert.equal(d.repaired, d.incidents)
  assert.equal(d.maxEpochsToRepair, 3)
  assert.equal(d.meanEpochsToRepair, 3)
  for (const inc of r.incidents) {
    assert.equal(inc.kind, 'offline')
    assert.equal(inc.startEpoch, 4)
    assert.equal(inc.endReason, 'failed')
    assert.equal(inc.endedEpoch, 7)
    assert.ok(inc.repairHoster !== null && inc.repairHoster !== 'hoster-2')
  }
  assert.ok(r.epochs.some((e) => e.failing.unreachable > 0))
  assert.equal(r.epochs.reduce((s, e) => s + e.failing.missing + e.failing.slow, 0), 0)
  const h = r.accounts.find((a) => a.label === 'hoster-2')
  assert.ok(h !== undefined)
  assert.ok(h.warnings.includes('unreachable'))
  const honest = r.accounts.filter((a) => a.role === 'hoster' && a.behaviour === 'honest' && a.given > 0n)
  for (const a of honest) assert.ok(a.reputationPpm > h.reputationPpm)
  const hex = sim.hexOf('hoster-2')
  assert.ok(hex !== null)
  assert.equal((await listAgreements(sim.kv, { hoster: hex, liveOnly: true, state: ['active', 'paused'] })).length, 0)
})

test('withdraw: graceful exit — replacements first, then released without penalty with the held-back share', async () => {
  const w = 6
  const r = await runSim(small({ epochs: 10, behaviours: { 'hoster-1': { kind: 'withdraws', at: w } }, track: ['hoster-1'] }))
  const d = r.detection.withdraw
  assert.ok(d !== undefined && d.incidents > 0)
  assert.equal(d.repaired, d.incidents)
  assert.equal(d.detected, 0, 'no failing outcome while exiting')
  for (const inc of r.incidents) {
    assert.equal(inc.kind, 'withdraw')
    assert.equal(inc.endReason, 'withdrawn')
    assert.ok(inc.repairActiveEpoch !== null && inc.endedEpoch === inc.repairActiveEpoch, 'kept serving until the replacement was ready')
    assert.ok(inc.repairHoster !== null && inc.repairHoster !== 'hoster-1')
  }
  const series = r.tracked['hoster-1']
  assert.ok(series !== undefined)
  const before = series.find((p) => p.epoch === w - 1)
  const after = series.at(-1)
  assert.ok(before !== undefined && after !== undefined)
  assert.ok(before.heldBack > 0n, 'held-back share accumulated before the exit')
  assert.equal(after.heldBack, 0n, 'held-back share released')
  assert.ok(after.balance >= before.balance + before.heldBack)
  assert.ok(after.reputationPpm >= before.reputationPpm, 'no penalty')
  assert.equal(r.ops.rejected, 0)
})

test('lying and lazy attestors: their results are refused (no valid receipt), cost them their attestor score and then their selection; honest hosters are untouched; loss is still caught', async () => {
  const sim = new Simulator(
    small({
      hosters: 10,
      agreements: 40,
      epochs: 12,
      behaviours: {
        'hoster-3': { kind: 'lyingAttestor', mode: 'fail' },
        'hoster-4': { kind: 'lossy', fraction: 0.5, from: 3 },
        'hoster-6': { kind: 'lossy', fraction: 0.5, from: 3, mode: 'silent' },
        'hoster-8': { kind: 'offline', from: 5, to: 100 },
        'hoster-5': { kind: 'lyingAttestor', mode: 'pass' }
      }
    })
  )
  const r = await sim.run()
  const liar = r.accounts.find((a) => a.label === 'hoster-3')
  const lazy = r.accounts.find((a) => a.label === 'hoster-5')
  assert.ok(liar !== undefined && lazy !== undefined)
  assert.ok((r.refusedResults.RECEIPT_BAD_SIGNATURE ?? 0) > 0, 'the liar signed its own receipts')
  assert.ok((r.refusedResults.RECEIPT_MISSING ?? 0) > 0, 'the lazy attestor had none')
  assert.equal(Object.keys(r.refusedResults).length, 2, JSON.stringify(r.refusedResults))
  for (const a of [liar, lazy]) {
    assert.equal(a.attestAgreed, 0)
    assert.ok(a.attestRefused >= 2 && a.attestScorePpm < 500_000, `${a.label} excluded from attestor selection`)
  }
  const liarHex = sim.hexOf('hoster-3')
  const lazyHex = sim.hexOf('hoster-5')
  const selectedIn = new Map<string, number[]>([[liarHex as string, []], [lazyHex as string, []]])
  const faulty = new Set(['hoster-4', 'hoster-6', 'hoster-8'].map((l) => sim.hexOf(l)))
  // no honest hoster's agreement ever settled failing (every epoch: a round matches in epoch 1, challenges start in 2)
  for (let e = 1; e <= r.config.epochs; e++) {
    const rec = await getEpoch(sim.kv, e)
    for (const id of rec?.attested ?? []) {
      const att = await getAttestation(sim.kv, e, id)
      const agr = await getAgreement(sim.kv, id)
      assert.ok(att !== null && agr !== null)
      if (faulty.has(agr.hoster)) continue
      for (const [j, x] of att.results.entries()) {
        if (x === null || x.refused !== '') continue
        assert.equal(x.outcome, 'pass', `epoch ${e} agreement ${id} attestor ${j}`)
      }
    }
    for (const id of rec?.attested ?? []) {
      const att = await getAttestation(sim.kv, e, id)
      for (const [h, list] of selectedIn) if (att?.attestors.includes(h) === true && list.at(-1) !== e) list.push(e)
    }
  }
  // refused in the first epoch they were selected in, never selected again
  for (const [h, list] of selectedIn) assert.equal(list.length, 1, `${h.slice(0, 8)} selected in epochs ${list.join(',')}`)
  assert.equal(r.endedHonest.failed ?? 0, 0)
  const honestHoster = r.accounts.filter((a) => a.role === 'hoster' && a.behaviour === 'honest' && a.given > 0n)
  for (const a of honestHoster) {
    assert.equal(a.attestDisagreed + a.attestRefused, 0)
    assert.ok(!a.warnings.includes('missing') && !a.warnings.includes('slow'))
  }
  assert.equal(r.honestAttestorPenalties, 0)
  // loss is caught in its first epoch whether the hoster admits it or goes silent (50 % lost)
  const lossy = r.incidents.filter((i) => i.kind === 'lossy')
  assert.ok(lossy.length > 0)
  for (const inc of lossy) assert.equal(inc.firstFailEpoch, inc.startEpoch, `${inc.hoster} agreement ${inc.agreementId}`)
})

test('attack scenarios print their damage against the same run without the attackers', async () => {
  const { runDamage, damageLines } = await import('../../src/sim/index.js')
  const base = { seed: 3, hosters: 12, agreements: 36, epochs: 12, publishers: 2 }
  const liar = (await runDamage({ ...base, scenario: 'liar' })).damage
  assert.equal(liar.honestAgreementsEnded, 0, 'lying attestors end no honest agreement')
  assert.ok((liar.refusedResults.RECEIPT_BAD_SIGNATURE ?? 0) > 0)
  assert.ok(liar.attestorsExcluded >= 1)
  const lazy = (await runDamage({ ...base, scenario: 'lazy' })).damage
  assert.ok((lazy.refusedResults.RECEIPT_MISSING ?? 0) > 0)
  assert.equal(lazy.favorLostByHonest, 0n, 'a lazy attestor costs honest accounts nothing')
  assert.ok(lazy.favorGainedByAttackers <= 0n, 'and earns nothing by not running challenges')
  const silent = await runDamage({ ...base, scenario: 'silent-indexer' })
  assert.equal(silent.damage.epochsStarted, base.epochs, 'a silent indexer does not stop epochs')
  assert.equal(silent.damage.indexers, 3, 'removed and replaced')
  const idx = silent.attack.accounts.find((a) => a.label === 'indexer-1')
  assert.equal(idx?.indexer, false)
  const relay = (await runDamage({ ...base, scenario: 'relay' })).damage
  assert.ok(relay.passed <= relay.passedBaseline)
  for (const d of [liar, lazy, silent.damage, relay]) assert.ok(damageLines(d).length >= 5)
})
