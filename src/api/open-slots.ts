// Why a hosting request's open slots are still open, in words, for a pin's `info.status_details`
// (the dashboard's "my pins" panel and `favor status` show it). Read-only: it asks the same questions
// as the contract's matching (src/ledger/epoch.ts `match`, `eligibleHoster`) against the current
// ledger state, so it explains the next epoch's matching without running it.
import {
  available, epochCost, eligibleHoster, getAccount, getAgreement, getParams, groupOf, listOffers, reputationPpm
} from '../ledger/index.js'
import type { HostingRequest, LedgerKV, SlotConstraints } from '../ledger/index.js'

/** The reason the open slots of `req` are not filled yet; null when none is open. */
export async function explainOpenSlots(kv: LedgerKV, req: HostingRequest): Promise<string | null> {
  let open = 0
  let firstOpenCore = -1
  req.slots.forEach((row, c) => {
    for (const id of row) {
      if (id !== 0) continue
      open++
      if (firstOpenCore < 0) firstOpenCore = c
    }
  })
  if (open === 0) return null
  const slots = `${open} slot${open === 1 ? '' : 's'} open`
  const params = await getParams(kv)
  const core = req.cores[firstOpenCore]
  if (params === null || core === undefined) return `${slots}: waiting for the next epoch's matching`

  const publisher = await getAccount(kv, req.publisher)
  const cost = epochCost(core.byteLength, params.epochSeconds, params.priceMicroPerGiBHour)
  if (publisher !== null && available(publisher) < cost) {
    return `${slots}: the publisher cannot pay one epoch of a replica (${cost} micro-favor needed, ${available(publisher)} available)`
  }

  const constraints = await slotConstraints(kv, req, firstOpenCore, params.unvettedEpochs)
  const why = { publisher: 0, holds: 0, space: 0, group: 0, unvetted: 0, reputation: 0, withdrawn: 0 }
  let eligible = 0
  const offers = await listOffers(kv)
  for (const o of offers) {
    const a = await getAccount(kv, o.hoster)
    if (a === null) continue
    if (o.withdrawn) { why.withdrawn++; continue }
    const cand = {
      hoster: o.hoster, group: o.group, freeBytes: Math.max(0, o.capacityBytes - o.usedBytes),
      reputationPpm: reputationPpm(a), vetted: a.passedEpochs >= params.unvettedEpochs
    }
    if (eligibleHoster(cand, constraints)) { eligible++; continue }
    // The first rule that rules it out, in eligibleHoster's order.
    if (cand.hoster === constraints.publisher) why.publisher++
    else if (constraints.excluded.has(cand.hoster)) why.holds++
    else if (cand.freeBytes < constraints.byteLength) why.space++
    else if (constraints.usedGroups.has(groupOf(cand.hoster, cand.group))) why.group++
    else if (!cand.vetted && constraints.hasUnvetted) why.unvetted++
    else why.reputation++
  }
  if (eligible > 0) return `${slots}: ${eligible} eligible hoster${eligible === 1 ? '' : 's'}; the next epoch's matching fills it`
  const parts = [
    why.publisher > 0 ? `${why.publisher} is the publisher` : '',
    why.holds > 0 ? `${why.holds} already hold${why.holds === 1 ? 's' : ''} a replica or failed this request` : '',
    why.space > 0 ? `${why.space} without ${core.byteLength} B free` : '',
    why.group > 0 ? `${why.group} in a group that holds a replica` : '',
    why.unvetted > 0 ? `${why.unvetted} not vetted yet (one unvetted hoster per core)` : '',
    why.reputation > 0 ? `${why.reputation} with no reputation` : '',
    why.withdrawn > 0 ? `${why.withdrawn} withdrawn` : ''
  ].filter((s) => s !== '')
  const total = offers.length
  return `${slots}: no eligible hoster — ${total === 0 ? 'no node offers storage' : `${total} offer${total === 1 ? '' : 's'}: ${parts.join(', ')}`}; matched again each epoch`
}

/** The slot's constraints as the contract computes them (src/ledger/epoch.ts slotConstraints). */
async function slotConstraints(kv: LedgerKV, req: HostingRequest, c: number, unvettedEpochs: number): Promise<SlotConstraints> {
  const excluded = new Set<string>(req.failedHosters)
  const usedGroups = new Set<string>()
  let hasUnvetted = false
  const offers = new Map((await listOffers(kv)).map((o) => [o.hoster, o]))
  for (const id of req.agreements) {
    const a = await getAgreement(kv, id)
    if (a === null || a.coreIndex !== c || a.state === 'ended') continue
    excluded.add(a.hoster)
    usedGroups.add(groupOf(a.hoster, offers.get(a.hoster)?.group ?? ''))
    const h = await getAccount(kv, a.hoster)
    if (h !== null && h.passedEpochs < unvettedEpochs) hasUnvetted = true
  }
  return { publisher: req.publisher, byteLength: req.cores[c]?.byteLength ?? 0, usedGroups, excluded, hasUnvetted }
}
