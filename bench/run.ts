// `npm run bench`: every benchmark in one process, one after the other, each under its own header.
//   node dist/bench/run.js [--quick] [--only name[,name]] [--json FILE]
// --json FILE: every figure the run printed (bench/figures.ts: name, value, unit, baseline, ratio, aim,
// met), written when the run ends (also when a bench failed: what was measured until then).
// To add one: export `async function runXBench(opts: { quick?: boolean }): Promise<void>` from
// bench/<name>.ts and add a line to BENCHES (lazy imports keep `--only` cheap).
import { parseArgs } from 'node:util'
import os from 'node:os'
import { performance } from 'node:perf_hooks'
import { fig, figures } from './figures.js'

type Bench = (opts: { quick?: boolean }) => Promise<void>

export const BENCHES: { name: string; load: () => Promise<Bench> }[] = [
  { name: 'proof', load: async () => (await import('./proof.js')).runProofBench },
  { name: 'ledger', load: async () => (await import('./ledger.js')).runLedgerBench },
  { name: 'sim', load: async () => (await import('./sim.js')).runSimBench },
  { name: 'ledger-growth', load: async () => (await import('./ledger-growth.js')).runLedgerGrowthBench },
  { name: 'node-load', load: async () => (await import('./node-load.js')).runNodeLoadBench },
  { name: 'autobase', load: async () => (await import('./autobase.js')).runAutobaseBench },
  { name: 'statement', load: async () => (await import('./statement.js')).runStatementBench },
  {
    name: 'relay',
    load: async () => {
      const { runRelayBench } = await import('./relay.js')
      return async (o) => { await runRelayBench(o) }
    }
  },
  {
    name: 'mirror',
    load: async () => {
      const { runMirrorBench } = await import('./mirror.js')
      return async (o) => { await runMirrorBench(o) }
    }
  },
  {
    name: 'folder',
    load: async () => {
      const { runFolderBench } = await import('./folder.js')
      return async (o) => { await runFolderBench(o) }
    }
  }
]

export async function runAll(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { quick: { type: 'boolean' }, only: { type: 'string' }, json: { type: 'string' } } })
  const quick = values.quick === true
  const only = values.only === undefined ? null : new Set(values.only.split(',').map((s) => s.trim()))
  if (only !== null) {
    for (const n of only) if (!BENCHES.some((b) => b.name === n)) throw new Error(`unknown bench ${n} (have: ${BENCHES.map((b) => b.name).join(', ')})`)
  }
  const t0 = performance.now()
  const started = new Date().toISOString()
  let failed: Error | null = null
  try {
    for (const b of BENCHES) {
      if (only !== null && !only.has(b.name)) continue
      console.log(`\n==================== bench: ${b.name}${quick ? ' (quick)' : ''} ====================\n`)
      figures.bench = b.name
      const t = performance.now()
      await (await b.load())({ quick })
      console.log(`\n(${b.name}: ${fig('wall', (performance.now() - t) / 1000, 's').vu})`)
    }
  } catch (err) {
    failed = err instanceof Error ? err : new Error(String(err))
  }
  figures.bench = 'run'
  console.log(`\nall benchmarks: ${fig('wall', (performance.now() - t0) / 1000, 's').vu}`)
  const judged = figures.all.filter((f) => f.met !== null)
  console.log(`aims: ${judged.filter((f) => f.met === true).length} met, ${judged.filter((f) => f.met === false).length} NOT met` +
    ` (${figures.all.filter((f) => f.aim !== null && f.met === null).length} not comparable in this run)`)
  for (const f of judged) if (f.met === false) console.log(`  NOT met: ${f.bench}.${f.name} (${f.aim})`)
  if (values.json !== undefined) {
    await figures.writeJson(values.json, {
      started, quick, only: only === null ? null : [...only], node: process.version,
      cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? null, failed: failed === null ? null : failed.message
    })
    console.log(`figures: ${figures.all.length} written to ${values.json}`)
  }
  if (failed !== null) throw failed
  return 0
}

if (process.argv[1] && import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runAll(process.argv.slice(2))
  // a bench that could not close something (it says so) must not keep the run from ending
  process.exit()
}
