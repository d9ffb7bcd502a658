// Read endpoints over the ledger: accounts, agreements, epochs, challenge reports.
import {
  currentEpoch, getAccount, getAgreement, getAttestation, getBalance, getEpoch, getOffer, getParams, listAccounts,
  listAgreements, listOffers
} from '../../ledger/index.js'
import type { Account, AgreementState, Attestation, LedgerKV, Offer } from '../../ledger/index.js'
import { notFound } from '../errors.js'
import type { NameBook } from '../names.js'
import type { RequestContext, Router } from '../router.js'
import type { FavorService } from '../service.js'
import { boolean, checkQuery, hexKey, integer, wordList } from '../validate.js'

const AGREEMENT_STATES: readonly AgreementState[] = ['pinning', 'active', 'paused', 'ended']
const MAX_LIST = 1000

type Result = { status: number, body: unknown }

export class LedgerApi {
  constructor(private readonly service: FavorService, private readonly names: NameBook) {}

  register(router: Router): void {
    router.get('/accounts', (ctx) => this.accounts(ctx))
    router.get('/accounts/:id', (ctx) => this.account(ctx))
    router.get('/agreements', (ctx) => this.agreements(ctx))
    router.get('/agreements/:id', (ctx) => this.agreement(ctx))
    router.get('/epochs', (ctx) => this.epochs(ctx))
    router.get('/epochs/:n', (ctx) => this.epoch(ctx))
    router.get('/reports', (ctx) => this.reports(ctx))
  }

  private get kv(): LedgerKV {
    return this.service.view()
  }

  private async accountView(a: Account, offer: Offer | null, names: ReadonlyMap<string, string>): Promise<Record<string, unknown>> {
    const bal = await getBalance(this.kv, a.id)
    return {
      id: a.id,
      name: names.get(a.id) ?? null,
      me: a.id === this.service.account,
      writer: a.writer,
      indexer: a.indexer,
      balance: a.balance,
      credit: a.credit,
      lines: bal?.lines ?? 0n,
      available: bal?.available ?? 0n,
      heldBack: a.heldBack,
      given: a.given,
      received: a.received,
      reputationPpm: bal?.reputationPpm ?? 0,
      reputation: (bal?.reputationPpm ?? 0) / 1_000_000,
      passedEpochs: a.passedEpochs,
      joinedEpoch: a.joinedEpoch,
      warnings: a.warnings,
      attestAgreed: a.attestAgreed,
      attestDisagreed: a.attestDisagreed,
      hoster: offer === null ? null : {
        capacityBytes: offer.capacityBytes,
        usedBytes: offer.usedBytes,
        group: offer.group,
        nodeKey: offer.nodeKey,
        withdrawn: offer.withdrawn,
        agreements: offer.agreements.length
      }
    }
  }

  private async accounts(ctx: RequestContext): Promise<Result> {
    const q = ctx.url.searchParams
    checkQuery(q, ['hosters'])
    const hostersOnly = q.get('hosters') === null ? false : boolean(q.get('hosters'), 'hosters')
    const offers = new Map((await listOffers(this.kv)).map((o) => [o.hoster, o]))
    const names = await this.names.names()
    const out: Record<string, unknown>[] = []
    for (const a of await listAccounts(this.kv)) {
      const offer = offers.get(a.id) ?? null
      if (hostersOnly && offer === null) continue
      out.push(await this.accountView(a, offer, names))
    }
    return { status: 200, body: { count: out.length, results: out } }
  }

  private async account(ctx: RequestContext): Promise<Result> {
    checkQuery(ctx.url.searchParams, [])
    const raw = ctx.params.id ?? ''
    const id = raw === 'me' ? this.service.account : hexKey(raw, 'account id')
    const a = await getAccount(this.kv, id)
    if (a === null) throw notFound(`no account ${id} on the ledger`)
    const view = await this.accountView(a, await getOffer(this.kv, id), await this.names.names())
    return { status: 200, body: { ...view, sponsorLines: a.lines, sponsoring: a.sponsoring } }
  }

  private async agreements(ctx: RequestContext): Promise<Result> {
    const q = ctx.url.searchParams
    checkQuery(q, ['state', 'hoster', 'publisher', 'requestId', 'coreKey', 'live', 'limit'])
    const filter: Parameters<typeof listAgreements>[1] = {}
    if (q.get('state') !== null) filter.state = wordList(q.get('state') as string, 'state', AGREEMENT_STATES)
    if (q.get('hoster') !== null) filter.hoster = q.get('hoster') === 'me' ? this.service.account : hexKey(q.get('hoster'), 'hoster')
    if (q.get('publisher') !== null) filter.publisher = q.get('publisher') === 'me' ? this.service.account : hexKey(q.get('publisher'), 'publisher')
    if (q.get('requestId') !== null) filter.requestId = integer(q.get('requestId'), 'requestId', 1, Number.MAX_SAFE_INTEGER)
    if (q.get('live') !== null) filter.liveOnly = boolean(q.get('live'), 'live')
    const coreKey = q.get('coreKey') === null ? null : hexKey(q.get('coreKey'), 'coreKey')
    const limit = q.get('limit') === null ? MAX_LIST : integer(q.get('limit'), 'limit', 1, MAX_LIST)
    let list = await listAgreements(this.kv, filter)
    if (coreKey !== null) list = list.filter((a) => a.coreKey === coreKey)
    list.sort((a, b) => b.id - a.id)
    return { status: 200, body: { count: list.length, results: list.slice(0, limit) } }
  }

  private async agreement(ctx: RequestContext): Promise<Result> {
    checkQuery(ctx.url.searchParams, [])
    const id = integer(ctx.params.id, 'agreement id', 1, Number.MAX_SAFE_INTEGER)
    const a = await getAgreement(this.kv, id)
    if (a === null) throw notFound(`no agreement ${id}`)
    return { status: 200, body: a }
  }

  /** Outcome counts and latencies of an epoch's challenges, from the attestors' reports. */
  private async epochView(n: number, withAttestations: boolean): Promise<Record<string, unknown> | null> {
    const e = await getEpoch(this.kv, n)
    if (e === null) return null
    const outcomes: Record<string, number> = { pass: 0, missing: 0, slow: 0, unreachable: 0, unreported: 0 }
    const p50s: number[] = []
    const p99s: number[] = []
    const attestations: Attestation[] = []
    for (const id of e.attested) {
      const att = await getAttestation(this.kv, n, id)
      if (att === null) continue
      attestations.push(att)
      for (const r of att.results) {
        if (r === null) {
          outcomes.unreported = (outcomes.unreported ?? 0) + 1
          continue
        }
        outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1
        if (r.outcome === 'pass') {
          p50s.push(r.latencyP50Ms)
          p99s.push(r.latencyP99Ms)
        }
      }
    }
    const view: Record<string, unknown> = {
      epoch: e.epoch,
      started: e.started,
      time: e.time,
      startedAt: e.time > 0 ? new Date(e.time).toISOString() : null,
      beacon: e.beacon,
      ticks: e.ticks.length,
      withheld: e.withheld,
      attested: e.attested.length,
      summary: e.summary,
      reports: outcomes,
      latencyP50Ms: p50s.length === 0 ? null : Math.round(p50s.reduce((s, x) => s + x, 0) / p50s.length),
      latencyP99Ms: p99s.length === 0 ? null : Math.max(...p99s)
    }
    if (withAttestations) view.attestations = attestations
    return view
  }

  private async epochs(ctx: RequestContext): Promise<Result> {
    const q = ctx.url.searchParams
    checkQuery(q, ['limit', 'before'])
    const limit = q.get('limit') === null ? 24 : integer(q.get('limit'), 'limit', 1, 1000)
    const current = await currentEpoch(this.kv)
    const before = q.get('before') === null ? current + 2 : integer(q.get('before'), 'before', 0, Number.MAX_SAFE_INTEGER)
    const out: Record<string, unknown>[] = []
    // The next epoch may already have ticks; include it when it exists.
    for (let n = Math.min(before - 1, current + 1); n >= 0 && out.length < limit; n--) {
      const v = await this.epochView(n, false)
      if (v !== null) out.push(v)
    }
    const params = await getParams(this.kv)
    return { status: 200, body: { current, epochSeconds: params?.epochSeconds ?? null, count: out.length, results: out } }
  }

  private async epoch(ctx: RequestContext): Promise<Result> {
    checkQuery(ctx.url.searchParams, [])
    const n = integer(ctx.params.n, 'epoch', 0, Number.MAX_SAFE_INTEGER)
    const v = await this.epochView(n, true)
    if (v === null) throw notFound(`no epoch ${n} on the ledger yet`)
    return { status: 200, body: v }
  }

  private async reports(ctx: RequestContext): Promise<Result> {
    const q = ctx.url.searchParams
    checkQuery(q, ['epoch', 'agreement', 'limit'])
    const epochFilter = q.get('epoch') === null ? null : integer(q.get('epoch'), 'epoch', 0, Number.MAX_SAFE_INTEGER)
    const agreementFilter = q.get('agreement') === null ? null : integer(q.get('agreement'), 'agreement', 1, Number.MAX_SAFE_INTEGER)
    const limit = q.get('limit') === null ? 200 : integer(q.get('limit'), 'limit', 1, MAX_LIST)
    const current = await currentEpoch(this.kv)
    const results: Record<string, unknown>[] = []
    const from = epochFilter ?? current
    const to = epochFilter ?? Math.max(0, current - 24)
    for (let n = from; n >= to && results.length < limit; n--) {
      const e = await getEpoch(this.kv, n)
      if (e === null) continue
      for (const id of e.attested) {
        if (agreementFilter !== null && id !== agreementFilter) continue
        const att = await getAttestation(this.kv, n, id)
        if (att === null) continue
        att.attestors.forEach((attestor, i) => {
          const r = att.results[i] ?? null
          results.push({ epoch: n, agreementId: id, attestor, reported: r !== null, ...(r ?? {}) })
        })
      }
    }
    const local = [...this.service.recentChallenges()]
      .filter((c) => (epochFilter === null || c.epoch === epochFilter) && (agreementFilter === null || c.agreementId === agreementFilter))
      .sort((a, b) => b.at - a.at)
      .slice(0, limit)
    return { status: 200, body: { count: Math.min(results.length, limit), results: results.slice(0, limit), local } }
  }
}
