// Why a request's open slots are not filled, and what would fill them (issue: a small network must place its
// replicas or tell the publisher at once). Recomputes, over the current state, what the next matching round
// would see for each open slot: the same candidates and constraints as epoch.ts `matchRequests`. Read-only.
import { epochCost } from './accounting.js'
import { Ctx } from './context.js'
import { hosterCandidates, relaxUnvetted, slotConstraints } from './epoch.js'
import type { LedgerKV } from './kv.js'
import type { HosterCandidate, Ineligible, SlotConstraints } from './selection.js'
import { groupOf, whyIneligible } from './selection.js'
import type { HostingRequest } from './state.js'
import { available, keys } from './state.js'
import { Tx } from './tx.js'

export interface SlotExplanation {
  /** Open slots (no hoster, or an exiting one without a replacement). */
  openSlots: number
  /** Open slots no current hoster can take ('' reason when every open slot has a candidate). */
  blockedSlots: number
  /** Stable code of the first blocking reason: '' | 'CREDIT' | 'NO_HOSTERS' | 'NO_ELIGIBLE_HOSTER'. */
  code: string
  /** One sentence for the publisher: why, and what would fill the slot. */
  details: string
}

const WHY: Record<Exclude<Ineligible, ''>, string> = {
  publisher: 'the publisher itself',
  'holds-or-failed': 'already holds this core or failed this request',
  capacity: 'too little free capacity',
  'proven-capacity': 'holds all it may until it proves more (proven-capacity cap)',
  group: 'in the group of a replica',
  lineage: "of the publisher's or a replica's sponsor lineage",
  unvetted: 'unvetted, and an unvetted hoster already holds a replica',
  reputation: 'zero reputation'
}

const HINT: Record<Exclude<Ineligible, ''>, string> = {
  publisher: 'another member offering capacity',
  'holds-or-failed': 'another member offering capacity',
  capacity: 'a hoster offering more free capacity (favor offer)',
  'proven-capacity': 'time: hosters prove capacity by passing challenges, or another hoster',
  group: 'a hoster in another group',
  lineage: 'a hoster vouched for by someone outside these lineages (an invite from the admin starts a lineage)',
  unvetted: 'a vetted hoster, or time for the hoster to be vetted',
  reputation: 'another hoster'
}

/** Explain the open slots of request `id` (null if unknown or ended). */
export async function explainRequest(kv: LedgerKV, id: number): Promise<SlotExplanation | null> {
  const tx = new Tx(kv)
  const ctx = new Ctx(tx, '')
  const meta = await ctx.loadMeta()
  const req = await tx.get<HostingRequest>(keys.request(id))
  if (meta === null || req === null || (req.state !== 'queued' && req.state !== 'active')) return null
  const p = meta.params
  const candidates = await hosterCandidates(ctx)
  const relax = relaxUnvetted(candidates)
  const pub = await ctx.mustAccount(req.publisher)
  let openSlots = 0
  let blockedSlots = 0
  let first: SlotExplanation | null = null
  for (let c = 0; c < req.cores.length; c++) {
    const core = req.cores[c]
    const row = req.slots[c]
    if (core === undefined || row === undefined) continue
    // the slots of one core are filled one after the other: a candidate that could take one is assumed taken
    const taken: HosterCandidate[] = []
    for (const slot of row) {
      let exiting = null
      if (slot !== 0) {
        const a = await ctx.mustAgreement(slot)
        if (!(a.exiting && a.replacedBy === 0)) continue
        exiting = a
      }
      openSlots++
      const cost = epochCost(core.byteLength, p.epochSeconds, p.priceMicroPerGiBHour)
      if (available(pub) < cost) {
        blockedSlots++
        first ??= { openSlots: 0, blockedSlots: 0, code: 'CREDIT', details: `the publisher cannot pay one epoch of this core (${cost} µfavor; available ${available(pub)}): a sponsor line (favor sponsor) or earning by hosting would fill it` }
        continue
      }
      const base = await slotConstraints(ctx, req, c, exiting, relax)
      const s: SlotConstraints = {
        ...base,
        excluded: new Set([...base.excluded, ...taken.map((t) => t.hoster)]),
        usedGroups: new Set([...base.usedGroups, ...taken.map((t) => groupOf(t.hoster, t.group))]),
        usedLineages: new Set([...base.usedLineages, ...taken.map((t) => t.lineage)]),
        hasUnvetted: base.hasUnvetted || taken.some((t) => !t.vetted)
      }
      const counts = new Map<Exclude<Ineligible, ''>, number>()
      let pick: HosterCandidate | null = null
      for (const cand of candidates) {
        const why = whyIneligible(cand, s)
        if (why === '') pick ??= cand
        else counts.set(why, (counts.get(why) ?? 0) + 1)
      }
      if (pick !== null) {
        taken.push(pick)
        continue
      }
      blockedSlots++
      if (first !== null) continue
      if (candidates.length === 0 || [...counts.keys()].every((k) => k === 'publisher')) {
        first = { openSlots: 0, blockedSlots: 0, code: 'NO_HOSTERS', details: 'no other member offers capacity: a member running `favor offer` would fill it' }
        continue
      }
      const parts = [...counts.entries()].filter(([k]) => k !== 'publisher').map(([k, n]) => `${n} ${WHY[k]}`)
      const top = [...counts.entries()].filter(([k]) => k !== 'publisher').sort((a, b) => b[1] - a[1])[0]
      const hint = top === undefined ? 'another hoster' : HINT[top[0]]
      first = { openSlots: 0, blockedSlots: 0, code: 'NO_ELIGIBLE_HOSTER', details: `no eligible hoster for core ${c} (of ${candidates.length} offering: ${parts.join('; ')}); would fill it: ${hint}` }
    }
  }
  if (first === null) return { openSlots, blockedSlots, code: '', details: openSlots === 0 ? '' : `${openSlots} open slot(s): matched by the next matching round (seconds) or strong epoch start` }
  return { ...first, openSlots, blockedSlots, details: `${blockedSlots} of ${openSlots} open slot(s) cannot be filled now: ${first.details}` }
}
