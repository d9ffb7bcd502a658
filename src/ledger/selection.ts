// Hoster selection for request slots, attestor selection per agreement per epoch, and the challenge
// indices — all derived from the beacon through the BLAKE2b PRNG, so anyone can recompute them.
import { Prng } from '../proof/prng.js'
import { GROWTH_ALLOWANCE_BYTES, PROVEN_GROWTH_FACTOR } from './constants.js'
import type { Hex } from './state.js'

export interface HosterCandidate {
  hoster: Hex
  /** Group used for the one-replica-per-group rule ('' = the hoster is its own group). */
  group: string
  /** Declared free bytes (capacity − used): a slot needs a core's bytes of it. */
  freeBytes: number
  /**
   * Free bytes within what the hoster has proven (provenFreeBytes): caps its selection weight; 0 = it
   * holds all it may hold until it proves more.
   */
  provenFreeBytes: number
  reputationPpm: number
  vetted: boolean
  /** The hoster's sponsor lineage (state.ts lineageOf). */
  lineage: Hex
}

/** The group a hoster counts as: its declared group, or its own key when it declared none. */
export function groupOf(hoster: Hex, group: string): string {
  return group === '' ? `self:${hoster}` : `group:${group}`
}

/** Selection weight: reputation (ppm) × free bytes (capped by proven capacity: provenFreeBytes), as a bigint. */
export function hosterWeight(c: Pick<HosterCandidate, 'freeBytes' | 'provenFreeBytes' | 'reputationPpm'>): bigint {
  const bytes = Math.min(c.freeBytes, c.provenFreeBytes)
  return bytes > 0 ? BigInt(c.reputationPpm) * BigInt(bytes) : 0n
}

export interface SlotConstraints {
  publisher: Hex
  byteLength: number
  /** Groups (via groupOf) that already hold a replica of this core. */
  usedGroups: ReadonlySet<string>
  /** Hosters that already hold (or are mirroring) this core, or failed this request. */
  excluded: ReadonlySet<Hex>
  /** An unvetted hoster already holds a replica of this core. */
  hasUnvetted: boolean
  /** Bootstrap: too few vetted hosters in the network, the one-unvetted-replica rule does not apply. */
  relaxUnvetted: boolean
  /** The publisher's lineage and the lineages already holding a replica of this core: never again. */
  publisherLineage: Hex
  usedLineages: ReadonlySet<Hex>
}

/** Why a candidate cannot take a slot ('' = eligible): what `explainRequest` counts for the publisher. */
export type Ineligible = '' | 'publisher' | 'holds-or-failed' | 'capacity' | 'proven-capacity' | 'group' | 'lineage' | 'unvetted' | 'reputation'

export function whyIneligible(c: HosterCandidate, s: SlotConstraints): Ineligible {
  if (c.hoster === s.publisher) return 'publisher'
  if (s.excluded.has(c.hoster)) return 'holds-or-failed'
  if (c.lineage === s.publisherLineage || s.usedLineages.has(c.lineage)) return 'lineage'
  if (s.usedGroups.has(groupOf(c.hoster, c.group))) return 'group'
  if (c.freeBytes < s.byteLength) return 'capacity'
  if (c.provenFreeBytes <= 0) return 'proven-capacity'
  if (!c.vetted && s.hasUnvetted && !s.relaxUnvetted) return 'unvetted'
  return c.reputationPpm > 0 ? '' : 'reputation'
}

/** Whether a candidate may take the slot: never the publisher, never a second replica in a group, etc. */
export function eligibleHoster(c: HosterCandidate, s: SlotConstraints): boolean {
  return whyIneligible(c, s) === ''
}

/**
 * The free bytes that weigh in selection: its declared free space, capped by what it has proven —
 * max(PROVEN_GROWTH_FACTOR × provenBytes, allowance) minus what it already holds. The allowance is its share
 * of its lineage's GROWTH_ALLOWANCE_BYTES (epoch.ts hosterCandidates).
 */
export function provenFreeBytes(capacityBytes: number, usedBytes: number, provenBytes: number, allowanceBytes = GROWTH_ALLOWANCE_BYTES): number {
  const cap = Math.min(capacityBytes, Math.max(PROVEN_GROWTH_FACTOR * provenBytes, allowanceBytes))
  return Math.max(0, cap - usedBytes)
}

/**
 * Pick a hoster for one slot, weighted by reputation × free capacity among eligible candidates.
 * Returns the index into `candidates`, or -1. Linear in the candidates.
 */
export function selectHoster(prng: Prng, candidates: readonly HosterCandidate[], s: SlotConstraints): number {
  const idx: number[] = []
  const weights: bigint[] = []
  candidates.forEach((c, i) => {
    if (!eligibleHoster(c, s)) return
    idx.push(i)
    weights.push(hosterWeight(c))
  })
  const j = prng.weighted(weights)
  return j < 0 ? -1 : (idx[j] as number)
}

/**
 * k distinct attestors from `candidates` (sorted, deterministic order), skipping excluded ones.
 * Fewer if fewer are eligible. Expected O(k) when most candidates are eligible: rejection first, then a
 * filtered draw as fallback.
 */
export function selectAttestors(prng: Prng, candidates: readonly Hex[], isExcluded: (h: Hex) => boolean, k: number): Hex[] {
  const out: Hex[] = []
  const seen = new Set<number>()
  const n = candidates.length
  if (n === 0 || k <= 0) return out
  const maxTries = 8 * k + 16
  for (let t = 0; t < maxTries && out.length < k; t++) {
    const i = prng.uniform(n)
    if (seen.has(i)) continue
    seen.add(i)
    const h = candidates[i] as Hex
    if (!isExcluded(h)) out.push(h)
  }
  if (out.length === k) return out
  // fallback: draw the rest from what is left and eligible
  const rest: Hex[] = []
  candidates.forEach((h, i) => {
    if (!seen.has(i) && !isExcluded(h)) rest.push(h)
  })
  const want = Math.min(k - out.length, rest.length)
  for (const j of prng.sampleDistinct(rest.length, want)) out.push(rest[j] as Hex)
  return out
}

/** The PRNG for the attestors of one agreement in one epoch. */
export function attestorPrng(beacon: Uint8Array, agreementId: number): Prng {
  return Prng.from('favor/attestors/1', beacon, agreementId)
}

/** The PRNG for matching requests in one epoch. */
export function matchPrng(beacon: Uint8Array): Prng {
  return Prng.from('favor/match/1', beacon)
}

/**
 * The PRNG of one matching round (rounds.ts): the epoch's beacon, the chain link the round revealed and
 * the indexer that revealed it.
 */
export function roundPrng(beacon: Uint8Array, link: Uint8Array, indexer: Uint8Array): Prng {
  return Prng.from('favor/match-round/1', beacon, link, indexer)
}

/**
 * The block indices an attestor challenges: PRNG(beacon_e ‖ agreementId ‖ attestorKey) over the
 * agreement's recorded length. Distinct indices in draw order; all indices when length ≤ samples.
 * The challenge protocol uses this same function.
 */
export function challengeIndices(beacon: Uint8Array, agreementId: number, attestorKey: Uint8Array, length: number, samples: number): number[] {
  if (length <= 0 || samples <= 0) return []
  if (length <= samples) return Array.from({ length }, (_, i) => i)
  const prng = Prng.from('favor/challenge/1', beacon, agreementId, attestorKey)
  return prng.sampleDistinct(length, samples)
}

/**
 * Hoster candidates of one matching round with cumulative weights computed once. `pick` draws by the
 * round's starting weights and re-checks eligibility against the candidates' current values (the caller
 * lowers freeBytes as it assigns slots); after `tries` misses it falls back to an exact linear draw.
 */
export class HosterPool {
  readonly candidates: HosterCandidate[]
  private readonly cumulative: bigint[] = []
  private readonly total: bigint

  constructor(candidates: HosterCandidate[]) {
    this.candidates = candidates
    let acc = 0n
    for (const c of candidates) {
      acc += hosterWeight(c)
      this.cumulative.push(acc)
    }
    this.total = acc
  }

  pick(prng: Prng, s: SlotConstraints, tries = 16): number {
    if (this.total > 0n) {
      for (let t = 0; t < tries; t++) {
        const x = prng.uniformBig(this.total)
        let lo = 0
        let hi = this.cumulative.length - 1
        while (lo < hi) {
          const mid = (lo + hi) >>> 1
          if ((this.cumulative[mid] as bigint) > x) hi = mid
          else lo = mid + 1
        }
        const c = this.candidates[lo] as HosterCandidate
        if (eligibleHoster(c, s)) return lo
      }
    }
    return selectHoster(prng, this.candidates, s)
  }
}
