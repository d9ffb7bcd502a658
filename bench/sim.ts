// Simulator benchmark (issues 3, 15): 1,000 hosters × 10,000 agreements × 100 epochs through the real
// contract (aim, issue 15: under 60 s; memory and CPU printed). `quick`: 100 × 1,000 × 20. `large` (its own
// run, minutes): 10,000 × 100,000 × 24 (aim: under 10 minutes in under 4 GiB).
// Then adaptive audits: audit traffic per day next to detection, per tier, with simulator trials.
// Standalone: node --import tsx bench/sim.ts [--quick | --large] [--audit (the audit table only)]
import { pathToFileURL } from 'node:url'
import { auditFractionPerDay, cleanSamples, defaultParams, detectWithin, escapeOne } from '../src/ledger/index.js'
import { runAuditTrials, runSim } from '../src/sim/index.js'
import { fig } from './figures.js'

// issue 15's aims (issue 3's was 120 s for the standard scale)
const AIM_S = 60
const LARGE_AIM_S = 600
const LARGE_AIM_MIB = 4 * 1024
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')

export async function runSimBench(opts: { quick?: boolean; large?: boolean } = {}): Promise<void> {
  const quick = opts.quick ?? false
  const large = opts.large ?? false
  const cfg = large ? { hosters: 10_000, agreements: 100_000, epochs: 24 } : quick ? { hosters: 100, agreements: 1000, epochs: 20 } : { hosters: 1000, agreements: 10_000, epochs: 100 }
  const aimS = large ? LARGE_AIM_S : AIM_S
  console.log(`# Favor simulator benchmark${quick ? ' (quick)' : large ? ' (large)' : ''} — node ${process.version}`)
  const cpu0 = process.cpuUsage()
  console.log(`\n## ${fmt(cfg.hosters)} hosters × ${fmt(cfg.agreements)} agreements × ${cfg.epochs} epochs (scenario mixed, seed 1)`)
  let last = Date.now()
  const r = await runSim(
    { seed: 1, ...cfg, scenario: 'mixed' },
    {
      onEpoch: (o) => {
        if (Date.now() - last > 15_000) {
          last = Date.now()
          console.log(`  … epoch ${o.epoch}/${cfg.epochs} (${fmt(o.wallMs)} ms)`)
        }
      }
    }
  )
  const p = r.perf
  const cpu = process.cpuUsage(cpu0)
  const epochMs = r.epochs.map((e) => e.wallMs).sort((a, b) => a - b)
  const wall = fig('wall', p.wallMs / 1000, 's', { aim: { on: 'value', cmp: '<', limit: aimS, comparable: !quick } })
  const inApply = fig('apply', p.applyMs / 1000, 's', { baseline: wall })
  const rss = fig('peak RSS', p.peakRssBytes / 2 ** 20, 'MiB', large ? { aim: { on: 'value', cmp: '<', limit: LARGE_AIM_MIB } } : {})
  console.log(`| wall s | CPU s | in apply s | setup s | epochs s | epochs/s | epoch ms p50 / max | ops | ops/s | peak RSS | peak heap | kv entries | aim (< ${aimS} s${large ? ', < 4 GiB' : ''}) |`)
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |')
  console.log(
    `| ${wall.v} | ${fig('cpu', (cpu.user + cpu.system) / 1e6, 's').v} | ${inApply.v} (${((inApply.figure.ratio ?? 0) * 100).toFixed(0)} %) | ${fig('setup', p.setupMs / 1000, 's').v} | ${fig('epochs', p.runMs / 1000, 's').v} | ${fig('epochs per s', p.epochsPerSec, '/s').v} | ` +
      `${fig('epoch p50', epochMs[Math.floor(epochMs.length / 2)] ?? 0, 'ms').v} / ${fig('epoch max', epochMs.at(-1) ?? 0, 'ms').v} | ${fig('ops', r.ops.applied, 'ops').v} | ${fig('ops per s', p.opsPerSec, 'ops/s').v} | ` +
      `${rss.vu} | ${fig('peak heap', p.peakHeapBytes / 2 ** 20, 'MiB').vu} | ${fig('kv entries', p.kvEntries, 'entries').v} | ` +
      (quick ? '(quick: scaled down, not comparable)' : wall.verdict + (large ? `; ${rss.verdict}` : '')) +
      ' |'
  )
  const d = r.detection.lossy
  if (d !== undefined) {
    const pc = (n: number): number => (d.incidents === 0 ? 0 : (n / d.incidents) * 100)
    console.log(`lossy: ${d.incidents} agreements; reported in the first epoch ${fig('lossy reported in the first epoch', pc(d.reportedFirstEpoch), '%', { digits: 1 }).vu}, ` +
      `failing outcome in the first epoch ${fig('lossy failing in the first epoch', pc(d.failedFirstEpoch), '%', { digits: 1 }).vu}; repaired ${d.repaired}, mean ${fig('lossy epochs to repair', d.meanEpochsToRepair ?? null, 'epochs').v} epochs`)
  }
  console.log(`digest ${r.digest.slice(0, 16)}…, ops rejected ${r.ops.rejected}, agreements created ${fmt(r.agreementsCreated)}`)
  if (!large) await runAuditBench(quick)
}

/**
 * Adaptive audits (issue 15 item 3): audit traffic per day next to the probability that a 10 %-lossy hoster is
 * detected, per tier, for a 1 GiB core of 64 KiB blocks with 1-hour epochs and 3 attestors; the clean tier
 * also by seeded simulator trials (docs/challenges.md §3).
 */
export async function runAuditBench(quick: boolean): Promise<void> {
  const p = defaultParams()
  const n = 16_384
  const lost = n / 10
  const k = p.attestors
  const blockBytes = 64 * 1024
  const perDay = 86_400 / p.epochSeconds
  const silentFirst = (s: number): number => {
    const q = escapeOne(n, lost, s)
    return 1 - q ** 3 - 3 * q ** 2 * (1 - q)
  }
  console.log(`\n## Adaptive audits — 1 GiB core, 64 KiB blocks, ${p.epochSeconds / 3600} h epochs, ${k} attestors, 10 % lost (formula: docs/challenges.md §3)`)
  console.log('| tier | blocks per attestor | audit MiB/day | % of stored/day | aim ≤ 1 % | detected (admits loss) | silent hoster fails |')
  console.log('| --- | --- | --- | --- | --- | --- | --- |')
  const clean = cleanSamples(n, p)
  const rows: [string, string, number, string, string][] = [
    ['new', 'new (unvetted, recent failure)', p.samplesNew, `first epoch ${fig('audit new: detected in the first epoch', detectWithin(n, lost, p.samplesNew, k, 1) * 100, '%', { digits: 3 }).vu}`, `first epoch ${(silentFirst(p.samplesNew) * 100).toFixed(2)} %`],
    ['standard', 'standard (v1: every vetted hoster)', p.samples, `first epoch ${fig('audit standard: detected in the first epoch', detectWithin(n, lost, p.samples, k, 1) * 100, '%', { digits: 2 }).vu}`, `first epoch ${(silentFirst(p.samples) * 100).toFixed(2)} %`],
    ['clean', 'clean (v2: long clean record)', clean, `within 3 epochs ${fig('audit clean: detected within 3 epochs', detectWithin(n, lost, clean, k, 3) * 100, '%', { digits: 1 }).vu}, 6: ${(detectWithin(n, lost, clean, k, 6) * 100).toFixed(1)} %`, 'unpaid when detected; then standard tier']
  ]
  for (const [name, tier, s, admit, silent] of rows) {
    const f = fig(`audit ${name}: traffic per day`, auditFractionPerDay(n, s, k, p.epochSeconds) * 100, '%', { digits: 2, ...(name === 'clean' ? { aim: { on: 'value' as const, cmp: '<=' as const, limit: 1 } } : {}) })
    console.log(`| ${tier} | ${s} | ${((k * s * blockBytes * perDay) / 2 ** 20).toFixed(1)} | ${f.vu} | ${(f.figure.value ?? 100) <= 1 ? 'met' : 'not met'} | ${admit} | ${silent} |`)
  }
  const runs = quick ? 30 : 150
  const t = await runAuditTrials({ runs, coreBlocks: n, hosters: 6, agreements: 12 })
  const first = fig('audit clean trials: detected in the first lossy epoch', (t.detectedFirst / t.incidents) * 100, '%', { digits: 1, baseline: { name: 'formula', value: t.expectedFirst * 100, unit: '%' } })
  const within3 = fig('audit clean trials: hoster detected within 3 epochs', (t.hosterDetectedWithin3 / t.hosterRuns) * 100, '%', { digits: 1, baseline: { name: 'formula', value: t.hosterExpectedWithin3 * 100, unit: '%' } })
  console.log(
    `clean tier, ${runs} seeded simulator runs (samples fixed by the contract: ${t.samples.join(', ')}; challenged ${(t.fractionMeasured * 100).toFixed(2)} % of blocks/day): ` +
      `per agreement detected in its first lossy epoch ${t.detectedFirst}/${t.incidents} = ${first.vu} (formula ${(t.expectedFirst * 100).toFixed(1)} %); ` +
      `hoster detected within 3 epochs ${t.hosterDetectedWithin3}/${t.hosterRuns} = ${within3.vu} (formula ${(t.hosterExpectedWithin3 * 100).toFixed(1)} %, its lossy agreements counted)`
  )
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.includes('--audit')) await runAuditBench(process.argv.includes('--quick'))
  else await runSimBench({ quick: process.argv.includes('--quick'), large: process.argv.includes('--large') })
}
