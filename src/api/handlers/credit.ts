// Credit across communities (docs/statements.md): `POST /sponsor/statement` honours a statement of
// another network — verifies it offline, computes min(limit, rate × proven balance), escrows that much
// of this node's balance as a sponsor line for the given account of this network (the ordinary
// `sponsor` op: nothing is minted) and records which statement backed the line;
// `GET /sponsor/statements` lists those records with what is left of each line.
import { createHash } from 'node:crypto'
import { getAccount, getBalance } from '../../ledger/index.js'
import { creditFromStatement, decodeStatement, formatRate, isStatementError, parseRate } from '../../statement/index.js'
import type { CreditStore } from '../credit-store.js'
import { badRequest, conflict, fromServiceError } from '../errors.js'
import type { RequestContext, Router } from '../router.js'
import type { FavorService } from '../service.js'
import { amount, checkQuery, hexKey, integer, objectBody } from '../validate.js'

type Result = { status: number, body: unknown }

const MAX_AGE_MS = 365 * 24 * 3600_000

export class CreditApi {
  constructor(private readonly service: FavorService, private readonly store: CreditStore) {}

  register(router: Router): void {
    router.post('/sponsor/statement', (ctx) => this.honour(ctx))
    router.get('/sponsor/statements', (ctx) => this.list(ctx))
  }

  private async honour(ctx: RequestContext): Promise<Result> {
    const o = objectBody(await ctx.body(), ['to', 'statement', 'rate', 'limit', 'network', 'maxAgeMs'])
    const to = hexKey(o.to, 'to')
    if (typeof o.statement !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(o.statement)) throw badRequest('statement: expected the statement file as base64')
    const bytes = Buffer.from(o.statement, 'base64')
    const rateMicro = typeof o.rate === 'string' || typeof o.rate === 'number' ? parseRate(String(o.rate)) : null
    if (rateMicro === null) throw badRequest(`rate: expected a decimal number above 0 and at most 1000 with at most 6 decimals, got ${JSON.stringify(o.rate)}`)
    const limit = amount(o.limit, 'limit')
    const network = o.network === undefined ? null : hexKey(o.network, 'network')
    const maxAgeMs = o.maxAgeMs === undefined ? undefined : integer(o.maxAgeMs, 'maxAgeMs', 1, MAX_AGE_MS)
    if (to === this.service.account) throw conflict('cannot sponsor yourself')

    // A statement of this very network first: whatever it proves, the right tool is a plain sponsor line.
    let named: string
    try {
      named = decodeStatement(bytes).networkKey.toString('hex')
    } catch (err) {
      if (isStatementError(err)) throw badRequest(err.message)
      throw err
    }
    if ((network ?? named) === this.service.networkKey || named === this.service.networkKey) {
      throw badRequest('WRONG_NETWORK: a statement of this same network: sponsor the account directly')
    }
    let decision
    try {
      decision = creditFromStatement(bytes, { networkKey: network, rateMicro, limit, ...(maxAgeMs !== undefined ? { maxAgeMs } : {}) })
    } catch (err) {
      // The verifier's stable code leads the details: "BAD_SIGNATURE: …", "TOO_OLD: …", "NO_CREDIT: …".
      if (isStatementError(err)) throw badRequest(err.message)
      throw err
    }
    const st = decision.statement
    if (st.network === this.service.networkKey) throw badRequest('WRONG_NETWORK: a statement of this same network: sponsor the account directly')
    const bal = await getBalance(this.service.view(), this.service.account)
    if (bal === null) throw conflict(`account ${this.service.account} is not on the ledger yet`)
    if (bal.balance < decision.amount) {
      throw conflict(`not enough favor: a line of ${decision.amount} micro-favor, balance ${bal.balance < 0n ? 0n : bal.balance} (credit cannot be escrowed)`, 'INSUFFICIENT_FUNDS')
    }
    try {
      await this.service.sponsor(to, decision.amount)
    } catch (err) {
      throw fromServiceError(err)
    }
    const record = {
      to,
      amount: decision.amount.toString(),
      rate: formatRate(rateMicro),
      limit: limit.toString(),
      basis: decision.basis,
      boundBy: decision.boundBy,
      statement: {
        network: st.network,
        networkFrom: network === null ? 'file' as const : 'given' as const,
        account: st.account,
        version: st.version,
        epoch: st.epoch,
        epochTime: st.epochTime,
        balance: st.balance.toString(),
        chainLinks: st.chainLinks,
        bytes: st.bytes,
        sha256: createHash('sha256').update(bytes).digest('hex')
      },
      created: new Date().toISOString()
    }
    await this.store.add(record)
    return { status: 202, body: { ok: true, ...record, warnings: decision.warnings } }
  }

  private async list(ctx: RequestContext): Promise<Result> {
    checkQuery(ctx.url.searchParams, [])
    const me = await getAccount(this.service.view(), this.service.account)
    const lines = this.store.all().map((r) => ({ ...r, lineNow: (me?.sponsoring[r.to] ?? 0n).toString() }))
    return { status: 200, body: { lines } }
  }
}
