// `npm run sim:sybil [-- --seeds N] [-- --only genesis|join|capture]`: prints the Sybil economics tables of
// docs/sybil.md (runs the real contract): the operator at genesis, the operator joining a running network,
// and all-replica capture counted over seeds 1..N (default 4, a quarter of them for one lineage; docs/sybil.md used 16). Progress on stderr.
import { parseArgs } from 'node:util'
import { captureCount, captureTable, sybilJoinTable, sybilTable } from './sybil.js'
import type { CaptureCount, SybilRow } from './sybil.js'

const { values } = parseArgs({ options: { seeds: { type: 'string', default: '4' }, only: { type: 'string' } } })
const seeds = Math.max(1, Number.parseInt(values.seeds, 10) || 4)
const only = values.only
const t0 = performance.now()
const onRow = (r: SybilRow, ms: number): void => {
  process.stderr.write(`  ${r.vouching} k=${r.identities} x=${r.realShare}: replicas ${(r.replicaShare * 100).toFixed(1)} %, all-Sybil ${r.coresEverAllSybil} of ${r.coresExposed} (${(ms / 1000).toFixed(1)} s)\n`)
}
const out = (lines: string[]): void => {
  process.stdout.write(`${lines.join('\n')}\n\n`)
}
if (only === undefined || only === 'genesis') out(await sybilTable({ onRow }))
if (only === undefined || only === 'join') out(await sybilJoinTable({ onRow }))
if (only === undefined || only === 'capture') {
  const rows: CaptureCount[] = []
  for (const scenario of ['genesis', 'join'] as const) {
    // one lineage never holds two replicas of a core (by construction): a quarter of the seeds shows it
    for (const vouching of ['lineage', 'admin'] as const) rows.push(await captureCount({ scenario, vouching, identities: 10, realShare: 0.33, runs: vouching === 'lineage' ? Math.ceil(seeds / 4) : seeds, onRow }))
  }
  out(captureTable(rows))
}
process.stderr.write(`done in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`)
