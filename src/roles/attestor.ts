// Attestor: each epoch, challenges the agreements the beacon assigned to it — indices from the
// ledger's challengeIndices, a FRESH hyperdht connection per challenge with a deadline — and sends ONE
// batched `report` op for the epoch (reports for a past epoch are refused, so a late batch is dropped).
import {
  assignmentsFor, challengeIndices, currentEpoch, getParams,
  type Assignment, type LedgerKV, type ReportResult
} from '../ledger/index.js'
import { runChallenge, toReportResult, MAX_INDICES } from '../protocol/index.js'
import type { RoleContext } from './context.js'
import { toError } from './context.js'
import type { ChallengeRecord } from './types.js'

export interface AttestorOptions {
  deadlineMs: number
  connectTimeoutMs: number
  concurrency: number
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
    const kv = this.ctx.ledger.kv
    const params = await getParams(kv)
    if (params === null) return
    const all = await assignmentsFor(kv, this.ctx.account, epoch)
    const todo = all.filter((a) => !a.reported && a.agreement.length > 0 && a.nodeKey !== '')
    this.doneEpoch = epoch
    if (todo.length === 0) return
    const me = Buffer.from(this.ctx.account, 'hex')
    const results: ReportResult[] = []
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < todo.length && !this.abort.signal.aborted) {
        const a = todo[next++] as Assignment
        const r = await this.challenge(a, epoch, me, Math.min(params.samples, MAX_INDICES))
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

  private async challenge(a: Assignment, epoch: number, me: Buffer, samples: number): Promise<ReportResult | null> {
    const agr = a.agreement
    const indices = challengeIndices(a.beacon, agr.id, me, agr.length, samples)
    if (indices.length === 0) return null
    let res
    try {
      res = await runChallenge({
        dht: this.ctx.dht,
        hosterNodeKey: Buffer.from(a.nodeKey, 'hex'),
        coreKey: Buffer.from(agr.coreKey, 'hex'),
        agreementId: String(agr.id),
        epoch,
        indices,
        minLength: agr.length,
        deadlineMs: this.opts.deadlineMs,
        connectTimeoutMs: this.opts.connectTimeoutMs,
        signal: this.abort.signal
      })
    } catch (err) {
      if (!this.abort.signal.aborted) this.ctx.emitWarning(toError(err))
      return null
    }
    const r = toReportResult(String(agr.id), res)
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
      connectMs: res.connectMs === null ? null : Math.round(res.connectMs),
      errorCode: res.error?.code ?? null,
      evidenceHash: r.evidenceHash.toString('hex'),
      at: Date.now()
    }
    this.ctx.emitChallenge(rec)
    return {
      agreementId: agr.id,
      outcome: r.outcome,
      samples: r.samples,
      latencyP50Ms: r.latencyP50Ms,
      latencyP99Ms: r.latencyP99Ms,
      evidenceHash: r.evidenceHash
    }
  }

  async close(): Promise<void> {
    this.abort.abort()
    await this.running
  }
}
