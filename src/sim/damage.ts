// The damage of an attack scenario: the same configuration run with and without the attackers'
// behaviours (same seed, same keys), compared account by account. Honest agreements ended, favor lost by
// honest accounts, favor gained by the attackers; plus what the contract did about it.
import { runSim } from './simulator.js'
import type { SimConfig, SimReport } from './types.js'

export interface Damage {
  scenario: string
  /** Agreements of honest hosters that ended as failed / not-ready, with and without the attack. */
  honestAgreementsEnded: number
  honestAgreementsEndedBaseline: number
  /** Σ over honest accounts of what they hold less (balance + held back) than without the attack, µfavor. */
  favorLostByHonest: bigint
  /** Σ over the attackers of what they hold more than without the attack, µfavor. */
  favorGainedByAttackers: bigint
  /** What the attackers hold at the end (for a relay: earned while keeping nothing), µfavor. */
  attackersHold: bigint
  /** Results refused by the contract, by RejectCode. */
  refusedResults: Record<string, number>
  /** Attackers no longer selected as attestors (score < ½ after ≥ 2 failures). */
  attestorsExcluded: number
  /** Indexers at the end, and weak epochs. */
  indexers: number
  weakEpochs: number
  /** Epochs started in the attack run and the baseline (a halted network starts fewer). */
  epochsStarted: number
  epochsStartedBaseline: number
  passed: number
  passedBaseline: number
}

const hold = (r: SimReport, label: string): bigint => {
  const a = r.accounts.find((x) => x.label === label)
  return a === undefined ? 0n : a.balance + a.heldBack
}

export async function runDamage(config: SimConfig): Promise<{ attack: SimReport; baseline: SimReport; damage: Damage }> {
  const attack = await runSim(config)
  const attackers = new Set(Object.entries(attack.config.behaviours).filter(([, b]) => b.kind !== 'honest').map(([k]) => k))
  const { scenario: _scenario, behaviours: _behaviours, ...rest } = config
  const baseline = await runSim({ ...rest, behaviours: {} })
  let lost = 0n
  let gained = 0n
  let attackersHold = 0n
  for (const a of attack.accounts) {
    const diff = hold(attack, a.label) - hold(baseline, a.label)
    if (attackers.has(a.label)) {
      gained += diff
      attackersHold += hold(attack, a.label)
    } else if (diff < 0n) {
      lost -= diff
    }
  }
  const ended = (r: SimReport): number => (r.endedHonest.failed ?? 0) + (r.endedHonest['not-ready'] ?? 0)
  const excluded = attack.accounts.filter((a) => attackers.has(a.label) && a.attestAgreed + a.attestDisagreed + a.attestRefused > 0 && a.attestDisagreed + a.attestRefused >= 2 && a.attestScorePpm < 500_000).length
  const passed = (r: SimReport): number => r.epochs.reduce((s, e) => s + e.passed, 0)
  return {
    attack,
    baseline,
    damage: {
      scenario: config.scenario ?? 'custom',
      honestAgreementsEnded: ended(attack),
      honestAgreementsEndedBaseline: ended(baseline),
      favorLostByHonest: lost,
      favorGainedByAttackers: gained,
      attackersHold,
      refusedResults: attack.refusedResults,
      attestorsExcluded: excluded,
      indexers: attack.accounts.filter((a) => a.indexer).length,
      weakEpochs: attack.weakEpochs,
      epochsStarted: attack.epochs.length,
      epochsStartedBaseline: baseline.epochs.length,
      passed: passed(attack),
      passedBaseline: passed(baseline)
    }
  }
}

const favor = (micro: bigint): string => `${(Number(micro) / 1e6).toFixed(3)} favor`

/** Lines that print a damage summary. */
export function damageLines(d: Damage): string[] {
  return [
    `## Damage of scenario ${d.scenario} (against the same run without the attackers)`,
    `honest agreements ended (failed/not-ready): ${d.honestAgreementsEnded} (without the attack: ${d.honestAgreementsEndedBaseline})`,
    `favor lost by honest accounts: ${favor(d.favorLostByHonest)}`,
    `favor gained by the attackers: ${favor(d.favorGainedByAttackers)} (they hold ${favor(d.attackersHold)})`,
    `agreement-epochs paid: ${d.passed} (without the attack: ${d.passedBaseline})`,
    `results refused by the contract: ${Object.entries(d.refusedResults).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}; attackers excluded as attestors: ${d.attestorsExcluded}`,
    `epochs started: ${d.epochsStarted} (without the attack: ${d.epochsStartedBaseline}); weak epochs: ${d.weakEpochs}; indexers at the end: ${d.indexers}`
  ]
}
