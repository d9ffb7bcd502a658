// Simulator benchmark (issue 3): 1,000 hosters × 10,000 agreements × 100 epochs through the real
// contract (aim: under 2 minutes, memory printed). `quick`: 100 × 1,000 × 20.
// Standalone: node --import tsx bench/sim.ts [--quick]
import { pathToFileURL } from 'node:url'
import { runSim } from '../src/sim/index.js'

const AIM_MS = 120_000
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')
const mib = (b: number): string => `${fmt(b / 2 ** 20)} MiB`

export async function runSimBench(opts: { quick?: boolean } = {}): Promise<void> {
  const quick = opts.quick ?? false
  const cfg = quick ? { hosters: 100, agreements: 1000, epochs: 20 } : { hosters: 1000, agreements: 10_000, epochs: 100 }
  console.log(`# Favor simulator benchmark${quick ? ' (quick)' : ''} — node ${process.version}`)
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
  const epochMs = r.epochs.map((e) => e.wallMs).sort((a, b) => a - b)
  console.log('| wall s | in apply s | setup s | epochs s | epochs/s | epoch ms p50 / max | ops | ops/s | peak RSS | peak heap | kv entries | aim (< 120 s) |')
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |')
  console.log(
    `| ${(p.wallMs / 1000).toFixed(1)} | ${(p.applyMs / 1000).toFixed(1)} (${((p.applyMs / p.wallMs) * 100).toFixed(0)} %) | ${(p.setupMs / 1000).toFixed(1)} | ${(p.runMs / 1000).toFixed(1)} | ${p.epochsPerSec.toFixed(2)} | ` +
      `${fmt(epochMs[Math.floor(epochMs.length / 2)] ?? 0)} / ${fmt(epochMs.at(-1) ?? 0)} | ${fmt(r.ops.applied)} | ${fmt(p.opsPerSec)} | ${mib(p.peakRssBytes)} | ${mib(p.peakHeapBytes)} | ${fmt(p.kvEntries)} | ` +
      (quick ? '(quick: scaled down, not comparable)' : `${((p.wallMs / AIM_MS) * 100).toFixed(0)} % of the aim`) +
      ' |'
  )
  const d = r.detection.lossy
  if (d !== undefined) {
    console.log(`lossy: ${d.incidents} agreements; reported in the first epoch ${((d.reportedFirstEpoch / d.incidents) * 100).toFixed(1)} %, failing outcome in the first epoch ${((d.failedFirstEpoch / d.incidents) * 100).toFixed(1)} %; repaired ${d.repaired}, mean ${d.meanEpochsToRepair?.toFixed(2) ?? '—'} epochs`)
  }
  console.log(`digest ${r.digest.slice(0, 16)}…, ops rejected ${r.ops.rejected}, agreements created ${fmt(r.agreementsCreated)}`)
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runSimBench({ quick: process.argv.includes('--quick') })
}
