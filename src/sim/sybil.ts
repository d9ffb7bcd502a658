// The economics of Sybil attacks (issue 11, docs/sybil.md), measured by running the real contract in the
// simulator: a Sybil operator with k identities and a share x of the real capacity against 20 honest
// hosters; and credit laundering by fresh identities. Pure functions of their configurations (seeded).
import { owes } from '../ledger/index.js'
import type { Account } from '../ledger/index.js'
import { Simulator } from './simulator.js'
import { hosterLabel, publisherLabel } from './scenarios.js'
import type { SimConfig, SybilStats } from './types.js'

export interface SybilRow extends SybilStats {
  /** Honest accounts' loss: replica-epochs honest publishers paid to the operator for data it did not keep are never paid (a missing is not billed); what they bear is the repairs (failedOnSybil). */
  epochs: number
}

export interface SybilRunOptions {
  /** The operator's identities k and share x of the real capacity. */
  identities: number
  realShare: number
  vouching?: 'lineage' | 'admin'
  seed?: number
  epochs?: number
  hosters?: number
  /** Cores requested at genesis (default 40), and new cores requested every epoch (default 0). */
  cores?: number
  arrivals?: number
  /** Epoch the operator joins in (default 0: at genesis, with the honest hosters). */
  joinEpoch?: number
  /** Check the accounting invariants after every op (default: the simulator's, with ≤ 100 accounts). */
  checkInvariants?: boolean
}

/** One Sybil run: 20 honest hosters (unless overridden), 3 replicas per core. */
export async function runSybil(opts: SybilRunOptions): Promise<SybilRow> {
  const epochs = opts.epochs ?? 12
  const cfg: SimConfig = {
    seed: opts.seed ?? 1,
    hosters: opts.hosters ?? 20,
    agreements: (opts.cores ?? 40) * 3,
    arrivalCoresPerEpoch: opts.arrivals ?? 0,
    replicas: 3,
    epochs,
    publishers: 4,
    indexers: 3,
    coreBlocks: 4096, // 256 MiB cores: the growth allowance (1 GiB) is four of them
    blockBytes: 65_536,
    params: { unvettedEpochs: 4, attestors: 3 },
    sybil: { identities: opts.identities, realShare: opts.realShare, vouching: opts.vouching ?? 'lineage', joinEpoch: opts.joinEpoch ?? 0 },
    ...(opts.checkInvariants !== undefined ? { checkInvariants: opts.checkInvariants } : {})
  }
  const report = await new Simulator(cfg).run()
  if (report.sybil === null) throw new Error('no sybil stats')
  return { ...report.sybil, epochs }
}

export interface LaunderingResult {
  identities: number
  epochs: number
  /** What the launderer (the one hoster) holds, and how much of it it may transfer, µfavor. */
  hosterHolds: bigint
  hosterTransferable: bigint
  /** What the fresh identities owe of their welcome credit at the end, µfavor. */
  identitiesOwe: bigint
}

/**
 * Credit laundering: `identities` fresh accounts (publishers) with a welcome credit each spend it on cores
 * that one hoster (the launderer) holds. The hoster earns; what it may transfer is what nobody still owes.
 */
export async function runLaundering(opts: { identities?: number; epochs?: number; seed?: number } = {}): Promise<LaunderingResult> {
  const identities = opts.identities ?? 8
  const epochs = opts.epochs ?? 14
  const sim = new Simulator({
    seed: opts.seed ?? 7,
    hosters: 1,
    agreements: identities,
    publishers: identities,
    epochs,
    indexers: 3,
    coreBlocks: 64,
    blockBytes: 65_536,
    params: { welcomeCreditMicro: 10_000_000n, unvettedEpochs: 0, epochSeconds: 3600 * 2048 }
  })
  await sim.run()
  const read = (label: string): Account | null => sim.accountOf(label)
  const h = read(hosterLabel(0))
  if (h === null) throw new Error('no launderer account')
  let locked = 0n
  for (const [drawer, v] of Object.entries(h.lockedFrom)) {
    const acct = Array.from({ length: identities }, (_, i) => read(publisherLabel(i))).find((a) => a?.id === drawer) ?? null
    const o = acct === null ? 0n : owes(acct)
    locked += v < o ? v : o
  }
  let owed = 0n
  for (let i = 0; i < identities; i++) {
    const a = read(publisherLabel(i))
    if (a !== null) owed += owes(a)
  }
  const free = h.balance - locked
  return { identities, epochs, hosterHolds: h.balance + h.heldBack, hosterTransferable: free > 0n ? free : 0n, identitiesOwe: owed }
}

const pct = (x: number): string => `${(x * 100).toFixed(1)} %`
const fav = (m: bigint): string => (Number(m) / 1e6).toFixed(2)

/**
 * The realistic scenario (docs/sybil.md §4): an honest network (20 hosters, 40 cores at genesis, 10 new cores
 * every epoch) runs 7 epochs, so its hosters are vetted; the operator joins in epoch 8; 30 epochs in all.
 */
export const JOIN_SCENARIO = { joinEpoch: 8, arrivals: 10, epochs: 30 } as const

export interface TableOptions {
  shares?: number[]
  identities?: number[]
  vouching?: ('lineage' | 'admin')[]
  seed?: number
  /** Called after each run with its row and wall time (progress). */
  onRow?: (row: SybilRow, ms: number) => void
}

async function timed(opts: SybilRunOptions, onRow?: (row: SybilRow, ms: number) => void): Promise<SybilRow> {
  const t = performance.now()
  const r = await runSybil(opts)
  onRow?.(r, performance.now() - t)
  return r
}

/** The genesis table of docs/sybil.md: the operator is there from genesis, with the honest hosters (12 epochs). */
export async function sybilTable(opts: TableOptions = {}): Promise<string[]> {
  const lines = [
    '| vouching | k | x (real capacity) | proven share | replica share | cores all Sybil (end) | cores ever all Sybil | ever its sole holder | favor share | its agreements failed | attestations with a Sybil majority |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |'
  ]
  for (const vouching of opts.vouching ?? ['lineage', 'admin']) {
    for (const k of opts.identities ?? [3, 10]) {
      for (const x of opts.shares ?? [0.05, 0.1, 0.2, 0.33]) {
        const r = await timed({ identities: k, realShare: x, vouching, ...(opts.seed !== undefined ? { seed: opts.seed } : {}) }, opts.onRow)
        lines.push(`| ${vouching} | ${k} | ${pct(x)} | ${pct(r.provenShare)} | ${pct(r.replicaShare)} | ${r.coresAllSybil} of ${r.cores} | ${r.coresEverAllSybil} of ${r.coresExposed} | ${r.coresEverSoleSybil} | ${pct(r.favorShare)} | ${r.failedOnSybil} | ${r.attestMajoritySybil} of ${r.attestedOnSybil} |`)
      }
    }
  }
  const l = await runLaundering()
  lines.push('', `Laundering: ${l.identities} fresh identities, ${l.epochs} epochs, one hoster: it holds ${fav(l.hosterHolds)} favor, may transfer ${fav(l.hosterTransferable)}; the identities still owe ${fav(l.identitiesOwe)}.`)
  return lines
}

/** The realistic table of docs/sybil.md: the operator joins a running, vetted network (JOIN_SCENARIO). */
export async function sybilJoinTable(opts: TableOptions = {}): Promise<string[]> {
  const lines = [
    '| vouching | k | x (real capacity) | proven share | replica share | share of replicas placed since it joined | cores matched since it joined | … since 2 of its identities were vetted (epoch) | cores ever all Sybil | ever its sole holder | ever ≥ 2 of its replicas | favor share | its agreements failed | attestations with a Sybil majority |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |'
  ]
  for (const vouching of opts.vouching ?? ['lineage', 'admin']) {
    for (const k of opts.identities ?? [3, 10]) {
      for (const x of opts.shares ?? [0.01, 0.05, 0.33]) {
        const r = await timed({ identities: k, realShare: x, vouching, ...JOIN_SCENARIO, ...(opts.seed !== undefined ? { seed: opts.seed } : {}) }, opts.onRow)
        const vetted = r.vettedEpoch === 0 ? 'never' : `${r.coresExposedVetted} (${r.vettedEpoch})`
        lines.push(`| ${vouching} | ${k} | ${pct(x)} | ${pct(r.provenShare)} | ${pct(r.replicaShare)} | ${pct(r.replicaShareSinceJoin)} | ${r.coresExposed} | ${vetted} | ${r.coresEverAllSybil} | ${r.coresEverSoleSybil} | ${r.coresEverTwoSybil} | ${pct(r.favorShare)} | ${r.failedOnSybil} | ${r.attestMajoritySybil} of ${r.attestedOnSybil} |`)
      }
    }
  }
  return lines
}

export interface CaptureCount {
  scenario: 'genesis' | 'join'
  vouching: 'lineage' | 'admin'
  identities: number
  realShare: number
  runs: number
  /** Σ over the runs: cores matched while it was a member, of those after 2 of its identities were vetted, cores it ever held every replica of, ever the sole holder of, ever two replicas or more of. */
  exposed: number
  exposedVetted: number
  allSybil: number
  soleSybil: number
  twoSybil: number
  /** Mean over the runs of its share of the replicas placed since it joined. */
  meanShareSinceJoin: number
}

/** All-replica capture counted over seeds 1..runs (the probability claim of issue 11). */
export async function captureCount(o: { scenario: 'genesis' | 'join'; vouching: 'lineage' | 'admin'; identities: number; realShare: number; runs: number; onRow?: (row: SybilRow, ms: number) => void }): Promise<CaptureCount> {
  const c: CaptureCount = { scenario: o.scenario, vouching: o.vouching, identities: o.identities, realShare: o.realShare, runs: o.runs, exposed: 0, exposedVetted: 0, allSybil: 0, soleSybil: 0, twoSybil: 0, meanShareSinceJoin: 0 }
  for (let seed = 1; seed <= o.runs; seed++) {
    const r = await timed({ identities: o.identities, realShare: o.realShare, vouching: o.vouching, seed, ...(o.scenario === 'join' ? JOIN_SCENARIO : {}) }, o.onRow)
    c.exposed += r.coresExposed
    c.exposedVetted += r.coresExposedVetted
    c.allSybil += r.coresEverAllSybil
    c.soleSybil += r.coresEverSoleSybil
    c.twoSybil += r.coresEverTwoSybil
    c.meanShareSinceJoin += r.replicaShareSinceJoin / o.runs
  }
  return c
}

/** The markdown table of capture counts. */
export function captureTable(rows: readonly CaptureCount[]): string[] {
  const lines = [
    '| scenario | vouching | k | x | runs (seeds) | cores matched while a member | … after 2 of its identities were vetted | cores ever all Sybil | ever its sole holder | ever ≥ 2 of its replicas | mean share of replicas placed since it joined |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |'
  ]
  for (const c of rows) {
    lines.push(`| ${c.scenario} | ${c.vouching} | ${c.identities} | ${pct(c.realShare)} | ${c.runs} (1–${c.runs}) | ${c.exposed} | ${c.exposedVetted} | ${c.allSybil} of ${c.exposed} | ${c.soleSybil} | ${c.twoSybil} | ${pct(c.meanShareSinceJoin)} |`)
  }
  return lines
}
