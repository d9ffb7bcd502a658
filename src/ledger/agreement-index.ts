// Per-hoster and per-publisher indexes (contract version 2; issue 15 item 4). A hoster's live agreements
// are the keys `hagr/<hoster>/<agreement:12>`, a publisher's `pagr/<publisher>/<agreement:12>` and its open
// requests `preq/<publisher>/<request:12>`: a node reads its own by one range instead of every agreement or
// request ever made (history). An entry is written when the agreement (request) is created and deleted when
// it ends, so the indexes grow with what is live, never with history.
//
// A network created under version 2 keeps them from genesis; one upgraded from version 1 builds them in the
// first op applied under version 2 (`ensureIndexes`), not in the tick that starts fromEpoch: that tick runs
// the old rules, and a node whose code knows only version 1 applies it too before it stops, so its view
// must be the same as everyone's there. `meta/indexes` marks them built (queries fall back to a full scan
// without it). The same first op drops `meta/offers` (version 2 reads offers by a range) and turns
// `meta/live` into one `live/<id:12>` key per agreement.
import type { Ctx } from './context.js'
import type { LedgerKV } from './kv.js'
import { decodeRecord } from './record.js'
import type { Agreement, Hex, HostingRequest } from './state.js'
import { keys } from './state.js'

const pad = (n: number): string => String(n).padStart(12, '0')

export const indexKeys = {
  /** Present (value 1) once the indexes below are complete. */
  built: 'meta/indexes',
  hosterPrefix: (hoster: Hex): string => `hagr/${hoster}/`,
  publisherPrefix: (publisher: Hex): string => `pagr/${publisher}/`,
  requestPrefix: (publisher: Hex): string => `preq/${publisher}/`,
  hoster: (hoster: Hex, id: number): string => `hagr/${hoster}/${pad(id)}`,
  publisher: (publisher: Hex, id: number): string => `pagr/${publisher}/${pad(id)}`,
  request: (publisher: Hex, id: number): string => `preq/${publisher}/${pad(id)}`
}

/** A new (live) agreement: into its hoster's and its publisher's index (version 2 rules only). */
export function indexAgreement(ctx: Ctx, a: Pick<Agreement, 'id' | 'hoster' | 'publisher'>): void {
  if (ctx.version < 2) return
  ctx.tx.set(indexKeys.hoster(a.hoster, a.id), 1)
  ctx.tx.set(indexKeys.publisher(a.publisher, a.id), 1)
}

/** An agreement ended: out of both indexes. */
export function unindexAgreement(ctx: Ctx, a: Pick<Agreement, 'id' | 'hoster' | 'publisher'>): void {
  if (ctx.version < 2) return
  ctx.tx.delete(indexKeys.hoster(a.hoster, a.id))
  ctx.tx.delete(indexKeys.publisher(a.publisher, a.id))
}

/** A new (open) request: into its publisher's index. */
export function indexRequest(ctx: Ctx, r: Pick<HostingRequest, 'id' | 'publisher'>): void {
  if (ctx.version < 2) return
  ctx.tx.set(indexKeys.request(r.publisher, r.id), 1)
}

/** A request cancelled or expired: out of its publisher's index. */
export function unindexRequest(ctx: Ctx, r: Pick<HostingRequest, 'id' | 'publisher'>): void {
  if (ctx.version < 2) return
  ctx.tx.delete(indexKeys.request(r.publisher, r.id))
}

/**
 * Builds the indexes once (version 2 in force, `meta/indexes` absent): every live agreement and open
 * request, read through the live and open sets (O(live), once per network).
 */
export async function ensureIndexes(ctx: Ctx): Promise<void> {
  if ((await ctx.tx.get<number>(indexKeys.built)) !== null) return
  // the live list becomes one key per agreement (ctx.liveIds)
  for (const id of (await ctx.tx.get<number[]>(keys.live)) ?? []) {
    indexAgreement(ctx, await ctx.mustAgreement(id))
    ctx.tx.set(keys.liveEntry(id), 1)
  }
  ctx.tx.delete(keys.live)
  for (const id of (await ctx.open()).sorted()) {
    const r = await ctx.request(id)
    if (r !== null) indexRequest(ctx, r)
  }
  // version 2 reads the offers by a range (account-index.ts listOfferIds): the list record goes
  ctx.tx.delete(keys.offers)
  ctx.tx.set(indexKeys.built, 1)
}

// --- reads (nodes, the API) ---

async function ids(kv: LedgerKV, prefix: string): Promise<number[]> {
  const out: number[] = []
  for await (const [key] of kv.scan(prefix)) out.push(Number(key.slice(prefix.length)))
  return out
}

async function built(kv: LedgerKV): Promise<boolean> {
  return (await kv.get(indexKeys.built)) !== null
}

async function records<T>(kv: LedgerKV, keyOf: (id: number) => string, list: number[]): Promise<T[]> {
  const out: T[] = []
  for (const id of list) {
    const raw = await kv.get(keyOf(id))
    if (raw !== null) out.push(decodeRecord<T>(raw))
  }
  return out
}

/**
 * A hoster's live agreements, ascending: by its index on a version 2 ledger, else (version 1) by reading
 * every agreement. `null` from `indexed…` means: no index on this ledger.
 */
export async function indexedHosterAgreements(kv: LedgerKV, hoster: Hex): Promise<Agreement[] | null> {
  if (!(await built(kv))) return null
  return records<Agreement>(kv, keys.agreement, await ids(kv, indexKeys.hosterPrefix(hoster)))
}

/** A publisher's live agreements, ascending (null: no index on this ledger). */
export async function indexedPublisherAgreements(kv: LedgerKV, publisher: Hex): Promise<Agreement[] | null> {
  if (!(await built(kv))) return null
  return records<Agreement>(kv, keys.agreement, await ids(kv, indexKeys.publisherPrefix(publisher)))
}

/** A publisher's open (queued or active) requests, ascending (null: no index on this ledger). */
export async function indexedOpenRequests(kv: LedgerKV, publisher: Hex): Promise<HostingRequest[] | null> {
  if (!(await built(kv))) return null
  return records<HostingRequest>(kv, keys.request, await ids(kv, indexKeys.requestPrefix(publisher)))
}
