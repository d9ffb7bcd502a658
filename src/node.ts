// FavorNode: one person's node, a thin composition of components (src/runtime/components.ts) started
// in this order and stopped in reverse:
//   store → ledger → dht → admission → swarm → resources → hoster → publisher → drives → folders → attestor →
//   indexer → ledger-events → tasks → auto-join
// A component that fails to start stops the ones started before it (in reverse) and the start fails
// with its name (ComponentStartError); `close()` stops every started one, logs each failure with the
// component's name, and is safe to call twice. The parts live in their own files: identity
// (src/node/identity.ts), the store, ledger, DHT and swarm (src/node/base.ts), admission over
// favor/join/1 (src/node/admission.ts), the reconcile task (src/node/reconcile.ts), the task scheduler
// and the resource manager (src/node-runtime.ts), the roles (src/roles/). This file wires them and holds
// the user actions (publish, offer, transfer, ...) that wait for the contract's verdict.
// The CLI, the HTTP API, the demo and the tests drive this object only.
//
// Layout of `dataDir`:
//   node.json      identity seed (hex), network key (hex), name — written once, reused on restart
//   store/         the corestore: ledger writer + view cores, hosted cores, the node's own cores
//   indexer.json   (indexer) nothing secret beyond the seed: secrets are derived per epoch from it
//   encryption-keys.json  (0600) block-encryption keys of this node's encrypted cores and drives
//   tasks.json     the task scheduler's queue: mirror, challenge, report and gc tasks (src/node-runtime.ts)
//   challenge-results.json  this epoch's challenge results until its report is appended
import { EventEmitter } from 'node:events'
import { mkdtemp } from 'node:fs/promises'
import path from 'node:path'
import {
  blake2b, randomBytes, type Core, type Dht, type KeyPair, type Store, type Swarm
} from './stack/index.js'
import {
  DEFAULT_INVITE_EPOCHS, INVITE_SECRET_BYTES, inviteHash, currentEpoch, getAccount, getBalance, getMeta, getParams, listAgreements, listRequests, getOffer,
  verifyLive,
  type Agreement, type Balance, type HostingRequest, type Ledger, type LedgerEvent, type LedgerKV, type LedgerStoppedError, type NetworkParams, type Op, type VerifyReport
} from './ledger/index.js'
import { describeError } from './errors.js'
import { makeStatement } from './statement/make.js'
import { Composition, NotStartedError, component, silentLogger, type DiskQuota, type Logger, type QuotaUsage } from './runtime/index.js'
import { NodeRuntime } from './node-runtime.js'
import { ATTEST_RESULTS_FILE } from './roles/attest-results.js'
import type { RoleContext } from './roles/context.js'
import { publisher, PublishError, type Publisher } from './roles/publisher.js'
import type { EncryptionInfo, LocalCoreOptions } from './roles/publisher.js'
import { ENCRYPTION_KEYS_FILE } from './roles/encryption-keys.js'
import { drives, type Drives } from './roles/drives.js'
import { createNodeFolders, FOLDERS_FILE } from './folder/node-hook.js'
import type { NodeFolders } from './folder/node-folders.js'
import type { DriveFile, DriveProgress, PublishedDrive, PublishFolderOptions, ReadDriveOptions } from './roles/drives.js'
import { hoster, type Hoster } from './roles/hoster.js'
import { attestor, type Attestor } from './roles/attestor.js'
import { indexer, type Indexer } from './roles/indexer.js'
import type { ChallengeRecord, MirrorProgress, OfferOptions, PublishOptions } from './roles/types.js'
import { DEFAULT_MAX_RTT_ALLOWANCE_MS } from './protocol/index.js'
import type { JoinStats } from './protocol/join.js'
import { admission, type AdmissionService, type JoinOptions } from './node/admission.js'
import { DhtComponent, LedgerComponent, StoreComponent, SwarmComponent } from './node/base.js'
import { ActionError } from './node/errors.js'
import { loadNodeIdentity, type NodeIdentity } from './node/identity.js'
import { Reconciler } from './node/reconcile.js'
import { OwnOps } from './node/writes.js'
import { trackConnections } from './node/connections.js'
import type { FavorNodeEvents, FavorNodeOptions, NodeStatus, RoleName } from './node/types.js'

export type { ChallengeRecord, MirrorProgress, OfferOptions, PublishOptions } from './roles/types.js'
export type { BootstrapNode } from './stack/index.js'
export { JoinError, JoinRefusedError, JoinTimeoutError, JOIN_PROTOCOL } from './protocol/join.js'
export { PublishError, type PublishErrorCode } from './roles/publisher.js'
export type { JoinErrorCode, JoinReply, JoinReplyCode, JoinStats } from './protocol/join.js'
export type { JoinOptions, JoinProgressEvent, JoinSettings } from './node/admission.js'
export { ActionError, NodeClosedError, NotWritableError } from './node/errors.js'
export type { EpochInfo, FavorNodeEvents, FavorNodeOptions, NodeStatus, RoleName, StorageStatus } from './node/types.js'
export { ComponentStartError } from './runtime/index.js'

/**
 * Entries of the store-wide Hyperbee node/key cache (all bees of the node share it: the ledger view,
 * its apply-time view, Autobase's system bee, and every snapshot). Without a shared cache each bee gets
 * its own rache of 65,536 entries (~0.9 KiB each here): with several bees and the ledger growing by
 * every epoch's ops, retained heap kept rising for hundreds of epochs (docs/reliability.md F2).
 */
const DEFAULT_BEE_CACHE_ENTRIES = 8192
/** How long publish looks for a peer serving a core it does not have. */
const FIND_CORE_TIMEOUT_MS = 15_000

/** The parts that exist once `start()` got past them (the node is returned only after a full start). */
interface Parts {
  store: Store
  ledger: Ledger
  dht: Dht
  swarm: Swarm
  admission: AdmissionService
  publisher: Publisher
  drives: Drives
  /** Shared folders (src/folder): the folders this node is in, their join channel and hosting. */
  folders: NodeFolders
  hoster: Hoster
  attestor: Attestor
  indexer: Indexer
}

export class FavorNode extends EventEmitter<FavorNodeEvents> {
  readonly name: string
  readonly dataDir: string
  readonly nodeKeyPair: KeyPair
  readonly log: Logger
  /** The task scheduler running the node's work and the resource manager owning hosted cores and the quota. */
  readonly runtime: NodeRuntime
  private readonly opts: FavorNodeOptions
  private readonly identity: NodeIdentity
  private readonly components: Composition
  private readonly parts: Partial<Parts> = {}
  private readonly roleSet: Set<RoleName>
  private readonly challenges: ChallengeRecord[] = []
  private readonly reconciler: Reconciler
  /** This node's own ops: appending, waiting to be writable, waiting for the contract's verdict. */
  private readonly own: OwnOps
  private closing: Promise<void> | null = null
  private readonly onLedgerUpdate = (): void => { this.emit('update'); this.kick() }
  private readonly onLedgerEvent = (e: LedgerEvent): void => { this.emit('ledger-event', e) }

  private constructor(opts: FavorNodeOptions, identity: NodeIdentity) {
    super()
    this.opts = opts
    this.identity = identity
    this.name = identity.name
    this.dataDir = opts.dataDir
    this.nodeKeyPair = identity.nodeKeyPair
    this.log = opts.log ?? silentLogger()
    this.components = new Composition(this.log.child('node'))
    this.runtime = new NodeRuntime({
      dataDir: opts.dataDir,
      log: this.log,
      capacityBytes: opts.hoster?.capacityBytes ?? 0,
      pollMs: opts.pollMs ?? 500,
      ...(opts.limits?.transfers !== undefined ? { mirrors: opts.limits.transfers } : {}),
      ...(opts.challenge?.concurrency !== undefined ? { challenges: opts.challenge.concurrency } : {})
    }, (err) => {
      // the scheduler logged it; listeners (the demo, tests) hear of it too
      if (this.listenerCount('warning') > 0) this.emit('warning', err)
    })
    const r = opts.roles ?? {}
    this.roleSet = new Set<RoleName>()
    if (r.publisher !== false) this.roleSet.add('publisher')
    if (r.attestor !== false) this.roleSet.add('attestor')
    if (r.hoster === true || (r.hoster !== false && opts.hoster !== undefined)) this.roleSet.add('hoster')
    this.own = new OwnOps({ ledger: () => this.ledger, log: this.log, closing: () => this.closing !== null })
    this.reconciler = new Reconciler({
      kv: () => this.ledger.kv,
      hoster: { reconcile: (kv: LedgerKV) => this.hoster.reconcile(kv) },
      publisher: { reconcile: (kv: LedgerKV) => this.publisher.reconcile(kv) },
      attestor: () => this.roleSet.has('attestor') ? this.attestor : null,
      emitEpoch: (e) => this.emit('epoch', e),
      closing: () => this.closing !== null,
      schedulePoll: () => { this.runtime.schedulePoll() }
    })
  }

  /**
   * Opens (or creates) a node in `opts.dataDir` and starts its components. A failed start leaves
   * nothing open and throws ComponentStartError naming the component (its `cause`: the component's error).
   */
  static async create(opts: FavorNodeOptions): Promise<FavorNode> {
    const identity = await loadNodeIdentity(opts.dataDir, { name: opts.name, networkKey: opts.networkKey })
    const node = new FavorNode(opts, identity)
    await node.start()
    return node
  }

  /** Same as create: opens an existing node directory (its network key is saved there). */
  static open(opts: FavorNodeOptions): Promise<FavorNode> {
    return FavorNode.create(opts)
  }

  private part<K extends keyof Parts>(name: K): Parts[K] {
    const p = this.parts[name]
    if (p === undefined) throw new NotStartedError(name)
    return p
  }

  get store(): Store { return this.part('store') }
  get ledger(): Ledger { return this.part('ledger') }
  get dht(): Dht { return this.part('dht') }
  get swarm(): Swarm { return this.part('swarm') }
  get publisher(): Publisher { return this.part('publisher') }
  get drives(): Drives { return this.part('drives') }
  get folders(): NodeFolders { return this.part('folders') }
  get hoster(): Hoster { return this.part('hoster') }
  get attestor(): Attestor { return this.part('attestor') }
  get indexer(): Indexer { return this.part('indexer') }
  private get admission(): AdmissionService { return this.part('admission') }

  /** Names of the started components, in start order. */
  get componentNames(): string[] {
    return this.components.names
  }

  /** Starts the components in order (see the top of this file); a failure rolls back what started. */
  private async start(): Promise<void> {
    const opts = this.opts
    const c = this.components
    const log = this.log
    const p = this.parts
    const store = (await c.start(new StoreComponent({ dataDir: opts.dataDir, beeCacheEntries: opts.beeCacheEntries ?? DEFAULT_BEE_CACHE_ENTRIES }))).store
    p.store = store
    const ledgerC = await c.start(new LedgerComponent(
      { dataDir: opts.dataDir, identity: this.identity.file, params: opts.params ?? {}, ackIntervalMs: opts.ackIntervalMs ?? 1000 },
      {
        store,
        log,
        onWarning: (err) => { this.emitWarning(err) },
        onStopped: (err) => { this.onLedgerStopped(err) }
      }
    ))
    const ledger = ledgerC.ledger
    p.ledger = ledger
    const dht = (await c.start(new DhtComponent({ bootstrap: opts.bootstrap, keyPair: this.nodeKeyPair, ...(opts.host !== undefined ? { host: opts.host } : {}) }))).dht
    p.dht = dht
    const adm = await c.start(admission({ join: opts.join, autoJoin: !ledgerC.created && opts.autoJoin !== false })({
      ledger,
      log,
      append: (op) => this.appendOp(op),
      waitWritable: (ms) => this.waitWritable(ms),
      emitJoin: (e) => this.emit('join', e),
      emitWarning: (err) => { this.emitWarning(err) },
      nodeClosing: () => this.closing !== null
    }))
    p.admission = adm
    p.swarm = (await c.start(new SwarmComponent(
      { keyPair: this.identity.swarmKeyPair, topic: ledger.discoveryKey, ...(opts.limits?.connections !== undefined ? { maxPeers: opts.limits.connections } : {}) },
      // The join channel must be paired synchronously in the connection handler (protomux rejects a
      // channel the remote opens before anyone paired it).
      { dht, store, log, onConnection: (conn) => { adm.attach(conn); this.parts.folders?.onConnection(conn) } }
    ))).swarm
    // the roles give their cores back when they stop; whatever is left is closed here, after them
    // (it also owns the swarm's connections from here on: kind `conn`, src/node/connections.ts)
    let untrack: (() => void) | null = null
    await c.start(component('resources', {
      start: () => { untrack = trackConnections(p.swarm as Swarm, this.runtime.resources, log) },
      stop: async () => {
        untrack?.()
        await this.runtime.closeResources()
      }
    }))
    const ctx = this.roleContext()
    p.hoster = await c.start(hoster({
      ...(opts.hoster ? { autoOffer: opts.hoster } : {}),
      gcGraceMs: opts.hoster?.gcGraceMs ?? 5000,
      ...(opts.testing?.responder ? { responderTesting: opts.testing.responder } : {})
    })(ctx))
    p.publisher = await c.start(publisher({ keysPath: path.join(opts.dataDir, ENCRYPTION_KEYS_FILE) })(ctx))
    p.drives = await c.start(drives()({ ...ctx, publisher: p.publisher }))
    const folders = createNodeFolders({
      store, swarm: p.swarm, ledger, publisher: p.publisher, registryPath: path.join(opts.dataDir, FOLDERS_FILE),
      warn: (err) => { log.warn('folders: a shared folder failed', { component: 'folders', ...describeError(err) }) }
    })
    await c.start(component('folders', {
      start: async () => {
        await folders.start()
        // connections made before the folders started carry their join channel from now on
        for (const conn of p.swarm?.connections ?? []) folders.onConnection(conn)
        p.folders = folders
      },
      stop: () => folders.close()
    }))
    p.attestor = await c.start(attestor({
      resultsPath: path.join(opts.dataDir, ATTEST_RESULTS_FILE),
      deadlineMs: opts.challenge?.deadlineMs ?? 1000,
      connectTimeoutMs: opts.challenge?.connectTimeoutMs ?? 2000,
      maxRttAllowanceMs: opts.challenge?.maxRttAllowanceMs ?? DEFAULT_MAX_RTT_ALLOWANCE_MS,
      ...(opts.challenge?.hardTimeoutMs !== undefined ? { hardTimeoutMs: opts.challenge.hardTimeoutMs } : {})
    })(ctx))
    // Every node runs the indexer role: the contract promotes members to keep an odd indexer set, and a
    // promoted node that never ticked would count as silent (two silent of three halt epochs until the
    // contract removes them, which needs epochs). It ticks only while the ledger lists it as an indexer.
    p.indexer = await c.start(indexer({
      ...(opts.epochMs !== undefined ? { epochMs: opts.epochMs } : {}),
      seed: blake2b([Buffer.from('favor/indexer/seed'), this.identity.seed])
    })(ctx))
    await c.start(component('ledger-events', {
      start: () => {
        ledger.on('update', this.onLedgerUpdate)
        ledger.on('event', this.onLedgerEvent)
      },
      stop: () => {
        ledger.off('update', this.onLedgerUpdate)
        ledger.off('event', this.onLedgerEvent)
      }
    }))
    const hosterRole = p.hoster
    const attestorRole = p.attestor
    this.runtime.register({
      reconcile: () => this.reconciler.run(),
      mirror: (payload, signal) => hosterRole.mirror(payload, signal),
      challenge: (payload, signal) => attestorRole.challenge(payload, signal),
      report: (payload, signal) => attestorRole.report(payload, signal),
      gc: (payload) => hosterRole.gc(payload)
    })
    // tasks left unfinished at the last stop (even a kill -9) resume from here; running tasks are
    // aborted at the stop and stay in tasks.json for the next start
    await c.start(component('tasks', {
      start: async () => {
        await this.runtime.open()
        this.kick()
      },
      stop: () => this.runtime.closeTasks()
    }))
    await c.start(adm.autoJoin())
  }

  /** What every role gets from the node (src/roles/context.ts). */
  private roleContext(): RoleContext {
    return {
      ledger: this.ledger,
      store: this.store,
      swarm: this.swarm,
      dht: this.dht,
      nodeKeyPair: this.nodeKeyPair,
      resources: this.runtime.resources,
      tasks: this.runtime.tasks,
      log: this.log,
      account: this.ledger.account,
      append: (op) => this.appendOp(op),
      emitWarning: (err) => { this.emitWarning(err) },
      emitChallenge: (rec) => {
        this.challenges.push(rec)
        if (this.challenges.length > 500) this.challenges.splice(0, this.challenges.length - 500)
        this.emit('challenge', rec)
      },
      emitMirrorProgress: (mp) => this.emit('mirror-progress', mp),
      emitLedgerEvent: (e) => this.emit('ledger-event', e),
      kick: () => { this.kick() }
    }
  }

  private onLedgerStopped(err: LedgerStoppedError): void {
    this.log.error('ledger stopped', { component: 'ledger', ...describeError(err) })
    this.emit('stopped', err)
  }

  // --- identity -------------------------------------------------------------------------------

  /** This node's account on the ledger (its writer key, hex). */
  get account(): string {
    return this.ledger.account
  }

  get networkKey(): string {
    return this.ledger.key.toString('hex')
  }

  /** The DHT public key this node's challenge responder listens on (hex). */
  get nodeKey(): string {
    return this.nodeKeyPair.publicKey.toString('hex')
  }

  get writable(): boolean {
    return this.ledger.writable
  }

  /** The roles this node plays now: its configured ones, and `indexer` while the ledger lists it as one. */
  get roles(): RoleName[] {
    return this.ledger.isIndexer ? [...this.roleSet, 'indexer'] : [...this.roleSet]
  }

  get closed(): boolean {
    return this.closing !== null
  }

  /** The disk quota (owned by the runtime's resource manager). */
  get quota(): DiskQuota {
    return this.runtime.resources.quota
  }

  // --- status ---------------------------------------------------------------------------------

  async status(): Promise<NodeStatus> {
    const kv = this.ledger.kv
    const usage: QuotaUsage = this.quota.usage()
    const acct = await getAccount(kv, this.account)
    return {
      name: this.name,
      account: this.account,
      nodeKey: this.nodeKey,
      networkKey: this.networkKey,
      roles: this.roles,
      epoch: await currentEpoch(kv),
      writable: this.ledger.writable,
      indexer: acct?.indexer ?? false,
      peers: this.swarm.connections.size,
      storage: { capacityBytes: usage.capacityBytes, reservedBytes: usage.reservedBytes, usedBytes: usage.usedBytes, freeBytes: usage.freeBytes },
      mirrors: this.hoster.mirrors(),
      balance: await getBalance(kv, this.account),
      offer: await getOffer(kv, this.account),
      ledger: { version: this.ledger.view.version, finalVersion: this.ledger.finalVersion, repairs: this.ledger.repairs, diverged: this.ledger.diverged },
      stopped: this.ledger.stopped === null ? null : { code: this.ledger.stopped.code, message: this.ledger.stopped.message, upgradeRequired: this.ledger.stopped.upgradeRequired },
      runtime: this.runtime.status()
    }
  }

  /** The ledger view as it is now (for the read-only queries of src/ledger/queries.ts). */
  view(): LedgerKV {
    return this.ledger.kv
  }

  async epoch(): Promise<number> {
    return currentEpoch(this.ledger.kv)
  }

  async params(): Promise<NetworkParams | null> {
    return getParams(this.ledger.kv)
  }

  async balance(account: string = this.account): Promise<Balance | null> {
    return getBalance(this.ledger.kv, account)
  }

  async agreements(filter: { mine?: boolean } = {}): Promise<Agreement[]> {
    const all = await listAgreements(this.ledger.kv)
    return filter.mine === true ? all.filter((a) => a.hoster === this.account || a.publisher === this.account) : all
  }

  async requests(filter: { mine?: boolean } = {}): Promise<HostingRequest[]> {
    return listRequests(this.ledger.kv, filter.mine === true ? { publisher: this.account } : {})
  }

  /** Mirroring state of every core this node hosts. */
  mirrors(): MirrorProgress[] {
    return this.hoster.mirrors()
  }

  /** Latest challenges this node ran as an attestor (oldest first, at most 500). */
  recentChallenges(): ChallengeRecord[] {
    return [...this.challenges]
  }

  // --- actions --------------------------------------------------------------------------------

  /**
   * Hosting request for a core this node can read (its own or one it knows by key). A core this node
   * does not have is looked for first (bounded): NOT_FOUND when no peer serves it, INVALID_ARGUMENT
   * when the peers that do have no block of it.
   */
  async publish(coreKey: string | Uint8Array, opts: PublishOptions): Promise<{ requestId: number }> {
    const key = typeof coreKey === 'string' ? Buffer.from(coreKey, 'hex') : Buffer.from(coreKey)
    await this.findCore(key, opts.findTimeoutMs ?? FIND_CORE_TIMEOUT_MS)
    return this.publisher.publish(key, opts)
  }

  /** Waits until a peer serves `key` with at least one block (a local non-empty core at once). */
  private async findCore(key: Buffer, timeoutMs: number): Promise<void> {
    if (key.byteLength !== 32) throw new ActionError('INVALID_ARGUMENT', 'a core key is 32 bytes')
    const hex = key.toString('hex')
    const core = this.store.get({ key })
    try {
      await core.ready()
      if (core.writable || core.length > 0) return
      const deadline = Date.now() + timeoutMs
      this.swarm.join(core.discoveryKey, { server: true, client: true })
      let sawPeer = false
      while (Date.now() < deadline && this.closing === null) {
        if (core.peers.length > 0) {
          sawPeer = true
          await core.update({ wait: true })
          if (core.length > 0) return
        }
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      if (!sawPeer) await this.swarm.leave(core.discoveryKey).catch((err: unknown) => { this.logFailure('publish', `leaving the topic of core ${hex}`, err, 'debug') })
      throw sawPeer
        ? new ActionError('INVALID_ARGUMENT', `core ${hex} is empty: the peers serving it have no block of it (nothing to publish)`)
        : new ActionError('NOT_FOUND', `no peer serves this key (core ${hex}) within ${Math.round(timeoutMs / 1000)} s: keep its writer (or a node that has it) online, or publish from that node`)
    } finally {
      await core.close().catch((err: unknown) => { this.logFailure('publish', `closing the session of core ${hex}`, err, 'debug') })
    }
  }

  /**
   * Length and byte length of a core (local at once; remote when a peer tells its signed length within
   * `timeoutMs`, else null). The API uses it to refuse a pin the publisher cannot pay for (409).
   */
  coreInfo(coreKeyHex: string, timeoutMs = 3000): Promise<{ length: number; byteLength: number } | null> {
    if (!/^[0-9a-f]{64}$/i.test(coreKeyHex)) return Promise.reject(new PublishError('INVALID_ARGUMENT', `not a 32-byte hex core key: ${coreKeyHex}`))
    return this.publisher.coreInfo(Buffer.from(coreKeyHex, 'hex'), timeoutMs)
  }

  /** Announces a local core (serves it while online) and publishes it. */
  publishCore(core: Core, opts: PublishOptions): Promise<{ requestId: number }> {
    return this.publisher.publishCore(core, opts)
  }

  /** Imports a folder (or a file) into a drive of this node and publishes all its cores as one request. */
  async publishFolder(path: string, opts: PublishFolderOptions): Promise<PublishedDrive> {
    await this.own.requireWritable()
    return this.drives.publishFolder(path, opts)
  }

  /** Downloads a drive from the network into a new (or empty) folder. */
  getDrive(driveKey: string, out: string, opts: ReadDriveOptions & { onProgress?: (p: DriveProgress) => void } = {}): Promise<{ version: number; files: number; bytes: number }> {
    return this.drives.getDrive(driveKey, out, opts)
  }

  /** The files of a drive found on the network. */
  listDrive(driveKey: string, opts: ReadDriveOptions = {}): Promise<{ version: number; files: DriveFile[] }> {
    return this.drives.listDrive(driveKey, opts)
  }

  /** A writable core of this node's own, by name (created on first use; `encrypt`: see LocalCoreOptions). */
  async localCore(name: string, opts: LocalCoreOptions = {}): Promise<Core> {
    return this.publisher.localCore(name, opts)
  }

  /** An encrypted core or drive of this node: its key the first time (shown once), else where it is kept. */
  revealKey(coreKey: string, reveal = true): Promise<EncryptionInfo> {
    return this.publisher.revealKey(coreKey.toLowerCase(), reveal)
  }

  /** Cancels a hosting request of this node; resolves once the contract accepted it. */
  async cancel(requestId: number): Promise<void> {
    await this.own.requireWritable()
    await this.own.confirmOwn('cancel', () => this.appendOp({ type: 'cancel', time: Date.now(), requestId }))
  }

  /** Offers storage; resolves once the contract accepted the offer (ActionError otherwise). */
  async offer(opts: OfferOptions): Promise<void> {
    if (!Number.isSafeInteger(opts.capacityBytes) || opts.capacityBytes <= 0) {
      throw new ActionError('INVALID_ARGUMENT', `capacity must be more than 0 bytes, got ${opts.capacityBytes} (to stop hosting: favor withdraw)`)
    }
    await this.own.confirmOwn('offer', () => this.hoster.offer(opts))
    this.roleSet.add('hoster')
  }

  /** Withdraws this node's offer; refused at once when it has none. */
  async withdraw(): Promise<void> {
    await this.own.requireWritable()
    const offer = await getOffer(this.ledger.kv, this.account)
    if (offer === null || offer.withdrawn) throw new ActionError('REFUSED', 'this node has no offer to withdraw (offer storage first: favor offer --capacity 10GiB)')
    await this.own.confirmOwn('withdraw', () => this.appendOp({ type: 'withdraw', time: Date.now() }))
  }

  async transfer(toHex: string, amount: bigint): Promise<void> {
    await this.own.checkPeerAccount(toHex, 'transfer favor to')
    await this.own.confirmOwn('transfer', () => this.appendOp({ type: 'transfer', time: Date.now(), to: Buffer.from(toHex, 'hex'), amount }))
  }

  async sponsor(toHex: string, amount: bigint): Promise<void> {
    await this.own.checkPeerAccount(toHex, 'sponsor')
    await this.own.confirmOwn('sponsor', () => this.appendOp({ type: 'sponsor', time: Date.now(), to: Buffer.from(toHex, 'hex'), amount }))
  }

  /** Sets the unused part of this node's sponsor line for `toHex` to exactly `limit` (0 closes it). */
  async setLimit(toHex: string, limit: bigint): Promise<void> {
    if (limit < 0n) throw new ActionError('INVALID_ARGUMENT', 'a limit cannot be negative')
    await this.own.checkPeerAccount(toHex, 'set a sponsor limit for')
    await this.own.confirmOwn('set-limit', () => this.appendOp({ type: 'set-limit', time: Date.now(), to: Buffer.from(toHex, 'hex'), limit }))
  }

  /** Admits a writer (its account = writer key hex) per the network's admission policy. */
  admit(writerKeyHex: string, opts: { indexer?: boolean } = {}): Promise<void> {
    return this.admission.admit(writerKeyHex, opts)
  }

  /**
   * Asks a writer to admit this node over `favor/join/1` (DESIGN §3) and resolves once this node can
   * append to the ledger. Resolves at once when it already can. Throws JoinRefusedError (`reason` =
   * the refusal code, e.g. INVITE_REQUIRED) when every reachable writer refused for good, or
   * JoinTimeoutError when not writable in time. Progress: the `join` event.
   */
  join(opts: JoinOptions = {}): Promise<void> {
    return this.admission.join(opts)
  }

  /** A single-use invite token (hex) this node accepts from a joiner (`join({ invite })`). */
  createInvite(): string {
    return this.admission.createInvite()
  }

  /**
   * A single-use ledger invite (`favor network invite`): this node's account vouches for whoever presents
   * the returned code over favor/join/1 (`favor network join <key> --invite CODE`) and escrows `creditMicro`
   * of its transferable balance as the newcomer's starting line at redemption. Resolves once the contract
   * accepted it (ActionError LEDGER_REFUSED with the RejectCode otherwise).
   */
  async inviteMember(opts: { creditMicro?: bigint; expiresEpochs?: number } = {}): Promise<{ code: string; expiresEpoch: number; creditMicro: bigint }> {
    await this.own.requireWritable()
    const credit = opts.creditMicro ?? 0n
    const epochs = opts.expiresEpochs ?? DEFAULT_INVITE_EPOCHS
    if (credit < 0n) throw new ActionError('INVALID_ARGUMENT', 'an invite credit cannot be negative')
    if (!Number.isSafeInteger(epochs) || epochs < 1) throw new ActionError('INVALID_ARGUMENT', `an invite expires after at least 1 epoch, got ${epochs}`)
    const meta = await getMeta(this.ledger.kv)
    const expiresEpoch = (meta?.epoch ?? 0) + epochs
    const secret = randomBytes(INVITE_SECRET_BYTES)
    await this.own.confirmOwn('invite', () => this.appendOp({ type: 'invite', time: Date.now(), hash: inviteHash(secret), credit, expiresEpoch }))
    return { code: secret.toString('hex'), expiresEpoch, creditMicro: credit }
  }

  /** Counters of the `favor/join/1` service (requests answered, refused, violations, ...). */
  joinStats(): JoinStats {
    return this.admission.stats()
  }

  /** Replays the writers' logs from scratch and compares with this node's final state. */
  /**
   * A balance statement (the file's bytes) for `account` (default: this node's) at the latest ledger
   * version the indexers signed; anyone verifies it offline with the network key (src/statement).
   */
  statement(account: string = this.account): Promise<Buffer> {
    return makeStatement(this.ledger, account)
  }

  async verifyLedger(timeoutMs?: number): Promise<VerifyReport> {
    const scratch = await mkdtemp(path.join(this.dataDir, 'verify-'))
    const log = this.log.child('verify')
    let lastStage = ''
    return verifyLive(this.ledger, this.store, scratch, timeoutMs, (p) => {
      // one line per stage change and per writer log fetched (not per replay step)
      const key = `${p.stage}:${p.writersDone}`
      if (key === lastStage) return
      lastStage = key
      log.info(p.stage === 'fetch' ? 'fetching writer logs' : 'replaying', { writers: p.writers, writersDone: p.writersDone, blocks: p.blocks, blocksTotal: p.blocksTotal })
    })
  }

  /**
   * Demo/test hook: drop the whole local copy of a hosted core (or only the given even block indices)
   * and stop mirroring it (a cheater).
   */
  async dropCopy(coreKeyHex: string, indices?: readonly number[]): Promise<boolean> {
    return this.hoster.dropCopy(coreKeyHex, indices)
  }

  /** Appends ops (throws NotWritableError before admission). */
  appendOp(op: Op | Op[]): Promise<void> {
    return this.own.append(op)
  }

  /** Resolves when this node may append to the ledger (after a writer admitted it). */
  waitWritable(timeoutMs = 30_000): Promise<void> {
    return this.own.waitWritable(timeoutMs)
  }

  /** Network meta (admin, indexers, params, epoch). */
  async meta(): Promise<Awaited<ReturnType<typeof getMeta>>> {
    return getMeta(this.ledger.kv)
  }

  // --- internals ------------------------------------------------------------------------------


  private emitWarning(err: Error): void {
    // the code and the chain of causes, not only the outer message
    this.log.warn(err.message, describeError(err))
    if (this.listenerCount('warning') > 0) this.emit('warning', err)
  }

  /** Logs a failure that does not stop what the node is doing, with the component and the step. */
  private logFailure(component: string, doing: string, err: unknown, level: 'debug' | 'warn' = 'warn'): void {
    this.log[level](`${component}: ${doing} failed`, { component, ...describeError(err) })
  }

  /** Runs the roles' reconcile soon: a `reconcile` task (coalesced; never two at once). */
  kick(): void {
    if (this.closing !== null) return
    this.runtime.kick()
  }

  /**
   * Stops the components in reverse start order (auto-join → tasks → ... → swarm → dht → ledger → store):
   * each failure is logged with the component's name and closing goes on. Safe to call twice.
   */
  close(): Promise<void> {
    this.closing ??= this.components.stop()
    return this.closing
  }
}
