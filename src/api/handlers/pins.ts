// Pins in the shape of the IPFS Pinning Service API, with a hypercore key (64 hex characters) in
// place of a CID. A pin is one ledger hosting request of this node; its name, meta, origins and
// creation time live in the node's pin store.
import { epochCost, explainRequest, getBalance, getEpoch, getParams, getRequest, listAgreements, listRequests, pinStatus } from '../../ledger/index.js'
import type { Agreement, HostingRequest, LedgerKV } from '../../ledger/index.js'
import { DEFAULT_PIN_LIMIT, DEFAULT_PIN_REPLICAS, MAX_CID_FILTER, MAX_META_ENTRIES, MAX_META_TEXT, MAX_PIN_LIMIT, MAX_PIN_NAME } from '../constants.js'
import { badRequest, conflict, fromServiceError, notFound } from '../errors.js'
import type { PinRecord, PinStore } from '../pin-store.js'
import type { RequestContext, Router } from '../router.js'
import type { FavorService } from '../service.js'
import {
  amount, checkQuery, hexKey, integer, isHexKey, isoDate, objectBody, optionalString, stringMap, wordList
} from '../validate.js'

export const PIN_STATUSES = ['queued', 'pinning', 'pinned', 'failed'] as const
export type PinState = (typeof PIN_STATUSES)[number]
const MATCHES = ['exact', 'iexact', 'partial', 'ipartial'] as const

export interface PinStatusBody {
  requestid: string
  status: PinState
  created: string
  pin: { cid: string, name?: string, origins: string[], meta: Record<string, string> }
  delegates: string[]
  /** The spec's StatusInfo: every value a string. */
  info: Record<string, string>
}

interface PinInput {
  cid: string
  name: string | null
  origins: string[]
  meta: Record<string, string>
  replicas: number
  until: number | undefined
  maxPrice: bigint | undefined
}

const PIN_FIELDS = ['cid', 'name', 'origins', 'meta', 'replicas', 'until', 'maxPrice']

function parsePin(body: unknown): PinInput {
  const o = objectBody(body, PIN_FIELDS)
  if (o.cid === undefined) throw badRequest("cid: required (the hypercore key as 64 hex characters)")
  const cid = hexKey(o.cid, 'cid')
  const name = optionalString(o.name, 'name', MAX_PIN_NAME) ?? null
  let origins: string[] = []
  if (o.origins !== undefined) {
    if (!Array.isArray(o.origins) || o.origins.length > 20 || o.origins.some((x) => typeof x !== 'string' || x.length > MAX_META_TEXT)) {
      throw badRequest('origins: expected an array of at most 20 strings')
    }
    origins = [...new Set(o.origins as string[])] // the spec's origins are unique
  }
  const meta = o.meta === undefined ? {} : stringMap(o.meta, 'meta', MAX_META_ENTRIES, MAX_META_TEXT)
  const replicas = o.replicas === undefined ? DEFAULT_PIN_REPLICAS : integer(o.replicas, 'replicas', 1, 16)
  const until = o.until === undefined ? undefined : integer(o.until, 'until', 0, Number.MAX_SAFE_INTEGER)
  const maxPrice = o.maxPrice === undefined ? undefined : amount(o.maxPrice, 'maxPrice')
  return { cid, name, origins, meta, replicas, until, maxPrice }
}

function parseRequestId(raw: string | undefined): number {
  if (raw === undefined || !/^[1-9]\d{0,14}$/.test(raw)) throw badRequest(`requestid: expected a positive decimal integer, got '${raw ?? ''}'`)
  return Number(raw)
}

async function epochTimeIso(kv: LedgerKV, epoch: number): Promise<string> {
  const e = await getEpoch(kv, epoch)
  return new Date(e !== null && e.time > 0 ? e.time : 0).toISOString()
}

function reasonOf(req: HostingRequest | null): string | null {
  if (req === null) return null
  if (req.state === 'cancelled') return 'cancelled: the hosting request was cancelled'
  if (req.state === 'expired') return `expired: the hosting request ended after epoch ${req.until}`
  return null
}

export class PinsApi {
  constructor(private readonly service: FavorService, private readonly store: PinStore) {}

  register(router: Router): void {
    router.get('/pins', (ctx) => this.list(ctx))
    router.post('/pins', (ctx) => this.create(ctx))
    router.get('/pins/:requestid', (ctx) => this.get(ctx))
    router.post('/pins/:requestid', (ctx) => this.replace(ctx))
    router.delete('/pins/:requestid', (ctx) => this.remove(ctx))
  }

  private get kv(): LedgerKV {
    return this.service.view()
  }

  /** The PinStatus of a request of this node; null when unknown, removed or not this node's. */
  async statusOf(requestId: number, includeRemoved = false): Promise<PinStatusBody | null> {
    const rec = this.store.get(requestId) ?? null
    if (rec !== null && rec.removed && !includeRemoved) return null
    const req = await getRequest(this.kv, requestId)
    if (req === null && rec === null) return null
    if (req !== null && req.publisher !== this.service.account) return null
    return this.build(req, rec, requestId)
  }

  private async build(req: HostingRequest | null, rec: PinRecord | null, requestId: number): Promise<PinStatusBody> {
    const kv = this.kv
    const status: PinState = req === null ? 'queued' : (await pinStatus(kv, requestId)) ?? 'queued'
    const agreements: Agreement[] = req === null ? [] : await listAgreements(kv, { requestId })
    const serving = agreements.filter((a) => a.state !== 'ended')
    const delegates: string[] = []
    for (const a of serving) {
      const d = `/favor/hoster/${a.hoster}`
      if (!delegates.includes(d)) delegates.push(d)
    }
    delegates.splice(20) // the spec allows at most 20
    if (delegates.length === 0) delegates.push(`/favor/network/${this.service.networkKey ?? 'none'}`)
    const filled = req === null ? 0 : req.slots.flat().filter((id) => id !== 0).length
    const slots = req === null ? (rec?.replicas ?? 0) : req.slots.flat().length
    const replicas = req?.replicas ?? rec?.replicas ?? null
    const active = serving.filter((a) => a.state === 'active').length
    // StatusInfo values are strings (Pinning Service API); `status_details` is the spec's example key.
    const info: Record<string, string> = {
      requestId: String(requestId),
      state: req?.state ?? 'submitted',
      slots: String(slots),
      slotsFilled: String(filled),
      activeReplicas: String(active),
      agreements: agreements.map((a) => `#${a.id} ${a.hoster} ${a.state}${a.endReason !== null ? ` (${a.endReason})` : ''}`).join('; ')
    }
    // The unit (a core, or a drive's metadata + blobs cores) and each core's state: its recorded size
    // and how many of its replicas are active.
    info.kind = req?.kind ?? rec?.meta.kind ?? 'core'
    if (req !== null) {
      info.cores = req.cores.map((c, i) => {
        const live = serving.filter((a) => a.coreKey === c.key)
        return `${c.key} ${c.length} blocks ${c.byteLength} bytes fork ${c.fork}: ${live.filter((a) => a.state === 'active').length}/${req.slots[i]?.length ?? 0} active`
      }).join('; ')
      info.bytes = String(req.cores.reduce((sum, c) => sum + c.byteLength, 0))
    }
    if (replicas !== null) info.replicas = String(replicas)
    if (req !== null) info.until = String(req.until)
    // Open slots say why they are open — the contract's own reason and what would fill it
    // (src/ledger/explain.ts, the same rules as matching); filled ones wait for their hosters.
    const why = status === 'failed' || req === null ? null : await explainRequest(kv, requestId)
    const open = why === null || why.details === '' ? null : why.details
    if (why !== null && why.code !== '') {
      info.unfilled = why.code
      info.blockedSlots = String(why.blockedSlots)
    }
    const mirroring = serving.filter((a) => a.state === 'pinning').length
    const paused = serving.filter((a) => a.state === 'paused').length
    if (status === 'failed') info.status_details = reasonOf(req) ?? 'failed'
    else if (status === 'queued') info.status_details = req === null ? 'waiting for the ledger to apply the request' : open ?? 'waiting for a matching round (seconds) or the next epoch to match hosters'
    else if (status === 'pinning') {
      info.status_details = [
        `${active} of ${slots} replicas active`,
        mirroring > 0 ? `${mirroring} waiting for ${mirroring === 1 ? 'its hoster' : 'their hosters'} to mirror the core and post ready` : '',
        paused > 0 ? `${paused} paused (the publisher's favor ran out: it resumes when it can pay an epoch)` : '',
        open ?? ''
      ].filter((x) => x !== '').join('; ')
    }
    const created = rec?.created ?? (req === null ? new Date().toISOString() : await epochTimeIso(kv, req.createdEpoch))
    const pin: PinStatusBody['pin'] = {
      cid: rec?.cid ?? req?.cores[0]?.key ?? '',
      origins: [...(rec?.origins ?? [])],
      meta: { ...(rec?.meta ?? {}) }
    }
    if (rec?.name !== null && rec?.name !== undefined) pin.name = rec.name
    return { requestid: String(requestId), status, created, pin, delegates, info }
  }

  private async list(ctx: RequestContext): Promise<{ status: number, body: unknown }> {
    const q = ctx.url.searchParams
    checkQuery(q, ['cid', 'name', 'match', 'status', 'before', 'after', 'limit', 'meta'])
    let cids: string[] | null = null
    const cidParam = q.get('cid')
    if (cidParam !== null) {
      cids = cidParam.split(',').map((s) => s.trim())
      if (cids.length === 0 || cids.length > MAX_CID_FILTER) throw badRequest(`cid: expected 1 to ${MAX_CID_FILTER} comma-separated hypercore keys`)
      for (const c of cids) if (!isHexKey(c)) throw badRequest(`cid: '${c}' is not a hypercore key (64 hex characters)`)
      cids = cids.map((c) => c.toLowerCase())
    }
    const name = q.get('name')
    if (name !== null && (name === '' || name.length > MAX_PIN_NAME)) throw badRequest(`name: expected 1 to ${MAX_PIN_NAME} characters`)
    const matchParam = q.get('match')
    const match = matchParam === null ? 'exact' : wordList(matchParam, 'match', MATCHES)[0] ?? 'exact'
    if (matchParam !== null && matchParam.includes(',')) throw badRequest('match: expected one of exact, iexact, partial, ipartial')
    // As the Pinning Service API says: without a status filter, only pinned pins are listed.
    const statusParam = q.get('status')
    const statuses: PinState[] = statusParam === null ? ['pinned'] : wordList(statusParam, 'status', PIN_STATUSES)
    const before = q.get('before') === null ? null : isoDate(q.get('before') as string, 'before')
    const after = q.get('after') === null ? null : isoDate(q.get('after') as string, 'after')
    const limit = q.get('limit') === null ? DEFAULT_PIN_LIMIT : integer(q.get('limit'), 'limit', 1, MAX_PIN_LIMIT)
    let meta: Record<string, string> | null = null
    const metaParam = q.get('meta')
    if (metaParam !== null) {
      let parsed: unknown
      try {
        parsed = JSON.parse(metaParam)
      } catch (err) {
        if (!(err instanceof SyntaxError)) throw err
        throw badRequest('meta: expected a JSON object of string values')
      }
      meta = stringMap(parsed, 'meta', MAX_META_ENTRIES, MAX_META_TEXT)
    }

    const ids = new Set<number>()
    for (const r of await listRequests(this.kv, { publisher: this.service.account })) ids.add(r.id)
    for (const rec of this.store.all()) ids.add(rec.requestId)
    const all: PinStatusBody[] = []
    for (const id of ids) {
      const s = await this.statusOf(id)
      if (s === null) continue
      if (cids !== null && !cids.includes(s.pin.cid)) continue
      if (!statuses.includes(s.status)) continue
      if (name !== null && !nameMatches(s.pin.name, name, match)) continue
      const created = Date.parse(s.created)
      if (before !== null && !(created < before.getTime())) continue
      if (after !== null && !(created > after.getTime())) continue
      if (meta !== null && !Object.entries(meta).every(([k, v]) => s.pin.meta[k] === v)) continue
      all.push(s)
    }
    all.sort((a, b) => Date.parse(b.created) - Date.parse(a.created) || Number(b.requestid) - Number(a.requestid))
    return { status: 200, body: { count: all.length, results: all.slice(0, limit) } }
  }

  /** 409 before anything is appended when this node cannot pay one epoch of the core's replicas. */
  private async checkFunds(input: PinInput): Promise<void> {
    const kv = this.kv
    const bal = await getBalance(kv, this.service.account)
    if (bal === null) return // not admitted yet: the node says so
    const params = await getParams(kv)
    if (params === null || this.service.coreInfo === undefined) {
      if (bal.available <= 0n) throw conflict(`not enough favor: ${bal.available} micro-favor available`, 'INSUFFICIENT_FUNDS')
      return
    }
    let info: { byteLength: number } | null
    try {
      info = await this.service.coreInfo(input.cid)
    } catch (err) {
      throw fromServiceError(err)
    }
    if (info === null) return
    const need = epochCost(info.byteLength, params.epochSeconds, params.priceMicroPerGiBHour) * BigInt(input.replicas)
    if (bal.available < need) {
      throw conflict(`not enough favor: one epoch of ${input.replicas} replica(s) of this core costs ${need} micro-favor, ${bal.available} available`, 'INSUFFICIENT_FUNDS')
    }
  }

  private async publish(input: PinInput): Promise<number> {
    await this.checkFunds(input)
    let requestId: number
    try {
      const opts: { replicas: number, until?: number, maxPrice?: bigint } = { replicas: input.replicas }
      if (input.until !== undefined) opts.until = input.until
      if (input.maxPrice !== undefined) opts.maxPrice = input.maxPrice
      requestId = (await this.service.publish(input.cid, opts)).requestId
    } catch (err) {
      throw fromServiceError(err)
    }
    await this.store.put({
      requestId,
      cid: input.cid,
      name: input.name,
      origins: input.origins,
      meta: input.meta,
      created: new Date().toISOString(),
      replicas: input.replicas,
      removed: false,
      replacedBy: null
    })
    return requestId
  }

  private async create(ctx: RequestContext): Promise<{ status: number, body: unknown }> {
    const input = parsePin(await ctx.body())
    const id = await this.publish(input)
    return { status: 202, body: await this.mustStatus(id) }
  }

  private async mustStatus(id: number): Promise<PinStatusBody> {
    const s = await this.statusOf(id, true)
    if (s === null) throw notFound(`no pin with requestid ${id}`)
    return s
  }

  private async get(ctx: RequestContext): Promise<{ status: number, body: unknown }> {
    const id = parseRequestId(ctx.params.requestid)
    const s = await this.statusOf(id)
    if (s === null) throw notFound(`no pin with requestid ${id}`)
    return { status: 200, body: s }
  }

  private async cancelOnLedger(id: number): Promise<void> {
    const req = await getRequest(this.kv, id)
    if (req === null || req.state === 'cancelled' || req.state === 'expired') return
    try {
      await this.service.cancel(id)
    } catch (err) {
      throw fromServiceError(err)
    }
  }

  private async replace(ctx: RequestContext): Promise<{ status: number, body: unknown }> {
    const id = parseRequestId(ctx.params.requestid)
    const old = await this.statusOf(id)
    if (old === null) throw notFound(`no pin with requestid ${id}`)
    const input = parsePin(await ctx.body())
    // The new request first: when it is refused (e.g. 409, not enough favor) the old pin stays.
    const next = await this.publish(input)
    await this.cancelOnLedger(id)
    await this.ensureRecord(id, old)
    await this.store.update(id, { removed: true, replacedBy: next })
    return { status: 202, body: await this.mustStatus(next) }
  }

  private async remove(ctx: RequestContext): Promise<{ status: number, body: unknown }> {
    const id = parseRequestId(ctx.params.requestid)
    const old = await this.statusOf(id)
    if (old === null) throw notFound(`no pin with requestid ${id}`)
    await this.cancelOnLedger(id)
    await this.ensureRecord(id, old)
    await this.store.update(id, { removed: true })
    return { status: 202, body: undefined } // the spec: 202 with no body
  }

  /** Requests published outside the API get a record so that removal can be remembered. */
  private async ensureRecord(id: number, s: PinStatusBody): Promise<void> {
    if (this.store.get(id) !== undefined) return
    await this.store.put({
      requestId: id, cid: s.pin.cid, name: s.pin.name ?? null, origins: s.pin.origins, meta: s.pin.meta,
      created: s.created, replicas: Number(s.info.replicas ?? '1') || 1, removed: false, replacedBy: null
    })
  }
}

function nameMatches(actual: string | undefined, wanted: string, match: (typeof MATCHES)[number]): boolean {
  if (actual === undefined) return false
  switch (match) {
    case 'exact': return actual === wanted
    case 'iexact': return actual.toLowerCase() === wanted.toLowerCase()
    case 'partial': return actual.includes(wanted)
    case 'ipartial': return actual.toLowerCase().includes(wanted.toLowerCase())
  }
}

