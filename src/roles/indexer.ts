// Indexer: ticks epochs on a timer with commit–reveal. In tick e it reveals secret_e (committed in its
// tick for e−1) and commits H(secret_{e+1}). Secrets derive from a seed kept in the node directory
// (node.json), so a restarted indexer can still reveal what it committed.
//
// An epoch starts with a strict majority of the indexers' ticks, so with three indexers one is usually
// late. A late indexer ticks the epoch that already started (no reveal: its commitment for it was
// recorded as withheld) instead of skipping it: that tick commits for the next epoch, so every indexer
// always holds a commitment due next, and the ticks that start the next epoch carry a majority of
// reveals (otherwise the late one's turn to start an epoch comes with no reveal, and the epoch is weak).
import { commitOf, getAccount, getEpoch, getMeta, secretFor } from '../ledger/index.js'
import { RepeatingTask } from '../runtime/index.js'
import type { RoleContext } from './context.js'
import { toError } from './context.js'

/** How often an indexer whose epochs follow the ledger's `epochSeconds` checks whether a tick is due. */
const DUE_POLL_MS = 1000

export interface IndexerOptions {
  /**
   * Real time between ticks, ms: a compressed clock for tests and the demo, which bill each short epoch as
   * `epochSeconds`. Unset (a real node): the next epoch is due `epochSeconds` after the current one
   * started, as recorded on the ledger, so every node follows the network's one epoch length.
   */
  epochMs?: number
  /** 32-byte secret seed (derived from the node's persisted identity seed). */
  seed: Buffer
}

export class Indexer {
  private readonly ctx: RoleContext
  private readonly opts: IndexerOptions
  private readonly task: RepeatingTask

  constructor(ctx: RoleContext, opts: IndexerOptions) {
    this.ctx = ctx
    this.opts = opts
    this.task = new RepeatingTask(() => this.tick(), {
      intervalMs: opts.epochMs ?? DUE_POLL_MS,
      runImmediately: true,
      log: ctx.log.child('indexer'),
      onError: (err) => ctx.emitWarning(err)
    })
  }

  start(): void {
    this.task.start()
  }

  /** Ticks the next epoch if this node is an indexer and has not ticked it yet. */
  async tick(): Promise<void> {
    if (!this.ctx.ledger.writable) return
    const kv = this.ctx.ledger.kv
    const meta = await getMeta(kv)
    if (meta === null || !meta.indexers.includes(this.ctx.account)) return
    const acct = await getAccount(kv, this.ctx.account)
    if (acct === null) return
    const cur = await getEpoch(kv, meta.epoch)
    const ticked = (r: { ticks: { indexer: string }[] } | null): boolean => r !== null && r.ticks.some((t) => t.indexer === this.ctx.account)
    // late for the current epoch: tick it now (it commits for the next one), not the next one
    const target = meta.epoch >= 1 && cur !== null && cur.started && !ticked(cur) ? meta.epoch : meta.epoch + 1
    if (target !== meta.epoch && ticked(await getEpoch(kv, target))) return
    // the first epoch starts at once; each later one is due epochSeconds after the current one started
    if (target !== meta.epoch && this.opts.epochMs === undefined && meta.epoch >= 1 && Date.now() < (cur?.time ?? 0) + meta.params.epochSeconds * 1000) return
    let reveal: Buffer = Buffer.alloc(0)
    if (acct.commit !== '' && acct.commitEpoch === target) {
      const secret = secretFor(this.opts.seed, target)
      if (commitOf(secret).toString('hex') === acct.commit) reveal = secret
      else this.ctx.emitWarning(new Error(`indexer: cannot open the commitment for epoch ${target} (seed changed?); withholding`))
    }
    try {
      await this.ctx.append({
        type: 'tick',
        time: Date.now(),
        epoch: target,
        tickTime: Math.max(Date.now(), cur?.time ?? 0),
        commit: commitOf(secretFor(this.opts.seed, target + 1)),
        reveal
      })
    } catch (err) {
      this.ctx.emitWarning(toError(err))
    }
  }

  async close(): Promise<void> {
    await this.task.stop()
  }
}
