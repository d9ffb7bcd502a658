// Indexer: ticks epochs on a timer with commit–reveal. In tick e it reveals secret_e (committed in its
// tick for e−1) and commits H^R(secret_{e+1}), the head of a hash chain of R = roundsPerEpoch + 1 links.
// Between ticks it runs matching rounds (src/ledger/rounds.ts) on a second timer: when requests wait in
// the ledger's fresh queue, it appends `round` with the next link of its chain — at most one round per
// round interval (the epoch length / roundsPerEpoch, at least MIN_ROUND_MS), and none while nothing waits,
// so an idle network's log does not grow. Secrets derive from a seed kept in the node directory
// (node.json), so a restarted indexer can still reveal what it committed and pick up its chain from the
// ledger's record of the last link it revealed.
//
// An epoch starts with a strict majority of the indexers' ticks, so with three indexers one is usually
// late. A late indexer ticks the epoch that already started (no reveal: its commitment for it was
// recorded as withheld) instead of skipping it: that tick commits for the next epoch, so every indexer
// always holds a commitment due next, and the ticks that start the next epoch carry a majority of
// reveals (otherwise the late one's turn to start an epoch comes with no reveal, and the epoch is weak).
import { chainCommit, chainLink, getAccount, getEpoch, getFresh, getMeta, getRoundChain, secretFor } from '../ledger/index.js'
import type { Account, NetworkMeta } from '../ledger/index.js'
import { RepeatingTask, Resource } from '../runtime/index.js'
import type { RoleContext } from './context.js'
import { toError } from './context.js'

/** How often an indexer whose epochs follow the ledger's `epochSeconds` checks whether a tick is due. */
const DUE_POLL_MS = 1000
/**
 * The shortest round interval, ms, and how often the round timer looks at the fresh queue: compressed test
 * epochs of a few seconds would otherwise ask for a round every few ms.
 */
export const MIN_ROUND_MS = 250

/** The indexer's init (from the node's config). */
export interface IndexerInit {
  /**
   * Real time between ticks, ms: a compressed clock for tests and the demo, which bill each short epoch as
   * `epochSeconds`. Unset (a real node): the next epoch is due `epochSeconds` after the current one
   * started, as recorded on the ledger, so every node follows the network's one epoch length.
   */
  epochMs?: number
  /** 32-byte secret seed (derived from the node's persisted identity seed). */
  seed: Buffer
}

/** What the indexer needs from the node: interfaces only (src/roles/context.ts). */
export type IndexerComponents = Pick<RoleContext, 'ledger' | 'log' | 'account' | 'append' | 'emitWarning'>

/** The indexer's factory: its init first, its components when the node composes it. */
export function indexer(init: IndexerInit): (components: IndexerComponents) => Indexer {
  return (components) => new Indexer(components, init)
}

/** A component (src/runtime/components.ts): start runs the tick and round timers; stop ends them. */
export class Indexer extends Resource {
  readonly name = 'indexer'
  private readonly ctx: IndexerComponents
  private readonly opts: IndexerInit
  private readonly task: RepeatingTask
  private readonly rounds: RepeatingTask
  /** The last round this node appended (its own record: the view may not show it yet). */
  private lastRound = { epoch: 0, commit: '', index: 0, at: 0 }
  /** When this node first saw fresh requests a round may match (0: none), for the staggering of indexers. */
  private waitingSince = 0
  /** The commitment whose chain this node checked it can open (a check costs roundsPerEpoch + 1 hashes). */
  private checkedChain = { commit: '', ok: false }

  constructor(ctx: IndexerComponents, opts: IndexerInit) {
    super()
    this.ctx = ctx
    this.opts = opts
    this.task = new RepeatingTask(() => this.tick(), {
      intervalMs: opts.epochMs ?? DUE_POLL_MS,
      runImmediately: true,
      log: ctx.log.child('indexer'),
      onError: (err) => ctx.emitWarning(err)
    })
    this.rounds = new RepeatingTask(() => this.round(), {
      intervalMs: MIN_ROUND_MS,
      log: ctx.log.child('indexer-rounds'),
      onError: (err) => ctx.emitWarning(err)
    })
  }

  protected override onopen(): void {
    this.task.start()
    this.rounds.start()
  }

  /** Real time between two rounds of this indexer: its epoch length over roundsPerEpoch, at least MIN_ROUND_MS. */
  roundIntervalMs(meta: Pick<NetworkMeta, 'params'>): number {
    const epochMs = this.opts.epochMs ?? meta.params.epochSeconds * 1000
    return Math.max(MIN_ROUND_MS, Math.floor(epochMs / Math.max(1, meta.params.roundsPerEpoch)))
  }

  /**
   * Runs a matching round when requests wait in the fresh queue, with the next link of this indexer's chain.
   * `upTo` comes from the FINAL view (rounds.ts: a request not yet final may have been written by someone who
   * already read this round's link). Indexers take turns (rotating with the epoch) to run first; the others
   * follow one round interval per place in the turn if the requests still wait, so a silent indexer delays
   * rounds by at most that. A duplicate round (two indexers at once) matches nothing and costs one link.
   */
  async round(): Promise<void> {
    if (!this.ctx.ledger.writable) return
    const kv = this.ctx.ledger.kv
    const meta = await getMeta(kv)
    const me = this.ctx.account
    if (meta === null || meta.epoch < 1 || meta.params.roundsPerEpoch === 0 || !meta.indexers.includes(me)) return
    const now = Date.now()
    const interval = this.roundIntervalMs(meta)
    const waiting = (await getFresh(kv)).entries
    // only what is final may be matched: the queue position the final view has reached
    const upTo = waiting.length === 0 ? 0 : (await this.ctx.ledger.readFinal(getFresh)).next
    if (!waiting.some(([, pos]) => pos < upTo)) {
      this.waitingSince = 0
      // waiting, not final yet: ack now rather than when Autobase's debounced ack timer fires
      if (waiting.length > 0) await this.ctx.ledger.ack()
      return
    }
    if (this.waitingSince === 0) this.waitingSince = now
    // the turn goes round the indexers that hold a chain for this epoch (a newly promoted one has none yet)
    const chained: string[] = []
    let acct: Account | null = null
    for (const id of meta.indexers) {
      const a = await getAccount(kv, id)
      if (a === null || a.commit === '' || a.commitEpoch !== meta.epoch + 1) continue
      chained.push(id)
      if (id === me) acct = a
    }
    if (acct === null) return
    const turn = (chained.indexOf(me) - (meta.epoch % chained.length) + chained.length) % chained.length
    if (now - this.waitingSince < turn * interval || now - this.lastRound.at < interval) return
    const rounds = meta.params.roundsPerEpoch
    const secret = secretFor(this.opts.seed, meta.epoch + 1)
    if (this.checkedChain.commit !== acct.commit) this.checkedChain = { commit: acct.commit, ok: chainCommit(secret, rounds).toString('hex') === acct.commit }
    if (!this.checkedChain.ok) return // a chain it cannot open (seed changed?): its tick warns and withholds
    const chain = await getRoundChain(kv, me)
    let last = chain !== null && chain.epoch === meta.epoch && chain.commit === acct.commit ? chain.index : 0
    if (this.lastRound.epoch === meta.epoch && this.lastRound.commit === acct.commit) last = Math.max(last, this.lastRound.index)
    const index = last + 1
    if (index > rounds) return // every link of this epoch used: the epoch start matches what waits
    this.lastRound = { epoch: meta.epoch, commit: acct.commit, index, at: now }
    this.waitingSince = 0
    try {
      await this.ctx.append({ type: 'round', time: now, epoch: meta.epoch, index, link: chainLink(secret, rounds, index), upTo })
    } catch (err) {
      this.ctx.emitWarning(toError(err))
    }
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
    const rounds = meta.params.roundsPerEpoch
    if (acct.commit !== '' && acct.commitEpoch === target) {
      const secret = secretFor(this.opts.seed, target)
      if (chainCommit(secret, rounds).toString('hex') === acct.commit) reveal = secret
      else this.ctx.emitWarning(new Error(`indexer: cannot open the commitment for epoch ${target} (seed changed?); withholding`))
    }
    try {
      await this.ctx.append({
        type: 'tick',
        time: Date.now(),
        epoch: target,
        tickTime: Math.max(Date.now(), cur?.time ?? 0),
        commit: chainCommit(secretFor(this.opts.seed, target + 1), rounds),
        reveal
      })
    } catch (err) {
      this.ctx.emitWarning(toError(err))
    }
  }

  protected override async onclose(): Promise<void> {
    await this.rounds.stop()
    await this.task.stop()
  }
}
