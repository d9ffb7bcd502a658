// Attestor: each epoch, challenges the agreements the beacon assigned to it over `favor/challenge/2` —
// a FRESH hyperdht connection per challenge, a measured round trip, a fresh nonce — with what the
// ledger's attestation record fixes (challenged length, fork, samples, the hoster's node key), and sends
// ONE batched `report` op for the epoch with each result's evidence (reports for a past epoch are
// refused, so a late batch is dropped).
//
// The work runs as tasks of the node's scheduler (src/roles/tasks.ts): `plan` (from reconcile) enqueues
// one `challenge` task per assigned agreement and one `report` task per epoch; each challenge's result
// is kept durably (attest-results.ts) until the report task, which waits for the epoch's challenges,
// appends it. After a restart the unfinished challenges run again and the report still carries the
// results obtained before the stop.
import { assignmentOf, assignmentsFor, currentEpoch, type Agreement, type ReportResult } from '../ledger/index.js'
import { JudgementCode } from '../proof/index.js'
import { DEFAULT_MAX_RTT_ALLOWANCE_MS, runChallenge, toReportResult } from '../protocol/index.js'
import type { ChallengeResult } from '../protocol/index.js'
import { NotStartedError, Resource } from '../runtime/index.js'
import { AttestResults } from './attest-results.js'
import type { RoleContext } from './context.js'
import { sizeDisproof } from './size-check.js'
import { taskKey, type NodeTasks } from './tasks.js'
import type { ChallengeRecord } from './types.js'

/** The attestor's init (from the node's config). */
export interface AttestorInit {
  /** The file keeping this epoch's challenge results until its report (ATTEST_RESULTS_FILE in the data directory). */
  resultsPath: string
  deadlineMs: number
  connectTimeoutMs: number
  /** Cap on the measured round trip subtracted from the response time. Default 500 ms. */
  maxRttAllowanceMs?: number
  /** How long to wait for the answer after the nonce (default: runChallenge's). */
  hardTimeoutMs?: number
}

/** How often a waiting report looks again whether the epoch's challenges are done (besides task events). */
const REPORT_RECHECK_MS = 1000
/** Challenges run again when this node's own stall made an answer's timing unknown (ChallengeResult.timingInconclusive). */
const STALLED_RETRIES = 2

/** What the attestor needs from the node: interfaces only (src/roles/context.ts). */
export type AttestorComponents = Pick<RoleContext, 'ledger' | 'dht' | 'tasks' | 'log' | 'account' | 'append' | 'emitChallenge'>

/** The attestor's factory: its init first, its components when the node composes it. */
export function attestor(init: AttestorInit): (components: AttestorComponents) => Attestor {
  return (components) => new Attestor(components, init)
}

/**
 * A component (src/runtime/components.ts): start loads the kept results (a corrupt file stops the start);
 * stop waits for their pending writes. Its tasks run only between the two.
 */
export class Attestor extends Resource {
  readonly name = 'attestor'
  private readonly ctx: AttestorComponents
  private readonly opts: AttestorInit
  #results: AttestResults | null = null
  private planned = 0
  private readonly sizeDisproved = new Set<string>()

  constructor(ctx: AttestorComponents, opts: AttestorInit) {
    super()
    this.ctx = ctx
    this.opts = opts
  }

  private get results(): AttestResults {
    if (this.#results === null) throw new NotStartedError('attestor')
    return this.#results
  }

  protected override async onopen(): Promise<void> {
    this.#results = await AttestResults.open(this.opts.resultsPath)
  }

  /** Enqueues this epoch's challenges and its report, once per epoch (skipping what is already done or pending). */
  async plan(epoch: number): Promise<void> {
    if (epoch < 1 || epoch <= this.planned || !this.ctx.ledger.writable) return
    const all = await assignmentsFor(this.ctx.ledger.kv, this.ctx.account, epoch)
    const todo = all.filter((a) => !a.reported && a.length > 0 && a.samples > 0 && a.nodeKey !== '')
    // enqueued together: the task store writes them in one go
    const adds = todo.filter((a) => !this.results.has(epoch, a.agreement.id))
      .map((a) => this.ctx.tasks.enqueue('challenge', { epoch, agreementId: a.agreement.id }, { key: taskKey.challenge(epoch, a.agreement.id) }))
    if (todo.length > 0) adds.push(this.ctx.tasks.enqueue('report', { epoch }, { key: taskKey.report(epoch) }))
    await Promise.all(adds)
    // only once every task is durable: a failed enqueue is tried again by the next reconcile
    this.planned = epoch
  }

  /** The `challenge` task: one agreement in one epoch; its result is kept for the epoch's report. */
  async challenge(p: NodeTasks['challenge'], signal: AbortSignal): Promise<void> {
    const kv = this.ctx.ledger.kv
    if ((await currentEpoch(kv)) !== p.epoch || this.results.has(p.epoch, p.agreementId)) return
    const a = await assignmentOf(kv, this.ctx.account, p.epoch, p.agreementId)
    if (a === null || a.reported) return
    const agr = a.agreement
    const run = (): Promise<ChallengeResult> => runChallenge({
      dht: this.ctx.dht,
      hosterNodeKey: Buffer.from(a.nodeKey, 'hex'),
      coreKey: Buffer.from(agr.coreKey, 'hex'),
      networkId: a.networkId,
      beacon: a.beacon,
      attestorKey: Buffer.from(this.ctx.account, 'hex'),
      agreementId: agr.id,
      epoch: p.epoch,
      length: a.length,
      samples: a.samples,
      minFork: a.fork,
      deadlineMs: this.opts.deadlineMs,
      connectTimeoutMs: this.opts.connectTimeoutMs,
      maxRttAllowanceMs: this.opts.maxRttAllowanceMs ?? DEFAULT_MAX_RTT_ALLOWANCE_MS,
      ...(this.opts.hardTimeoutMs !== undefined ? { hardTimeoutMs: this.opts.hardTimeoutMs } : {}),
      signal
    })
    let res = await run()
    signal.throwIfAborted() // stopped mid-challenge: the task runs again at the next start
    // This node's own stall, not the hoster, may have made the answer late: that is no judgement of the
    // hoster. Challenge again (a fresh connection and nonce) while the epoch lasts, or say nothing. Never
    // after a silence: the hoster has seen which blocks were drawn, and a fresh nonce draws fresh ones, a
    // second chance for a hoster that goes silent whenever it lacks one (runChallenge already waited on
    // for as long as this node stalled).
    const askAgain = (r: ChallengeResult): boolean => r.timingInconclusive && r.code !== JudgementCode.NO_ANSWER
    for (let again = 0; askAgain(res) && again < STALLED_RETRIES; again++) {
      this.ctx.log.warn('this node stalled while it timed an answer: challenging again', { agreementId: agr.id, epoch: p.epoch, responseMs: res.responseMs, ownLagMs: res.ownLagMs })
      if ((await currentEpoch(kv)) !== p.epoch) return
      res = await run()
      signal.throwIfAborted()
    }
    if (res.timingInconclusive) {
      this.ctx.log.warn('this node stalled while it timed the answer: no result for this agreement in this epoch', { agreementId: agr.id, epoch: p.epoch, code: res.error?.code, ownLagMs: res.ownLagMs })
      return
    }
    if (res.sizeSample !== null) await this.checkSize(agr, res.sizeSample)
    const r = toReportResult(agr.id, res)
    await this.results.put(p.epoch, r)
    const rec: ChallengeRecord = {
      epoch: p.epoch,
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
      readyMs: res.readyMs === null ? null : Math.round(res.readyMs),
      ownLagMs: Math.round(res.ownLagMs),
      code: r.code,
      errorCode: res.error?.code ?? null,
      nonce: res.nonce.toString('hex'),
      at: Date.now()
    }
    this.ctx.emitChallenge(rec)
  }

  /**
   * The `report` task: waits until no challenge of the epoch is queued or running, then appends one
   * `report` with the kept results the ledger does not have yet. Dropped when the epoch moves on first.
   */
  async report(p: NodeTasks['report'], signal: AbortSignal): Promise<void> {
    const kv = this.ctx.ledger.kv
    const prefix = taskKey.challengesOf(p.epoch)
    let epochCheckedAt = 0
    for (;;) {
      signal.throwIfAborted()
      if (!this.ctx.tasks.pendingWithPrefix(prefix)) break
      // every task that settles wakes this loop: the ledger is read at most once a second
      if (Date.now() - epochCheckedAt >= REPORT_RECHECK_MS) {
        epochCheckedAt = Date.now()
        if ((await currentEpoch(kv)) !== p.epoch) return this.dropReport(p.epoch)
      }
      await this.ctx.tasks.settled(REPORT_RECHECK_MS, signal)
    }
    // after a restart, a report appended just before the stop is in the view: do not send it twice
    const reported = new Set((await assignmentsFor(kv, this.ctx.account, p.epoch)).filter((a) => a.reported).map((a) => a.agreement.id))
    const results: ReportResult[] = this.results.of(p.epoch).filter((r) => !reported.has(r.agreementId))
    if (results.length > 0) {
      if ((await currentEpoch(kv)) !== p.epoch) return this.dropReport(p.epoch)
      await this.ctx.append({ type: 'report', time: Date.now(), epoch: p.epoch, results })
    }
    await this.results.clear(p.epoch)
  }

  /**
   * A valid answer carries the core's signed tree: when it shows the publisher's declared byte length
   * wrong, post `prove-size` (once per recorded state; a second attestor's is refused as not disproving).
   */
  private async checkSize(agr: Agreement, sample: { manifest: Buffer; proof: Buffer }): Promise<void> {
    const disproof = sizeDisproof({ requestId: agr.requestId, coreKey: Buffer.from(agr.coreKey, 'hex'), length: agr.length, byteLength: agr.byteLength, fork: agr.fork }, sample)
    const key = `${agr.requestId}:${agr.coreKey}:${agr.length}:${agr.byteLength}:${agr.fork}`
    if (disproof === null || this.sizeDisproved.has(key)) return
    this.sizeDisproved.add(key)
    this.ctx.log.warn('a challenge shows the publisher declared a false byte length: proving the signed size', { agreementId: agr.id, declared: agr.byteLength, length: agr.length })
    try {
      await this.ctx.append(disproof)
    } catch (err) {
      this.ctx.log.warn('prove-size not appended', { agreementId: agr.id, error: (err as Error).message })
    }
  }

  private dropReport(epoch: number): void {
    if (this.results.of(epoch).length > 0) this.ctx.log.warn('epoch moved on before the report was ready; dropping it', { epoch })
  }

  /** Waits for the results file's pending writes (the scheduler already stopped the tasks). */
  protected override async onclose(): Promise<void> {
    await this.#results?.flush()
  }
}
