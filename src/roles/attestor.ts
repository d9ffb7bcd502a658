// Attestor: each epoch, challenges the agreements the beacon assigned to it over `favor/challenge/2` —
// a FRESH hyperdht connection per challenge, a measured round trip, a fresh nonce — with what the
// ledger's attestation record fixes (challenged length, fork, samples, the hoster's node key), and sends
// ONE batched `report` op for the epoch with each result's evidence (reports for a past epoch are
// refused, so a late batch is dropped).
import { assignmentsFor, currentEpoch, type Assignment, type LedgerKV, type ReportResult } from '../ledger/index.js'
import { DEFAULT_MAX_RTT_ALLOWANCE_MS, runChallenge, toReportResult } from '../protocol/index.js'
import type { ChallengeResult } from '../protocol/index.js'
import type { RoleContext } from './context.js'
import { toError } from './context.js'
import type { ChallengeRecord } from './types.js'

export interface AttestorOptions {
  deadlineMs: number
  connectTimeoutMs: number
  concurrency: number
  /** Cap on the measured round trip subtracted from the response time. Default 500 ms. */
  maxRttAllowanceMs?: number
  /** How long to wait for the answer after the nonce (default: runChallenge's). */
  hardTimeoutMs?: number
}

export class Attestor {
  private readonly ctx: RoleContext
  private readonly opts: AttestorOptions
  private doneEpoch = 0
  private running: Promise<void> | null = null
  private readonly abort = new AbortController()

  constructor(ctx: RoleContext, opts: AttestorOptions) {
    this.ctx = ctx
    this.opts = opts
  }

  /** Starts this epoch's challenges if not done yet (runs in the background). */
  reconcile(_kv: LedgerKV, epoch: number): void {
    if (this.running !== null || epoch < 1 || epoch <= this.doneEpoch || this.abort.signal.aborted) return
    if (!this.ctx.ledger.writable) return
    this.running = this.runEpoch(epoch)
      .catch((err: unknown) => { if (!this.abort.signal.aborted) this.ctx.emitWarning(toError(err)) })
      .finally(() => { this.running = null })
  }

  private async runEpoch(epoch: number): Promise<void> {
    const all = await assignmentsFor(this.ctx.ledger.kv, this.ctx.account, epoch)
    const todo = all.filter((a) => !a.reported && a.length > 0 && a.samples > 0 && a.nodeKey !== '')
    this.doneEpoch = epoch
    if (todo.length === 0) return
    const results: ReportResult[] = []
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < todo.length && !this.abort.signal.aborted) {
        const r = await this.challenge(todo[next++] as Assignment, epoch)
        if (r !== null) results.push(r)
      }
    }
    await Promise.all(Array.from({ length: Math.min(this.opts.concurrency, todo.length) }, () => worker()))
    if (this.abort.signal.aborted || results.length === 0) return
    if ((await currentEpoch(this.ctx.ledger.kv)) !== epoch) {
      this.ctx.log.warn('epoch moved on before the report was ready; dropping it', { epoch })
      return
    }
    results.sort((x, y) => x.agreementId - y.agreementId)
    await this.ctx.append({ type: 'report', time: Date.now(), epoch, results })
  }

  private async challenge(a: Assignment, epoch: number): Promise<ReportResult | null> {
    const agr = a.agreement
    let res: ChallengeResult
    try {
      res = await runChallenge({
        dht: this.ctx.dht,
        hosterNodeKey: Buffer.from(a.nodeKey, 'hex'),
        coreKey: Buffer.from(agr.coreKey, 'hex'),
        networkId: a.networkId,
        beacon: a.beacon,
        attestorKey: Buffer.from(this.ctx.account, 'hex'),
        agreementId: agr.id,
        epoch,
        length: a.length,
        samples: a.samples,
        minFork: a.fork,
        deadlineMs: this.opts.deadlineMs,
        connectTimeoutMs: this.opts.connectTimeoutMs,
        maxRttAllowanceMs: this.opts.maxRttAllowanceMs ?? DEFAULT_MAX_RTT_ALLOWANCE_MS,
        ...(this.opts.hardTimeoutMs !== undefined ? { hardTimeoutMs: this.opts.hardTimeoutMs } : {}),
        signal: this.abort.signal
      })
    } catch (err) {
      if (!this.abort.signal.aborted) this.ctx.emitWarning(toError(err))
      return null
    }
    const r = toReportResult(agr.id, res)
    const rec: ChallengeRecord = {
      epoch,
      agreementId: agr.id,
      hoster: agr.hoster,
      hosterNodeKey: a.nodeKey,
      coreKey: agr.coreKey,
      outcome: r.outcome,
      samples: r.samples,
      latencyMs: Math.round(res.latencyMs),
      latencyP50Ms: r.latencyP50Ms,
      latencyP99Ms: r.latencyP99Ms,
      rttMs: r.rttMs,
      connectMs: res.connectMs === null ? null : Math.round(res.connectMs),
      code: r.code,
      errorCode: res.error?.code ?? null,
      nonce: res.nonce.toString('hex'),
      at: Date.now()
    }
    this.ctx.emitChallenge(rec)
    return r
  }

  async close(): Promise<void> {
    this.abort.abort()
    await this.running
  }
}
