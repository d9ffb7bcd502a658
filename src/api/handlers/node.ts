// Node status and the write endpoints the CLI uses (offer, withdraw, transfer, sponsor, set-limit, admit, verify).
// 202: the op is appended (the node's actions wait for the contract's verdict and fail with 409 when refused).
import { currentEpoch, getBalance, getOffer } from '../../ledger/index.js'
import { conflict, fromServiceError } from '../errors.js'
import type { RequestContext, Router } from '../router.js'
import type { FavorService } from '../service.js'
import { amount, boolean, checkQuery, hexKey, integer, objectBody, optionalString, size } from '../validate.js'

type Result = { status: number, body: unknown }

async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    throw fromServiceError(err)
  }
}

export class NodeApi {
  constructor(private readonly service: FavorService, private readonly info: { readonly version: string, readonly startedAt: number }) {}

  register(router: Router): void {
    router.get('/status', (ctx) => this.status(ctx))
    router.post('/offer', (ctx) => this.offer(ctx))
    router.post('/withdraw', (ctx) => this.withdraw(ctx))
    router.post('/transfer', (ctx) => this.transfer(ctx, 'transfer'))
    router.post('/sponsor', (ctx) => this.transfer(ctx, 'sponsor'))
    router.post('/set-limit', (ctx) => this.setLimit(ctx))
    router.post('/writers', (ctx) => this.admit(ctx))
    router.post('/invites', (ctx) => this.invite(ctx))
    router.post('/ledger/verify', (ctx) => this.verify(ctx))
  }

  private async status(ctx: RequestContext): Promise<Result> {
    checkQuery(ctx.url.searchParams, [])
    const kv = this.service.view()
    const account = this.service.account
    return {
      status: 200,
      body: {
        account,
        networkKey: this.service.networkKey,
        epoch: await currentEpoch(kv),
        balance: await getBalance(kv, account),
        offer: await getOffer(kv, account),
        mirrors: this.service.mirrors(),
        node: await this.service.status(),
        api: { version: this.info.version, startedAt: new Date(this.info.startedAt).toISOString() }
      }
    }
  }

  private async offer(ctx: RequestContext): Promise<Result> {
    const o = objectBody(await ctx.body(), ['capacity', 'capacityBytes', 'group'])
    const raw = o.capacityBytes ?? o.capacity
    if (raw === undefined) return this.missing('capacity')
    const capacityBytes = size(raw, o.capacityBytes === undefined ? 'capacity' : 'capacityBytes')
    const group = optionalString(o.group, 'group', 64)
    if (group !== undefined && group !== '' && !/^[A-Za-z0-9._-]{1,64}$/.test(group)) {
      return this.invalid("group: expected 1–64 letters, digits, '.', '_' or '-'")
    }
    await call(() => this.service.offer(group === undefined ? { capacityBytes } : { capacityBytes, group }))
    return { status: 202, body: { ok: true, capacityBytes, group: group ?? '' } }
  }

  private async withdraw(ctx: RequestContext): Promise<Result> {
    objectBody((await ctx.body()) ?? {}, [])
    await call(() => this.service.withdraw())
    return { status: 202, body: { ok: true } }
  }

  private async transfer(ctx: RequestContext, kind: 'transfer' | 'sponsor'): Promise<Result> {
    const o = objectBody(await ctx.body(), ['to', 'amount'])
    const to = hexKey(o.to, 'to')
    const amt = amount(o.amount, 'amount')
    // Only a positive balance moves or is escrowed (credit is not transferable): refuse before appending.
    const bal = await getBalance(this.service.view(), this.service.account)
    if (bal === null) throw conflict(`account ${this.service.account} is not on the ledger yet`)
    if (bal.balance < amt) throw conflict(`not enough favor: ${kind} of ${amt} micro-favor, balance ${bal.balance < 0n ? 0n : bal.balance} (credit cannot be transferred)`, 'INSUFFICIENT_FUNDS')
    await call(() => kind === 'transfer' ? this.service.transfer(to, amt) : this.service.sponsor(to, amt))
    return { status: 202, body: { ok: true, to, amount: amt } }
  }

  private async setLimit(ctx: RequestContext): Promise<Result> {
    const o = objectBody(await ctx.body(), ['to', 'limit'])
    const to = hexKey(o.to, 'to')
    if (o.limit === undefined) return this.missing('limit')
    const limit = amount(o.limit, 'limit', true) // 0 closes the line
    const setLimit = this.service.setLimit?.bind(this.service)
    if (setLimit === undefined) return this.invalid('this node cannot set sponsor limits')
    await call(() => setLimit(to, limit))
    return { status: 202, body: { ok: true, to, limit } }
  }

  private async admit(ctx: RequestContext): Promise<Result> {
    const o = objectBody(await ctx.body(), ['key', 'indexer'])
    const key = hexKey(o.key, 'key')
    const indexer = o.indexer === undefined ? false : boolean(o.indexer, 'indexer')
    await call(() => this.service.admit(key, { indexer }))
    return { status: 202, body: { ok: true, key, indexer } }
  }

  /** POST /invites {credit?, expiresEpochs?} → 201 {code, expiresEpoch, credit} (Favor addition). */
  private async invite(ctx: RequestContext): Promise<Result> {
    const o = objectBody((await ctx.body()) ?? {}, ['credit', 'expiresEpochs'])
    const creditMicro = o.credit === undefined ? 0n : amount(o.credit, 'credit', true)
    const expiresEpochs = o.expiresEpochs === undefined ? undefined : integer(o.expiresEpochs, 'expiresEpochs', 1, 1_000_000)
    const invite = this.service.inviteMember?.bind(this.service)
    if (invite === undefined) return this.invalid('this node cannot create invites')
    const r = await call(() => invite(expiresEpochs === undefined ? { creditMicro } : { creditMicro, expiresEpochs }))
    return { status: 201, body: { code: r.code, expiresEpoch: r.expiresEpoch, credit: r.creditMicro } }
  }

  private async verify(ctx: RequestContext): Promise<Result> {
    objectBody((await ctx.body()) ?? {}, [])
    const report = await call(() => this.service.verifyLedger())
    return { status: 200, body: report }
  }

  private missing(field: string): never {
    return this.invalid(`${field}: required`)
  }

  private invalid(details: string): never {
    throw fromServiceError(Object.assign(new Error(details), { code: 'INVALID_ARGUMENT' }))
  }
}
