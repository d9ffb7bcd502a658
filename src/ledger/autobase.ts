// The Favor contract bound to an Autobase: every member appends binary ops to its writer core,
// Autobase linearises them, and `apply` (the same pure contract the simulator runs) writes the state
// into a Hyperbee view. What the indexers signed, and this node's view matches block for block, is
// final (see `finalVersion` and the README's "Finality").
import { EventEmitter } from 'node:events'
import {
  openAutobase, type ApplyHost, type ApplyNode, type Base, type Bee, type Store, type ViewInfo
} from '../stack/index.js'
import { encodeOp } from './codec.js'
import { apply, type ApplyResult } from './contract.js'
import type { LedgerEvent } from './events.js'
import type { LedgerKV } from './kv.js'
import type { Op } from './ops.js'
import { BeeBatchKV, BeeReadKV, beeDigest } from './bee-kv.js'
import { ContractVersionError, LedgerError, StoreError } from './errors.js'
import { RejectCode } from './errors.js'
import { SignedViewCheck } from './signed-view.js'

/**
 * This node stopped applying the ledger: the contract version in force is unknown to its code
 * (`cause` a ContractVersionError: upgrade Favor), or its store failed under apply (`cause` a
 * StoreError). The view stays at the last op applied before; appends are refused.
 */
export class LedgerStoppedError extends LedgerError {
  readonly upgradeRequired: boolean
  constructor(cause: ContractVersionError | StoreError) {
    super(cause instanceof ContractVersionError ? 'E_UPGRADE_REQUIRED' : 'E_LEDGER_STORE', `this node stopped applying the ledger: ${cause.message}`, { cause })
    this.upgradeRequired = cause instanceof ContractVersionError
  }
}

/** Default ms between indexer acks. Autobase's own default is 10 s, too slow for epochs of seconds. */
export const DEFAULT_ACK_INTERVAL_MS = 1000

/** Least ms between two repairs of a view that differs from the signed one (a repair fast-forwards). */
export const REPAIR_INTERVAL_MS = 2000

export interface LedgerOptions {
  store: Store
  /** The network's key (the bootstrap writer's Autobase key); null creates a new network. */
  bootstrap: Uint8Array | null
  ackIntervalMs?: number
  /** False replays every op from the writers' logs instead of fast-forwarding to a peer's view. */
  fastForward?: boolean
  /**
   * Repair a view that differs from the indexers' signed one by a forced fast-forward (default: as
   * `fastForward`). A replay that checks the signed state (`favor ledger verify`) must not.
   */
  repair?: boolean
  /**
   * Contract versions this node applies (default: this code's KNOWN_CONTRACT_VERSIONS). Tests set it to
   * stand in for a node running newer code next to nodes that stop at its version.
   */
  knownContractVersions?: readonly number[]
  /**
   * The contract (default: `apply`, this code's). Tests substitute one that deviates to exercise what a
   * node does when its state differs from the indexers' (the divergence repair).
   */
  contract?: typeof apply
}

export interface AppliedInfo {
  opId: string
  writer: string
  result: ApplyResult
}

export interface LedgerEvents {
  /** After each op apply ran (optimistic: a reorder may apply it again; the view is the truth). */
  applied: [AppliedInfo]
  /** Contract events of accepted ops (same caveat). */
  event: [LedgerEvent]
  /** The view changed. */
  update: []
  /** Something failed outside the contract (e.g. a membership change Autobase refused). */
  warning: [Error]
  /** Autobase jumped this node's view to a peer's signed view (it then lacks older writer blocks). */
  'fast-forward': []
  /** Apply stopped for good (an unknown contract version: upgrade Favor; or a store failure). */
  stopped: [LedgerStoppedError]
  /**
   * This node's view differs from the indexers' signed view at `signedLength` (it applied another
   * state than they did); a repair (a forced fast-forward to the signed state) follows.
   */
  diverged: [{ signedLength: number; localLength: number }]
}

export interface StateDigest {
  /** Hyperbee version of the view the digest was taken at. */
  version: number
  digest: string
}

export class Ledger extends EventEmitter<LedgerEvents> {
  readonly base: Base
  /** How many times this node's view fast-forwarded since it was opened. */
  fastForwards = 0
  /** How many times a view that differed from the signed one was repaired since it was opened. */
  repairs = 0
  private readonly signedCheck: SignedViewCheck
  private lastRepairAt = 0
  private readonly repairEnabled: boolean
  private readonly contract: typeof apply
  /** Set when apply stopped (unknown contract version, store failure); the view stays where it was. */
  stopped: LedgerStoppedError | null = null
  private closing: Promise<void> | null = null
  private readonly knownVersions: readonly number[] | undefined
  /** The view's length at the system's indexed length, for the view core it was read for. */
  private indexed: { key: Buffer; length: number } | null = null
  /** The latest read of it (awaited by `update`). */
  private indexedRead: Promise<void> = Promise.resolve()

  private constructor(opts: LedgerOptions) {
    super()
    this.knownVersions = opts.knownContractVersions
    this.repairEnabled = opts.repair ?? opts.fastForward ?? true
    this.contract = opts.contract ?? apply
    this.base = openAutobase(opts.store, opts.bootstrap, {
      apply: (nodes, view, host) => this.applyBatch(nodes, view, host),
      ackInterval: opts.ackIntervalMs ?? DEFAULT_ACK_INTERVAL_MS,
      fastForward: opts.fastForward ?? true
    })
    this.signedCheck = new SignedViewCheck(this.base, () => this.indexedVersion, (signedLength) => { this.onDiverged(signedLength) }, (err) => {
      this.emit('warning', err instanceof Error ? err : new Error(String(err)))
    })
    this.base.on('update', () => {
      this.readIndexed()
      void this.signedCheck.check()
      this.emit('update')
    })
    this.base.on('fast-forward', () => {
      this.fastForwards++
      void this.signedCheck.check()
      this.emit('fast-forward')
    })
    this.base.on('error', (err: Error) => this.emit('warning', err))
    this.base.on('interrupt', () => { this.checkStopped() })
  }

  /** Records (once) and emits that apply was interrupted; returns the error when it was. */
  private checkStopped(): LedgerStoppedError | null {
    if (this.stopped !== null) return this.stopped
    const reason = this.base.interrupted
    if (!(reason instanceof ContractVersionError || reason instanceof StoreError)) return null
    this.stopped = new LedgerStoppedError(reason)
    this.emit('stopped', this.stopped)
    return this.stopped
  }

  /** Appends, and names the stop when this node's own apply of the appended ops stopped it. */
  private async appendBlocks(blocks: Buffer | Buffer[]): Promise<void> {
    const stopped = this.checkStopped()
    if (stopped !== null) throw stopped
    try {
      await this.base.append(blocks)
    } catch (err) {
      // this node's own apply of the blocks stopped it: Autobase writes local blocks only after apply,
      // so they never reached its log (nobody else sees them)
      throw this.checkStopped() ?? err
    }
  }

  static async open(opts: LedgerOptions): Promise<Ledger> {
    const ledger = new Ledger(opts)
    try {
      await ledger.base.ready()
      // what this node had indexed before (no peers yet: nothing else can start an apply here)
      await ledger.base.update()
      ledger.readIndexed()
      await ledger.indexedRead
    } catch (err) {
      await ledger.close()
      throw err
    }
    return ledger
  }

  /**
   * Reads the view's length at the system's indexed length. Called where no apply is mid-flush (the
   * `update` event; at open, right after `update()` and before any peer): when the system ends at the
   * indexed length its in-memory state is that point, read at once (a flush changes it in place);
   * otherwise the system's stored entry at the indexed length, which nothing rewrites.
   */
  private readIndexed(): void {
    const sys = this.base.system
    if (sys === null) return
    if (sys.core.length === this.base.indexedLength) {
      this.noteIndexed(sys.views)
      return
    }
    this.indexedRead = this.base.getIndexedInfo().then((info) => { this.noteIndexed(info?.views ?? []) }, (err: unknown) => {
      // a read racing close or a fast-forward; the next update reads again
      if (!this.base.closed) this.emit('warning', err instanceof Error ? err : new Error(String(err)))
    })
  }

  private noteIndexed(views: readonly ViewInfo[]): void {
    const key = this.base.view.core.key
    const view = views.find((v) => v.key.equals(key))
    if (view === undefined) return
    // reads may settle out of order (a stored entry after a later in-memory one): keep the highest
    if (this.indexed === null || !this.indexed.key.equals(key) || view.length > this.indexed.length) this.indexed = { key: Buffer.from(key), length: view.length }
  }

  /** The network key: share it so others can join. */
  get key(): Buffer {
    return this.base.key
  }

  get discoveryKey(): Buffer {
    return this.base.discoveryKey
  }

  /** This node's writer core key = its account id on the ledger. */
  get writerKey(): Buffer {
    return this.base.local.key
  }

  get account(): string {
    return this.writerKey.toString('hex')
  }

  get writable(): boolean {
    return this.base.writable
  }

  get isIndexer(): boolean {
    return this.base.isIndexer
  }

  get view(): Bee {
    return this.base.view
  }

  /** The latest (possibly not yet final) state, read-only. */
  get kv(): LedgerKV {
    return new BeeReadKV(this.base.view)
  }

  /**
   * Version of the view the indexers have made final here: the longest prefix of this node's view
   * that is, block for block, what the indexers signed. That is the view session's signed length, or
   * the signed head replication brought into the view core when this node's tree hash at its length
   * is the same (Autobase does not always commit the indexers' signatures into its own view session:
   * src/ledger/README.md, "Finality"). Never past the signed state: a node that applied another state
   * than the indexers stops here until it is repaired.
   */
  get finalVersion(): number {
    const core = this.base.view.core
    return Math.min(core.length, Math.max(core.signedLength, this.signedCheck.state.verified))
  }

  /** True while this node's view is known to differ from the indexers' signed view (until repaired). */
  get diverged(): boolean {
    return this.signedCheck.state.divergedAt !== null
  }

  /**
   * Version of the view at the system's indexed length: the prefix this node's reading of the indexers'
   * acks has ordered for good. Runs about one ack round ahead of `finalVersion`, and is only as good as
   * this node's own apply: a replay (`favor ledger verify`) waits on it, then compares with a node's
   * final state.
   */
  get indexedVersion(): number {
    const core = this.base.view.core
    const indexed = this.indexed !== null && this.indexed.key.equals(core.key) ? this.indexed.length : 0
    return Math.min(core.length, Math.max(core.signedLength, indexed))
  }

  /** This node's view differs from the signed one: say so, and repair (at most every REPAIR_INTERVAL_MS). */
  private onDiverged(signedLength: number): void {
    const localLength = this.base.view.core.length
    this.emit('diverged', { signedLength, localLength })
    const now = Date.now()
    if (!this.repairEnabled || this.closing !== null || now - this.lastRepairAt < REPAIR_INTERVAL_MS) return
    this.lastRepairAt = now
    this.repairs++
    this.emit('warning', new LedgerError('E_VIEW_DIVERGED', `this node's ledger view differs from the indexers' signed view at version ${signedLength} (its own is ${localLength} long): repairing it from the signed state (repair ${this.repairs})`))
    this.base.forceFastForward().catch((err: unknown) => {
      if (this.closing === null) this.emit('warning', new LedgerError('E_VIEW_REPAIR', `repairing the ledger view failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err }))
    })
  }

  /** Runs `fn` over a snapshot of the final state (never reordered). */
  async readFinal<T>(fn: (kv: LedgerKV) => Promise<T>): Promise<T> {
    const snap = this.base.view.checkout(Math.max(1, this.finalVersion))
    try {
      return await fn(new BeeReadKV(snap))
    } finally {
      await snap.close()
    }
  }

  async append(ops: Op | Op[]): Promise<void> {
    // (encodeOp never yields an empty buffer; see appendRaw for why that matters.)
    const list = Array.isArray(ops) ? ops : [ops]
    if (list.length === 0) return
    await this.appendBlocks(list.map((op) => encodeOp(op)))
  }

  /** Appends raw bytes as an op (the contract will reject what does not decode). Empty ops are refused. */
  async appendRaw(bytes: Buffer): Promise<void> {
    if (bytes.byteLength === 0) throw new RangeError('an op cannot be empty (Autobase would treat it as an ack on other nodes)')
    await this.appendBlocks(bytes)
  }

  /** Applies what peers sent; `finalVersion` reflects it when this resolves. */
  async update(): Promise<void> {
    await this.base.update()
    await this.indexedRead
    await this.signedCheck.check()
  }

  /**
   * An indexer's ack now, when it has something to ack (Autobase's ack timer restarts on every update, so
   * on a busy ledger finality can lag by seconds): the indexer role calls it while requests wait for a
   * matching round that may only take what is final. Does nothing on a node that is not an indexer.
   */
  ack(): Promise<void> {
    return this.base.ack()
  }

  /** Digest of the view at `version` (default: the latest). */
  async digest(version?: number): Promise<StateDigest> {
    const v = version ?? this.base.view.version
    const snap = this.base.view.checkout(Math.max(1, v))
    try {
      return { version: v, digest: (await beeDigest(snap)).toString('hex') }
    } finally {
      await snap.close()
    }
  }

  /** Closes the Autobase (not the store, which the caller owns). Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.signedCheck.close()
      await this.base.close()
    })()
    return this.closing
  }

  private async applyBatch(nodes: ApplyNode[], view: Bee, host: ApplyHost): Promise<void> {
    const batch = view.batch()
    const kv = new BeeBatchKV(batch)
    for (const node of nodes) {
      // An ack. An empty value counts as one too: Autobase hands it to the author's own apply as an
      // empty buffer but to every other node as null, so applying it would split the views.
      if (node.value === null || node.value.byteLength === 0) continue
      const writer = node.from.key.toString('hex')
      const opId = `${writer}:${node.length - 1}`
      let result: ApplyResult
      try {
        result = await this.contract(kv, node.value, { writerKey: node.from.key, opId, ...(this.knownVersions ? { knownVersions: this.knownVersions } : {}) })
      } catch (err) {
        // Not the op's fault: this code cannot apply the contract in force, or the store failed. Stop:
        // this call's writes are never flushed, so the view stays at the last op applied before.
        if (err instanceof ContractVersionError || err instanceof StoreError) host.interrupt(err)
        throw err
      }
      if (!result.ok && result.code === RejectCode.INTERNAL) {
        // the same on every node (recorded with a fixed reason); the cause is for this node's log
        this.emit('warning', new LedgerError('E_APPLY_INTERNAL', `op ${opId} was refused as INTERNAL (a contract bug or a corrupt record)`, { cause: result.cause }))
      }
      if (result.ok) {
        for (const change of result.effects.membership) {
          try {
            if ('addWriter' in change) await host.addWriter(change.addWriter, { indexer: change.indexer })
            else await host.removeWriter(change.removeWriter)
          } catch (err) {
            // Deterministic on every node (same state, same call); record it, never break apply.
            this.emit('warning', err instanceof Error ? err : new Error(String(err)))
          }
        }
      }
      this.emit('applied', { opId, writer, result })
      if (result.ok) for (const event of result.effects.events) this.emit('event', event)
    }
    await batch.flush()
  }
}
