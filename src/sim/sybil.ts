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

/** One Sybil run: 20 honest hosters (unless overridden), 3 replicas per core. */
export async function runSybil(opts: { identities: number; realShare: number; vouching?: 'lineage' | 'admin'; seed?: number; epochs?: number; hosters?: number; cores?: number }): Promise<SybilRow> {
  const epochs = opts.epochs ?? 12
  const cfg: SimConfig = {
    seed: opts.seed ?? 1,
    hosters: opts.hosters ?? 20,
    agreements: (opts.cores ?? 40) * 3,
    replicas: 3,
    epochs,
    publishers: 4,
    indexers: 3,
    coreBlocks: 4096, // 256 MiB cores: the growth allowance (1 GiB) is four of them
    blockBytes: 65_536,
    params: { unvettedEpochs: 4, attestors: 3 },
    sybil: { identities: opts.identities, realShare: opts.realShare, vouching: opts.vouching ?? 'lineage' }
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

/** The markdown table of docs/sybil.md. */
export async function sybilTable(opts: { shares?: number[]; identities?: number[]; vouching?: ('lineage' | 'admin')[]; seed?: number } = {}): Promise<string[]> {
  const lines = [
    '| vouching | k | x (real capacity) | proven share | replica share | cores all Sybil | favor share | its agreements failed | attestations with a Sybil majority |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |'
  ]
  for (const vouching of opts.vouching ?? ['lineage', 'admin']) {
    for (const k of opts.identities ?? [3, 10]) {
      for (const x of opts.shares ?? [0.05, 0.1, 0.2, 0.33]) {
        const r = await runSybil({ identities: k, realShare: x, vouching, ...(opts.seed !== undefined ? { seed: opts.seed } : {}) })
        lines.push(`| ${vouching} | ${k} | ${pct(x)} | ${pct(r.provenShare)} | ${pct(r.replicaShare)} | ${r.coresAllSybil} of ${r.cores} | ${pct(r.favorShare)} | ${r.failedOnSybil} | ${r.attestMajoritySybil} of ${r.attestedOnSybil} |`)
      }
    }
  }
  const l = await runLaundering()
  lines.push('', `Laundering: ${l.identities} fresh identities, ${l.epochs} epochs, one hoster: it holds ${fav(l.hosterHolds)} favor, may transfer ${fav(l.hosterTransferable)}; the identities still owe ${fav(l.identitiesOwe)}.`)
  return lines
}
