// Named scenarios and config defaults. A scenario assigns behaviours to a few hosters, chosen from the
// seed; explicit `behaviours` in the config override it.
import { defaultParams, Prng } from '../ledger/index.js'
import type { Behaviour, ResolvedConfig, ScenarioName, SimConfig } from './types.js'

export const hosterLabel = (i: number): string => `hoster-${i}`
export const publisherLabel = (i: number): string => `publisher-${i}`
export const indexerLabel = (i: number): string => `indexer-${i}`
export const sybilLabel = (i: number): string => `sybil-${i}`

/** Hosters affected by a scenario: 5 % (at least 1, at most hosters − 1). */
function pickHosters(seed: number, hosters: number, n: number): number[] {
  const want = Math.max(0, Math.min(n, hosters - 1))
  return Prng.from('favor/sim/scenario/1', seed).sampleDistinct(hosters, want)
}

export function scenarioBehaviours(name: ScenarioName, seed: number, hosters: number, epochs: number): Record<string, Behaviour> {
  const out: Record<string, Behaviour> = {}
  const from = Math.min(3, Math.max(1, epochs - 3))
  const share = Math.max(1, Math.round(hosters * 0.05))
  const assign = (idx: number[], b: (j: number) => Behaviour): void => {
    idx.forEach((h, j) => {
      out[hosterLabel(h)] = b(j)
    })
  }
  switch (name) {
    case 'honest':
      break
    case 'lossy':
      assign(pickHosters(seed, hosters, share), () => ({ kind: 'lossy', fraction: 0.1, from }))
      break
    case 'offline':
      assign(pickHosters(seed, hosters, share), () => ({ kind: 'offline', from, to: epochs + 1 }))
      break
    case 'slow':
      assign(pickHosters(seed, hosters, share), () => ({ kind: 'slow', from, to: epochs + 1 }))
      break
    case 'withdraw':
      assign(pickHosters(seed, hosters, share), () => ({ kind: 'withdraws', at: from }))
      break
    case 'lying':
      assign(pickHosters(seed, hosters, share * 2), (j) => (j % 2 === 0 ? { kind: 'lyingAttestor', mode: 'fail' } : { kind: 'lyingAttestor', mode: 'pass' }))
      break
    case 'liar':
      // attestors that report `missing` over a receipt they forged, or `slow` for everything
      assign(pickHosters(seed, hosters, share * 2), (j) => ({ kind: 'lyingAttestor', mode: j % 2 === 0 ? 'fail' : 'slow' }))
      break
    case 'lazy':
      // attestors that report `pass` without running the challenge (no receipt)
      assign(pickHosters(seed, hosters, share), () => ({ kind: 'lyingAttestor', mode: 'pass' }))
      break
    case 'relay':
      // hosters that keep nothing and relay from a holder ~900 ms away, against a 1,000 ms deadline
      assign(pickHosters(seed, hosters, share), () => ({ kind: 'relay', delayMs: 900, jitterMs: 150, deadlineMs: 1000 }))
      break
    case 'silent-indexer':
      out[indexerLabel(1)] = { kind: 'offline', from, to: epochs + 1 }
      break
    case 'mixed': {
      const kinds: ((j: number) => Behaviour)[] = [
        () => ({ kind: 'lossy', fraction: 0.1, from }),
        () => ({ kind: 'offline', from, to: epochs + 1 }),
        () => ({ kind: 'slow', from, to: epochs + 1 }),
        () => ({ kind: 'withdraws', at: from }),
        () => ({ kind: 'lyingAttestor', mode: 'fail' }),
        () => ({ kind: 'lyingAttestor', mode: 'pass' })
      ]
      const idx = pickHosters(seed, hosters, Math.max(kinds.length, share * kinds.length))
      assign(idx, (j) => (kinds[j % kinds.length] as (j: number) => Behaviour)(j))
      break
    }
  }
  return out
}

/** Fill in defaults. The welcome credit is raised so publishers can pay for the whole run. */
export function resolveConfig(c: SimConfig): ResolvedConfig {
  if (!Number.isSafeInteger(c.seed) || c.seed < 0) throw new RangeError('seed must be a non-negative integer')
  if (c.hosters < 1 || c.agreements < 0 || c.epochs < 1) throw new RangeError('need ≥ 1 hoster and ≥ 1 epoch')
  const replicas = c.replicas ?? 1
  const publishers = c.publishers ?? Math.max(1, Math.ceil(c.agreements / 20))
  // default: each publisher sends its cores in as few request ops as the codec allows (≤ 64 cores each)
  const coresPerRequest = Math.max(1, Math.min(64, c.coresPerRequest ?? Math.ceil(Math.ceil(c.agreements / replicas) / publishers)))
  const coreBlocks = c.coreBlocks ?? 1000
  const blockBytes = c.blockBytes ?? 65_536
  const indexers = Math.max(1, c.indexers ?? 3)
  // the contract keeps an odd indexer set: an even count asks for one more (the first hoster is promoted)
  const base = defaultParams({ admissionsPerEpoch: 1_000_000, indexerTarget: indexers % 2 === 1 ? indexers : indexers + 1, ...c.params })
  // Each publisher may pay for all its cores every epoch of the run, with room to spare.
  const arrivals = Math.max(0, Math.floor(c.arrivalCoresPerEpoch ?? 0))
  const cores = Math.ceil(c.agreements / replicas) + arrivals * c.epochs
  const perPublisherAgreements = Math.ceil(cores / publishers) * replicas
  const costPerEpoch = (BigInt(coreBlocks * blockBytes) * BigInt(base.epochSeconds) * base.priceMicroPerGiBHour) / ((1n << 30n) * 3600n)
  const credit = costPerEpoch * BigInt(perPublisherAgreements) * BigInt(c.epochs + 10) * 2n
  const params = c.params?.welcomeCreditMicro !== undefined ? base : { ...base, welcomeCreditMicro: credit > base.welcomeCreditMicro ? credit : base.welcomeCreditMicro }
  const scenario = c.scenario ?? null
  const behaviours = { ...(scenario === null ? {} : scenarioBehaviours(scenario, c.seed, c.hosters, c.epochs)), ...c.behaviours }
  const track = c.track ?? [...Object.keys(behaviours).filter((k) => behaviours[k]?.kind !== 'honest'), hosterLabel(0), publisherLabel(0), indexerLabel(0)]
  return {
    seed: c.seed,
    hosters: c.hosters,
    agreements: c.agreements,
    epochs: c.epochs,
    publishers,
    indexers,
    replicas,
    coresPerRequest,
    coreBlocks,
    blockBytes,
    hosterGroups: c.hosterGroups ?? 0,
    scenario,
    mirrorEpochs: c.mirrorEpochs ?? 0,
    arrivalCoresPerEpoch: arrivals,
    sybil: c.sybil ?? null,
    checkInvariants: c.checkInvariants ?? indexers + c.hosters + publishers + (c.sybil?.identities ?? 0) <= 100,
    params,
    behaviours,
    track: [...new Set(track)].sort()
  }
}
