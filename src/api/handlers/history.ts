// `GET /history`: favor balances of every account at each epoch this daemon saw (in memory, capped),
// so the dashboard can chart balances over time even when it was opened late.
import { currentEpoch, listAccounts } from '../../ledger/index.js'
import type { RequestContext, Router } from '../router.js'
import type { FavorService } from '../service.js'
import { checkQuery } from '../validate.js'

const MAX_POINTS = 500

export interface HistoryPoint {
  epoch: number
  time: number
  /** account hex → balance (micro-favor) */
  balances: Record<string, bigint>
  reputationPpm: Record<string, number>
}

export class BalanceHistory {
  private readonly points: HistoryPoint[] = []
  private sampling: Promise<void> | null = null
  private again = false
  private readonly onEpoch = (): void => { this.sample() }
  private closed = false
  /** Samples that failed (the next epoch samples again) and the last failure, for /status and tests. */
  failures = 0
  lastError: unknown = null

  constructor(private readonly service: FavorService) {
    service.on('epoch', this.onEpoch)
    this.sample()
  }

  register(router: Router): void {
    router.get('/history', (ctx) => this.get(ctx))
  }

  /** Takes a snapshot now (coalesced). Failures are dropped: history is best-effort. */
  sample(): void {
    if (this.closed) return
    if (this.sampling !== null) {
      this.again = true
      return
    }
    this.sampling = (async () => {
      do {
        this.again = false
        try {
          await this.take()
        } catch (err) {
          // the ledger may be closing; the next epoch samples again (counted, the last error kept)
          this.failures++
          this.lastError = err
        }
      } while (this.again && !this.closed)
    })().finally(() => { this.sampling = null })
  }

  private async take(): Promise<void> {
    const kv = this.service.view()
    const epoch = await currentEpoch(kv)
    const balances: Record<string, bigint> = {}
    const reputationPpm: Record<string, number> = {}
    for (const a of await listAccounts(kv)) {
      balances[a.id] = a.balance
      const total = a.alpha + a.beta
      reputationPpm[a.id] = total === 0 ? 0 : Math.floor((a.alpha * 1_000_000) / total)
    }
    const point = { epoch, time: Date.now(), balances, reputationPpm }
    const last = this.points[this.points.length - 1]
    if (last !== undefined && last.epoch === epoch) this.points[this.points.length - 1] = point
    else this.points.push(point)
    if (this.points.length > MAX_POINTS) this.points.splice(0, this.points.length - MAX_POINTS)
  }

  private async get(ctx: RequestContext): Promise<{ status: number, body: unknown }> {
    checkQuery(ctx.url.searchParams, [])
    this.sample()
    await this.sampling
    return { status: 200, body: { count: this.points.length, results: this.points } }
  }

  async close(): Promise<void> {
    this.closed = true
    this.service.off('epoch', this.onEpoch)
    await this.sampling
  }
}
