// CLI: node dist/src/sim/main.js --hosters 20 --agreements 100 --epochs 30 --scenario lossy --seed 1
// Other flags: --publishers N --indexers N --replicas N --cores-per-request N --blocks N --block-bytes N
// --groups N --attestors N --samples N --progress --json
import { parseArgs } from 'node:util'
import { printEpoch, printLine, printReport } from './report.js'
import { damageLines, runDamage } from './damage.js'
import { runSim } from './simulator.js'
import { ATTACK_SCENARIOS, SCENARIOS } from './types.js'
import type { ScenarioName, SimConfig } from './types.js'

const USAGE = `usage: favor-sim [--hosters 20] [--agreements 100] [--epochs 30] [--seed 1] [--scenario ${SCENARIOS.join('|')}]
  [--publishers N] [--indexers 3] [--replicas 1] [--cores-per-request 1] [--blocks 1000] [--block-bytes 65536]
  [--groups 0] [--attestors 3] [--samples 16] [--progress] [--json]`

function int(v: string | undefined, name: string, dflt: number | undefined): number | undefined {
  if (v === undefined) return dflt
  const n = Number(v)
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`--${name} must be a non-negative integer`)
  return n
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      hosters: { type: 'string' },
      agreements: { type: 'string' },
      epochs: { type: 'string' },
      seed: { type: 'string' },
      scenario: { type: 'string' },
      publishers: { type: 'string' },
      indexers: { type: 'string' },
      replicas: { type: 'string' },
      'cores-per-request': { type: 'string' },
      blocks: { type: 'string' },
      'block-bytes': { type: 'string' },
      groups: { type: 'string' },
      attestors: { type: 'string' },
      samples: { type: 'string' },
      progress: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean' }
    }
  })
  if (values.help === true) {
    printLine(USAGE)
    return 0
  }
  const scenario = values.scenario ?? 'honest'
  if (!(SCENARIOS as readonly string[]).includes(scenario)) throw new RangeError(`unknown scenario ${scenario}\n${USAGE}`)
  const params: SimConfig['params'] = {}
  const attestors = int(values.attestors, 'attestors', undefined)
  const samples = int(values.samples, 'samples', undefined)
  if (attestors !== undefined) params.attestors = attestors
  if (samples !== undefined) params.samples = samples
  const cfg: SimConfig = {
    seed: int(values.seed, 'seed', 1) ?? 1,
    hosters: int(values.hosters, 'hosters', 20) ?? 20,
    agreements: int(values.agreements, 'agreements', 100) ?? 100,
    epochs: int(values.epochs, 'epochs', 30) ?? 30,
    scenario: scenario as ScenarioName,
    publishers: int(values.publishers, 'publishers', undefined),
    indexers: int(values.indexers, 'indexers', undefined),
    replicas: int(values.replicas, 'replicas', undefined),
    coresPerRequest: int(values['cores-per-request'], 'cores-per-request', undefined),
    coreBlocks: int(values.blocks, 'blocks', undefined),
    blockBytes: int(values['block-bytes'], 'block-bytes', undefined),
    hosterGroups: int(values.groups, 'groups', undefined),
    params
  }
  if ((ATTACK_SCENARIOS as readonly string[]).includes(scenario)) {
    // attack scenarios: the run, and its damage against the same run without the attackers
    const { attack, damage } = await runDamage(cfg)
    if (values.json === true) printLine(JSON.stringify({ report: attack, damage }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2))
    else {
      printReport(attack)
      for (const l of damageLines(damage)) printLine(l)
    }
    return 0
  }
  const report = await runSim(cfg, values.progress === true ? { onEpoch: printEpoch } : {})
  if (values.json === true) printLine(JSON.stringify(report, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2))
  else printReport(report)
  return 0
}

try {
  process.exitCode = await main(process.argv.slice(2))
} catch (err) {
  printLine(err instanceof Error ? err.message : String(err))
  process.exitCode = 1
}
