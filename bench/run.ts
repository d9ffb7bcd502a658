// `npm run bench`: every benchmark in one process, one after the other, each under its own header.
//   node dist/bench/run.js [--quick] [--only name[,name]]
// To add one: export `async function runXBench(opts: { quick?: boolean }): Promise<void>` from
// bench/<name>.ts and add a line to BENCHES (lazy imports keep `--only` cheap).
import { parseArgs } from 'node:util'
import { performance } from 'node:perf_hooks'

type Bench = (opts: { quick?: boolean }) => Promise<void>

export const BENCHES: { name: string; load: () => Promise<Bench> }[] = [
  { name: 'proof', load: async () => (await import('./proof.js')).runProofBench },
  { name: 'ledger', load: async () => (await import('./ledger.js')).runLedgerBench },
  { name: 'sim', load: async () => (await import('./sim.js')).runSimBench },
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
  const { values } = parseArgs({ args: argv, options: { quick: { type: 'boolean' }, only: { type: 'string' } } })
  const quick = values.quick === true
  const only = values.only === undefined ? null : new Set(values.only.split(',').map((s) => s.trim()))
  if (only !== null) {
    for (const n of only) if (!BENCHES.some((b) => b.name === n)) throw new Error(`unknown bench ${n} (have: ${BENCHES.map((b) => b.name).join(', ')})`)
  }
  const t0 = performance.now()
  for (const b of BENCHES) {
    if (only !== null && !only.has(b.name)) continue
    console.log(`\n==================== bench: ${b.name}${quick ? ' (quick)' : ''} ====================\n`)
    const t = performance.now()
    await (await b.load())({ quick })
    console.log(`\n(${b.name}: ${((performance.now() - t) / 1000).toFixed(1)} s)`)
  }
  console.log(`\nall benchmarks: ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  return 0
}

if (process.argv[1] && import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runAll(process.argv.slice(2))
}
