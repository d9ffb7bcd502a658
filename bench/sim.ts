// Simulator benchmark (issues 3, 15): 1,000 hosters × 10,000 agreements × 100 epochs through the real
// contract (aim, issue 15: under 60 s; memory and CPU printed). `quick`: 100 × 1,000 × 20. `large` (its own
// run, minutes): 10,000 × 100,000 × 24 (aim: under 10 minutes in under 4 GiB).
// Then adaptive audits: audit traffic per day next to detection, per tier, with simulator trials.
// Standalone: node --import tsx bench/sim.ts [--quick | --large] [--audit (the audit table only)]
import { pathToFileURL } from 'node:url'
import { auditFractionPerDay, cleanSamples, defaultParams, detectWithin, escapeOne } from '../src/ledger/index.js'
import { runAuditTrials, runSim } from '../src/sim/index.js'

const AIM_MS = 60_000
const LARGE_AIM_MS = 600_000
const LARGE_AIM_RSS = 4 * 2 ** 30
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')
const mib = (b: number): string => `${fmt(b / 2 ** 20)} MiB`

export async function runSimBench(opts: { quick?: boolean; large?: boolean } = {}): Promise<void> {
  const quick = opts.quick ?? false
  const large = opts.large ?? false
  const cfg = large ? { hosters: 10_000, agreements: 100_000, epochs: 24 } : quick ? { hosters: 100, agreements: 1000, epochs: 20 } : { hosters: 1000, agreements: 10_000, epochs: 100 }
  const aim = large ? LARGE_AIM_MS : AIM_MS
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
  const cpuS = (cpu.user + cpu.system) / 1e6
  const epochMs = r.epochs.map((e) => e.wallMs).sort((a, b) => a - b)
  console.log(`| wall s | CPU s | in apply s | setup s | epochs s | epochs/s | epoch ms p50 / max | ops | ops/s | peak RSS | peak heap | kv entries | aim (< ${aim / 1000} s${large ? ', < 4 GiB' : ''}) |`)
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |')
  console.log(
    `| ${(p.wallMs / 1000).toFixed(1)} | ${cpuS.toFixed(1)} | ${(p.applyMs / 1000).toFixed(1)} (${((p.applyMs / p.wallMs) * 100).toFixed(0)} %) | ${(p.setupMs / 1000).toFixed(1)} | ${(p.runMs / 1000).toFixed(1)} | ${p.epochsPerSec.toFixed(2)} | ` +
      `${fmt(epochMs[Math.floor(epochMs.length / 2)] ?? 0)} / ${fmt(epochMs.at(-1) ?? 0)} | ${fmt(r.ops.applied)} | ${fmt(p.opsPerSec)} | ${mib(p.peakRssBytes)} | ${mib(p.peakHeapBytes)} | ${fmt(p.kvEntries)} | ` +
      (quick ? '(quick: scaled down, not comparable)' : `${((p.wallMs / aim) * 100).toFixed(0)} % of the aim: ${p.wallMs < aim ? 'met' : 'not met'}`) +
      (large ? `; RSS ${p.peakRssBytes < LARGE_AIM_RSS ? 'met' : 'not met'}` : '') +
      ' |'
  )
  const d = r.detection.lossy
  if (d !== undefined) {
    console.log(`lossy: ${d.incidents} agreements; reported in the first epoch ${((d.reportedFirstEpoch / d.incidents) * 100).toFixed(1)} %, failing outcome in the first epoch ${((d.failedFirstEpoch / d.incidents) * 100).toFixed(1)} %; repaired ${d.repaired}, mean ${d.meanEpochsToRepair?.toFixed(2) ?? '—'} epochs`)
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
  const rows: [string, number, string, string][] = [
    ['new (unvetted, recent failure)', p.samplesNew, `first epoch ${(detectWithin(n, lost, p.samplesNew, k, 1) * 100).toFixed(3)} %`, `first epoch ${(silentFirst(p.samplesNew) * 100).toFixed(2)} %`],
    ['standard (v1: every vetted hoster)', p.samples, `first epoch ${(detectWithin(n, lost, p.samples, k, 1) * 100).toFixed(2)} %`, `first epoch ${(silentFirst(p.samples) * 100).toFixed(2)} %`],
    ['clean (v2: long clean record)', clean, `within 3 epochs ${(detectWithin(n, lost, clean, k, 3) * 100).toFixed(1)} %, 6: ${(detectWithin(n, lost, clean, k, 6) * 100).toFixed(1)} %`, 'unpaid when detected; then standard tier']
  ]
  for (const [tier, s, admit, silent] of rows) {
    const f = auditFractionPerDay(n, s, k, p.epochSeconds)
    console.log(`| ${tier} | ${s} | ${((k * s * blockBytes * perDay) / 2 ** 20).toFixed(1)} | ${(f * 100).toFixed(2)} % | ${f <= 0.01 ? 'met' : 'not met'} | ${admit} | ${silent} |`)
  }
  const runs = quick ? 30 : 150
  const t = await runAuditTrials({ runs, coreBlocks: n, hosters: 6, agreements: 12 })
  console.log(
    `clean tier, ${runs} seeded simulator runs (samples fixed by the contract: ${t.samples.join(', ')}; challenged ${(t.fractionMeasured * 100).toFixed(2)} % of blocks/day): ` +
      `per agreement detected in its first lossy epoch ${t.detectedFirst}/${t.incidents} = ${((t.detectedFirst / t.incidents) * 100).toFixed(1)} % (formula ${(t.expectedFirst * 100).toFixed(1)} %); ` +
      `hoster detected within 3 epochs ${t.hosterDetectedWithin3}/${t.hosterRuns} = ${((t.hosterDetectedWithin3 / t.hosterRuns) * 100).toFixed(1)} % (formula ${(t.hosterExpectedWithin3 * 100).toFixed(1)} %, its lossy agreements counted)`
  )
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.includes('--audit')) await runAuditBench(process.argv.includes('--quick'))
  else await runSimBench({ quick: process.argv.includes('--quick'), large: process.argv.includes('--large') })
}
