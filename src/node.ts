// FavorNode: one person's node. Composes the ledger (Autobase), one corestore, one DHT node + one
// hyperswarm on loopback-capable options, and the four roles (publisher, hoster, attestor, indexer).
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
import { mkdir, mkdtemp } from 'node:fs/promises'
import path from 'node:path'
import {
  blake2b, createDht, createSwarm, keyPair, openStore, randomBytes, readyStore,
  type BootstrapNode, type Connection, type Core, type Dht, type KeyPair, type Store, type Swarm
} from './stack/index.js'
import {
  Admission, DEFAULT_INVITE_EPOCHS, INVITE_SECRET_BYTES, getInvite, inviteHash, Ledger, LedgerStoppedError, RejectCode, currentEpoch, defaultParams, getAccount, getEpoch, getBalance, getMeta, getParams, listAgreements, listRequests, getOffer,
  verifyLive,
  type Agreement, type AppliedInfo, type Balance, type HostingRequest, type LedgerEvent, type NetworkParams, type Offer, type Op, type RejectCodeValue, type VerifyReport
} from './ledger/index.js'
import { FavorError, describeError } from './errors.js'
import { makeStatement } from './statement/make.js'
import { loadIdentity, saveIdentity, silentLogger, type DiskQuota, type Logger, type QuotaUsage } from './runtime/index.js'
import { NodeRuntime, type RuntimeStatus } from './node-runtime.js'
import { ATTEST_RESULTS_FILE, AttestResults } from './roles/attest-results.js'
import type { RoleContext } from './roles/context.js'
import { toError } from './roles/context.js'
import { Publisher, PublishError } from './roles/publisher.js'
import type { EncryptionInfo, LocalCoreOptions } from './roles/publisher.js'
import { ENCRYPTION_KEYS_FILE } from './roles/encryption-keys.js'
import { Drives } from './roles/drives.js'
import type { DriveFile, DriveProgress, PublishedDrive, PublishFolderOptions, ReadDriveOptions } from './roles/drives.js'
import { Hoster } from './roles/hoster.js'
import { Attestor } from './roles/attestor.js'
import { Indexer } from './roles/indexer.js'
import type { ChallengeRecord, MirrorProgress, OfferOptions, PublishOptions } from './roles/types.js'
import {
  JoinError, JoinService, JoinTimeoutError, MAX_INVITE_BYTES,
  type AdmitRequest, type JoinReply, type JoinReplyCode, type JoinStage, type JoinStats
} from './protocol/join.js'
import { DEFAULT_MAX_RTT_ALLOWANCE_MS, type ResponderTestHooks } from './protocol/index.js'

export type { ChallengeRecord, MirrorProgress, OfferOptions, PublishOptions } from './roles/types.js'
export type { BootstrapNode } from './stack/index.js'
export { JoinError, JoinRefusedError, JoinTimeoutError, JOIN_PROTOCOL } from './protocol/join.js'
export { PublishError, type PublishErrorCode } from './roles/publisher.js'
export type { JoinErrorCode, JoinReply, JoinReplyCode, JoinStats } from './protocol/join.js'

export type RoleName = 'publisher' | 'hoster' | 'attestor' | 'indexer'

export interface FavorNodeOptions {
  /** The node's directory (created if missing). One corestore lives in `<dataDir>/store`. */
  dataDir: string
  /** Readable name for logs and the demo. Default: basename of dataDir. */
  name?: string
  /**
   * DHT bootstrap nodes (a loopback @hyperswarm/testnet in tests and the demo); null: the public
   * HyperDHT bootstrap (a real network; never used by the tests).
   */
  bootstrap: BootstrapNode[] | null
  /** Address this node's DHT binds and announces. Default 127.0.0.1 (e.g. a veth address in a network namespace). */
  host?: string
  /**
   * The network to join (hex). null or undefined: reuse the key saved in dataDir, else create a new
   * network with this node as admin and sole indexer.
   */
  networkKey?: string | null
  /** Genesis parameters when this node creates the network. */
  params?: Partial<NetworkParams>
  /**
   * Roles this node plays. Default: publisher and attestor; hoster when `hoster` is set. There is no
   * switch for the indexer role: the contract promotes and demotes indexers (`indexerTarget`), and a node
   * ticks exactly while the ledger lists it as one — a promoted node that did not tick would halt epochs.
   */
  roles?: Partial<Record<Exclude<RoleName, 'indexer'>, boolean>>
  /** Offer this capacity automatically once writable (if no offer is on the ledger yet). */
  hoster?: OfferOptions & {
    /** Keep an ended agreement's core this long before clearing it. Default 5000 ms. */
    gcGraceMs?: number
  }
  /**
   * Real time between this indexer's ticks: a compressed clock for tests and the demo. Default: the
   * network's `epochSeconds`, counted from each epoch's recorded start (one epoch length for every node).
   */
  epochMs?: number
  challenge?: {
    /** A valid answer later than this (net of the measured round trip) is `slow`. Default 1000 ms. */
    deadlineMs?: number
    /** Cap on the round trip subtracted from the response time, so slow pongs buy no time. Default 500 ms. */
    maxRttAllowanceMs?: number
    /** How long to wait for an answer after the nonce. Default max(3 × deadline, deadline + 1000 ms) + round trip. */
    hardTimeoutMs?: number
    /** No connection within this is `unreachable`. Default 2000 ms. */
    connectTimeoutMs?: number
    /** Parallel challenges per epoch (challenge tasks running at once). Default 4. */
    concurrency?: number
  }
  limits?: {
    /** Mirrors fetched at once (mirror tasks running at once). Default 8. */
    transfers?: number
  }
  /**
   * Tests only (never from a configuration file): injected misbehaviour of this node's challenge
   * responder — a stale, prefetching, silent or closing hoster (src/protocol/responder.ts).
   */
  testing?: { responder?: ResponderTestHooks }
  /**
   * When this node opens a network it cannot write to yet (it joined by key, or was not admitted yet),
   * ask a writer to admit it over `favor/join/1` in the background (progress: the `join` event;
   * failure: a `warning`). Default true. `join()` does the same on demand.
   */
  autoJoin?: boolean
  join?: JoinSettings
  /** Entries of the store-wide Hyperbee node cache (bounds its memory). Default 8192. */
  beeCacheEntries?: number
  /** Autobase ack interval. Default 1000 ms. */
  ackIntervalMs?: number
  /** Period of the background reconcile task (roles also react to ledger updates). Default 500 ms. */
  pollMs?: number
  log?: Logger
}

export interface JoinSettings {
  /** Joiner: invite token (hex) presented to writers (from the admitting node's `createInvite()`). */
  invite?: string
  /** Joiner: how long the automatic join keeps asking. Default 60 s. */
  timeoutMs?: number
  /**
   * Writer: refuse join requests without a valid, unused invite of this node. Default: only when the
   * network's admission policy is admin-only (then only the admin admits, and only invited keys).
   */
  requireInvite?: boolean
  /** Writer: single-use invite tokens (hex) accepted besides those from `createInvite()`. */
  invites?: string[]
}

export interface JoinOptions {
  /** Give up after this long (JoinTimeoutError). Default: options.join.timeoutMs, else 60 s. */
  timeoutMs?: number
  /** Invite token (hex); default: options.join.invite. */
  invite?: string
  signal?: AbortSignal
}

/** Progress of this node's admission (`join` event). */
export interface JoinProgressEvent {
  stage: JoinStage | 'writable' | 'failed'
  /** The writer asked (its connection key, hex). */
  peer?: string
  code?: JoinReplyCode
  message?: string
}

export interface EpochInfo {
  epoch: number
  /** Median tick time (ms). */
  time: number
}

export interface FavorNodeEvents {
  /** Contract events of accepted ops (optimistic; the view is the truth). */
  'ledger-event': [LedgerEvent]
  /** A new epoch started on the ledger (as this node saw it). */
  epoch: [EpochInfo]
  /** An attestor challenge this node ran. */
  challenge: [ChallengeRecord]
  /** Mirroring progress of a hosted core. */
  'mirror-progress': [MirrorProgress]
  /** Progress of this node's admission over `favor/join/1` (automatic or `join()`). */
  join: [JoinProgressEvent]
  /** Something went wrong that did not stop the node. */
  warning: [Error]
  /**
   * The ledger stopped applying (LedgerStoppedError): `upgradeRequired` when the network runs a contract
   * version this Favor does not know (upgrade Favor), else its store failed. The node keeps serving reads
   * of the state it had; it appends nothing more.
   */
  stopped: [LedgerStoppedError]
  /** The ledger view changed. */
  update: []
}

export interface StorageStatus {
  capacityBytes: number
  reservedBytes: number
  usedBytes: number
  freeBytes: number
}

export interface NodeStatus {
  name: string
  account: string
  nodeKey: string
  networkKey: string
  roles: RoleName[]
  epoch: number
  writable: boolean
  indexer: boolean
  peers: number
  storage: StorageStatus
  mirrors: MirrorProgress[]
  balance: Balance | null
  offer: Offer | null
  /** Set when the ledger stopped applying (E_UPGRADE_REQUIRED: upgrade Favor; E_LEDGER_STORE), else null. */
  stopped: { code: string; message: string; upgradeRequired: boolean } | null
  /** The task queue (depth per kind, running tasks) and the resources held (open cores, quota). */
  runtime: RuntimeStatus
}

const DEFAULT_JOIN_TIMEOUT_MS = 60_000
/**
 * Entries of the store-wide Hyperbee node/key cache (all bees of the node share it: the ledger view,
 * its apply-time view, Autobase's system bee, and every snapshot). Without a shared cache each bee gets
 * its own rache of 65,536 entries (~0.9 KiB each here): with several bees and the ledger growing by
 * every epoch's ops, retained heap kept rising for hundreds of epochs (docs/reliability.md F2).
 */
const DEFAULT_BEE_CACHE_ENTRIES = 8192

/** How long the writer waits for its add-writer to apply before answering TIMEOUT. */
const ADMISSION_APPLY_TIMEOUT_MS = 10_000
/** A key admitted this recently is answered ALREADY_WRITER without a second add-writer. */
const RECENT_ADMISSION_MS = 60_000
/** How long an admitted node waits for writability to come back while a reorder re-applies its admission. */
const REORDER_WRITABLE_GRACE_MS = 15_000

/** A refusal of this node's add-writer by the contract. */
interface Refusal {
  code: RejectCodeValue
  reason: string
}
interface AdmissionVerdict {
  ok: boolean
  refusal: Refusal | null
}

/** The join reply for the contract's refusal of an add-writer: by its RejectCode, never its text. */
function joinCodeOf(code: RejectCodeValue): JoinReplyCode {
  switch (code) {
    case RejectCode.ALREADY_MEMBER:
      return 'ALREADY_WRITER'
    case RejectCode.ADMISSION_RATE_LIMIT:
      return 'RATE_LIMITED'
    case RejectCode.NOT_ADMIN:
      return 'NOT_ADMIN'
    case RejectCode.INVITE_INVALID:
    case RejectCode.INVITE_USED:
    case RejectCode.INVITE_EXPIRED:
      return 'INVITE_INVALID'
    default:
      return 'REJECTED'
  }
}

function parseInvite(value: string): Buffer {
  if (!/^([0-9a-f]{2})+$/i.test(value)) throw new TypeError('an invite is a hex string')
  const b = Buffer.from(value, 'hex')
  if (b.byteLength > MAX_INVITE_BYTES) throw new RangeError(`an invite is at most ${MAX_INVITE_BYTES} bytes`)
  return b
}

export class NotWritableError extends FavorError {
  static override readonly code = 'E_NOT_WRITABLE'
  constructor(message: string) {
    super(message, NotWritableError.code)
  }
}

/**
 * A user action the node refuses, before or after appending: `code` is stable (the API maps it),
 * the message says why. LEDGER_REFUSED carries the contract's reason.
 */
export class ActionError extends FavorError {
  declare readonly code: 'INVALID_ARGUMENT' | 'NOT_FOUND' | 'REFUSED' | 'LEDGER_REFUSED' | 'TIMEOUT'
  /** LEDGER_REFUSED: the contract's stable RejectCode (what callers branch on), else null. */
  readonly reject: RejectCodeValue | null
  constructor(code: ActionError['code'], message: string, reject: RejectCodeValue | null = null) {
    super(message, code)
    this.reject = reject
  }
}

/** The node is closed (or closing) and cannot do this any more. */
export class NodeClosedError extends FavorError {
  static override readonly code = 'CLOSED'
  constructor(message = 'node closed') {
    super(message, NodeClosedError.code)
  }
}

/** How long a user action waits for the contract's verdict on its op. */
const VERDICT_TIMEOUT_MS = 15_000
/** How long publish looks for a peer serving a core it does not have. */
const FIND_CORE_TIMEOUT_MS = 15_000

export class FavorNode extends EventEmitter<FavorNodeEvents> {
  readonly name: string
  readonly dataDir: string
  readonly store: Store
  readonly dht: Dht
  readonly swarm: Swarm
  readonly ledger: Ledger
  readonly nodeKeyPair: KeyPair
  readonly log: Logger
  /** The task scheduler running the node's work and the resource manager owning hosted cores and the quota. */
  readonly runtime: NodeRuntime
  readonly publisher: Publisher
  readonly drives: Drives
  readonly hoster: Hoster
  readonly attestor: Attestor
  readonly indexer: Indexer
  private readonly joinService: JoinService
  private readonly creator: boolean
  private readonly invites = new Set<string>()
  /** Keys this node appended an add-writer for lately (hex → ms): duplicates are not appended again. */
  private readonly admittedRecently = new Map<string, number>()
  private admitChain: Promise<unknown> = Promise.resolve()
  private joinInvite: Buffer | null = null
  private autoJoining: Promise<void> | null = null
  private readonly opts: FavorNodeOptions
  private readonly roleSet: Set<RoleName>
  private readonly challenges: ChallengeRecord[] = []
  private lastEpoch = -1
  private closing: Promise<void> | null = null
  private readonly onLedgerUpdate = (): void => { this.emit('update'); this.kick() }
  private readonly onLedgerEvent = (e: LedgerEvent): void => { this.emit('ledger-event', e) }
  private readonly onLedgerWarning = (err: Error): void => { this.emitWarning(err) }
  private readonly onLedgerStopped = (err: LedgerStoppedError): void => {
    this.log.error('ledger stopped', { component: 'ledger', ...describeError(err) })
    this.emit('stopped', err)
  }
  private readonly onSwarmConnection = (conn: Connection): void => { this.joinService.attach(conn) }

  private constructor(args: {
    opts: FavorNodeOptions; name: string; store: Store; dht: Dht; swarm: Swarm; ledger: Ledger; nodeKeyPair: KeyPair; seed: Buffer
    results: AttestResults; creator?: boolean
  }) {
    super()
    this.opts = args.opts
    this.name = args.name
    this.dataDir = args.opts.dataDir
    this.store = args.store
    this.dht = args.dht
    this.swarm = args.swarm
    this.ledger = args.ledger
    this.nodeKeyPair = args.nodeKeyPair
    this.log = args.opts.log ?? silentLogger()
    this.runtime = new NodeRuntime({
      dataDir: args.opts.dataDir,
      log: this.log,
      capacityBytes: args.opts.hoster?.capacityBytes ?? 0,
      pollMs: args.opts.pollMs ?? 500,
      ...(args.opts.limits?.transfers !== undefined ? { mirrors: args.opts.limits.transfers } : {}),
      ...(args.opts.challenge?.concurrency !== undefined ? { challenges: args.opts.challenge.concurrency } : {})
    }, (err) => {
      // the scheduler logged it; listeners (the demo, tests) hear of it too
      if (this.listenerCount('warning') > 0) this.emit('warning', err)
    })
    const r = args.opts.roles ?? {}
    this.roleSet = new Set<RoleName>()
    if (r.publisher !== false) this.roleSet.add('publisher')
    if (r.attestor !== false) this.roleSet.add('attestor')
    if (r.hoster === true || (r.hoster !== false && args.opts.hoster !== undefined)) this.roleSet.add('hoster')
    const ctx: RoleContext = {
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
      emitWarning: (err) => this.emitWarning(err),
      emitChallenge: (rec) => {
        this.challenges.push(rec)
        if (this.challenges.length > 500) this.challenges.splice(0, this.challenges.length - 500)
        this.emit('challenge', rec)
      },
      emitMirrorProgress: (p) => this.emit('mirror-progress', p),
      emitLedgerEvent: (e) => this.emit('ledger-event', e),
      kick: () => this.kick()
    }
    this.publisher = new Publisher(ctx, path.join(args.opts.dataDir, ENCRYPTION_KEYS_FILE))
    this.drives = new Drives(ctx, this.publisher)
    this.hoster = new Hoster(ctx, {
      ...(args.opts.hoster ? { autoOffer: args.opts.hoster } : {}),
      gcGraceMs: args.opts.hoster?.gcGraceMs ?? 5000,
      ...(args.opts.testing?.responder ? { responderTesting: args.opts.testing.responder } : {})
    })
    this.attestor = new Attestor(ctx, {
      deadlineMs: args.opts.challenge?.deadlineMs ?? 1000,
      connectTimeoutMs: args.opts.challenge?.connectTimeoutMs ?? 2000,
      maxRttAllowanceMs: args.opts.challenge?.maxRttAllowanceMs ?? DEFAULT_MAX_RTT_ALLOWANCE_MS,
      ...(args.opts.challenge?.hardTimeoutMs !== undefined ? { hardTimeoutMs: args.opts.challenge.hardTimeoutMs } : {})
    }, args.results)
    this.runtime.register({
      reconcile: () => this.reconcileTask(),
      mirror: (p, signal) => this.hoster.mirror(p, signal),
      challenge: (p, signal) => this.attestor.challenge(p, signal),
      report: (p, signal) => this.attestor.report(p, signal),
      gc: (p) => this.hoster.gc(p)
    })
    // Every node runs the indexer role: the contract promotes members to keep an odd indexer set, and a
    // promoted node that never ticked would count as silent (two silent of three halt epochs until the
    // contract removes them, which needs epochs). It ticks only while the ledger lists it as an indexer.
    this.indexer = new Indexer(ctx, { ...(args.opts.epochMs !== undefined ? { epochMs: args.opts.epochMs } : {}), seed: blake2b([Buffer.from('favor/indexer/seed'), args.seed]) })
    this.creator = args.creator === true
    for (const t of args.opts.join?.invites ?? []) this.invites.add(t.toLowerCase())
    if (args.opts.join?.invite !== undefined) this.joinInvite = parseInvite(args.opts.join.invite)
    this.joinService = new JoinService({
      discoveryKey: this.ledger.discoveryKey,
      writerKey: this.ledger.writerKey,
      admit: (req) => this.onJoinRequest(req),
      log: this.log.child('join')
    })
    // The join channel must be paired synchronously in the connection handler (protomux rejects a
    // channel the remote opens before anyone paired it): attach to every swarm connection.
    this.swarm.on('connection', this.onSwarmConnection)
    for (const conn of this.swarm.connections) this.joinService.attach(conn)
  }

  /** Opens (or creates) a node in `opts.dataDir` and starts its roles. */
  static async create(opts: FavorNodeOptions): Promise<FavorNode> {
    await mkdir(opts.dataDir, { recursive: true })
    let id = await loadIdentity(opts.dataDir)
    const results = await AttestResults.open(path.join(opts.dataDir, ATTEST_RESULTS_FILE))
    const name = opts.name ?? id?.name ?? path.basename(opts.dataDir)
    if (id === null) id = { seed: randomBytes(32).toString('hex'), networkKey: null, name }
    if (opts.networkKey !== undefined && opts.networkKey !== null) {
      if (id.networkKey !== null && id.networkKey !== opts.networkKey) {
        throw new FavorError(`${opts.dataDir} belongs to network ${id.networkKey}, not ${opts.networkKey}`, 'NETWORK_MISMATCH')
      }
      id.networkKey = opts.networkKey
    }
    const seed = Buffer.from(id.seed, 'hex')
    const nodeKeyPair = keyPair(blake2b([Buffer.from('favor/node-key'), seed]))
    const swarmKeyPair = keyPair(blake2b([Buffer.from('favor/swarm-key'), seed]))
    const store = openStore(path.join(opts.dataDir, 'store'), { beeCacheEntries: opts.beeCacheEntries ?? DEFAULT_BEE_CACHE_ENTRIES })
    let dht: Dht | null = null
    let swarm: Swarm | null = null
    let ledger: Ledger | null = null
    let owned = false
    try {
      await readyStore(store, path.join(opts.dataDir, 'store'))
      dht = createDht({ bootstrap: opts.bootstrap, keyPair: nodeKeyPair, ...(opts.host !== undefined ? { host: opts.host } : {}) })
      swarm = createSwarm({ dht, keyPair: swarmKeyPair })
      const s = store
      swarm.on('connection', (conn) => {
        // expected: a peer going away errors its connection; the swarm reconnects when it can
        conn.on('error', (err: Error) => { (opts.log ?? silentLogger()).debug('swarm: connection error', { component: 'swarm', ...describeError(err) }) })
        s.replicate(conn)
      })
      const creating = id.networkKey === null
      ledger = await Ledger.open({
        store,
        bootstrap: creating ? null : Buffer.from(id.networkKey as string, 'hex'),
        ackIntervalMs: opts.ackIntervalMs ?? 1000
      })
      id.networkKey = ledger.key.toString('hex')
      await saveIdentity(opts.dataDir, id)
      if (creating) {
        await ledger.append({ type: 'init-network', time: Date.now(), params: defaultParams(opts.params ?? {}) })
      }
      swarm.join(ledger.discoveryKey, { server: true, client: true })
      const node = new FavorNode({ opts, name, store, dht, swarm, ledger, nodeKeyPair, seed, results, creator: creating })
      try {
        await node.start()
      } catch (err) {
        // the node owns everything now: close it in order (each failure logged), then report the start's error
        owned = true
        await node.close()
        throw err
      }
      return node
    } catch (err) {
      if (owned) throw err
      // roll back what was opened; each failure is logged, the start's own error is what the caller gets
      const log = opts.log ?? silentLogger()
      const undo = async (what: string, fn: (() => Promise<unknown>) | undefined): Promise<void> => {
        if (fn === undefined) return
        try {
          await fn()
        } catch (closeErr) {
          log.warn(`node: closing the ${what} after a failed start failed`, { component: 'node', ...describeError(closeErr) })
        }
      }
      await undo('ledger', ledger === null ? undefined : () => (ledger as Ledger).close())
      await undo('swarm', swarm === null ? undefined : () => (swarm as Swarm).destroy())
      await undo('dht', dht === null ? undefined : () => (dht as Dht).destroy())
      await undo('store', () => store.close())
      throw err
    }
  }

  /** Same as create: opens an existing node directory (its network key is saved there). */
  static open(opts: FavorNodeOptions): Promise<FavorNode> {
    return FavorNode.create(opts)
  }

  private async start(): Promise<void> {
    this.ledger.on('update', this.onLedgerUpdate)
    this.ledger.on('event', this.onLedgerEvent)
    this.ledger.on('warning', this.onLedgerWarning)
    this.ledger.on('stopped', this.onLedgerStopped)
    if (this.ledger.stopped !== null) this.onLedgerStopped(this.ledger.stopped)
    // Every node listens on its node key: a hoster answers challenges there, and a node that withdrew
    // keeps serving what it still hosts.
    await this.hoster.start()
    this.indexer.start()
    // tasks left unfinished at the last stop (even a kill -9) resume from here
    await this.runtime.open()
    this.kick()
    if (!this.creator && this.opts.autoJoin !== false && !this.ledger.writable) {
      this.autoJoining = this.join({ timeoutMs: this.opts.join?.timeoutMs ?? DEFAULT_JOIN_TIMEOUT_MS }).catch((err: unknown) => {
        if (this.closing === null) this.emitWarning(new FavorError(`automatic join failed: ${toError(err).message}`, 'JOIN_FAILED', { cause: err }))
      })
    }
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
      stopped: this.ledger.stopped === null ? null : { code: this.ledger.stopped.code, message: this.ledger.stopped.message, upgradeRequired: this.ledger.stopped.upgradeRequired },
      runtime: this.runtime.status()
    }
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

  /** Resolves when this node may append to the ledger (after a writer admitted it). */
  async waitWritable(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!this.ledger.writable) {
      if (this.closing !== null) throw new NodeClosedError()
      if (Date.now() > deadline) throw new NotWritableError(`not admitted as a writer within ${timeoutMs} ms (account ${this.account})`)
      // a failed update is retried on the next turn of this bounded loop
      await this.ledger.update().catch((err: unknown) => { this.logFailure('ledger', 'update while waiting to be writable', err, 'debug') })
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

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
    await this.requireWritable()
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
    await this.requireWritable()
    await this.confirmOwn('cancel', () => this.appendOp({ type: 'cancel', time: Date.now(), requestId }))
  }

  /** Offers storage; resolves once the contract accepted the offer (ActionError otherwise). */
  async offer(opts: OfferOptions): Promise<void> {
    if (!Number.isSafeInteger(opts.capacityBytes) || opts.capacityBytes <= 0) {
      throw new ActionError('INVALID_ARGUMENT', `capacity must be more than 0 bytes, got ${opts.capacityBytes} (to stop hosting: favor withdraw)`)
    }
    await this.confirmOwn('offer', () => this.hoster.offer(opts))
    this.roleSet.add('hoster')
  }

  /** Withdraws this node's offer; refused at once when it has none. */
  async withdraw(): Promise<void> {
    await this.requireWritable()
    const offer = await getOffer(this.ledger.kv, this.account)
    if (offer === null || offer.withdrawn) throw new ActionError('REFUSED', 'this node has no offer to withdraw (offer storage first: favor offer --capacity 10GiB)')
    await this.confirmOwn('withdraw', () => this.appendOp({ type: 'withdraw', time: Date.now() }))
  }

  async transfer(toHex: string, amount: bigint): Promise<void> {
    await this.checkPeerAccount(toHex, 'transfer favor to')
    await this.confirmOwn('transfer', () => this.appendOp({ type: 'transfer', time: Date.now(), to: Buffer.from(toHex, 'hex'), amount }))
  }

  async sponsor(toHex: string, amount: bigint): Promise<void> {
    await this.checkPeerAccount(toHex, 'sponsor')
    await this.confirmOwn('sponsor', () => this.appendOp({ type: 'sponsor', time: Date.now(), to: Buffer.from(toHex, 'hex'), amount }))
  }

  /** Sets the unused part of this node's sponsor line for `toHex` to exactly `limit` (0 closes it). */
  async setLimit(toHex: string, limit: bigint): Promise<void> {
    if (limit < 0n) throw new ActionError('INVALID_ARGUMENT', 'a limit cannot be negative')
    await this.checkPeerAccount(toHex, 'set a sponsor limit for')
    await this.confirmOwn('set-limit', () => this.appendOp({ type: 'set-limit', time: Date.now(), to: Buffer.from(toHex, 'hex'), limit }))
  }

  /**
   * Before any check that reads the view: a closed node, or one not admitted yet, says so first. A node whose
   * account is already on the ledger but is momentarily not writable — Autobase undoes and re-applies its
   * admission while a reorder (e.g. an indexer change) settles — waits for that, bounded, instead of failing.
   */
  private async requireWritable(): Promise<void> {
    if (this.closing !== null) throw new NodeClosedError()
    if (this.ledger.writable) return
    if ((await getAccount(this.ledger.kv, this.account)) !== null) {
      await this.waitWritable(REORDER_WRITABLE_GRACE_MS).catch((err: unknown) => {
        if (!(err instanceof NotWritableError)) throw err
      })
      if (this.ledger.writable) return
    }
    if (this.closing !== null) throw new NodeClosedError()
    throw new NotWritableError(`account ${this.account} is not a writer of this network yet`)
  }

  /** Refuses an action aimed at this node itself or at an account the ledger does not know. */
  private async checkPeerAccount(toHex: string, what: string): Promise<void> {
    await this.requireWritable()
    const to = toHex.toLowerCase()
    if (to === this.account) throw new ActionError('INVALID_ARGUMENT', `cannot ${what} yourself`)
    if ((await getAccount(this.ledger.kv, to)) === null) throw new ActionError('NOT_FOUND', `no account ${to} on the ledger (an account is a node's writer key, printed by favor status)`)
  }

  /**
   * Runs `append` (which appends one op of `type` from this node) and waits, bounded, for the
   * contract's verdict on it: throws ActionError LEDGER_REFUSED with the contract's reason. The op is
   * recognised by its position in this node's writer core (after the length before the append) and its
   * type, so ops the roles append meanwhile are not mistaken for it.
   */
  private async confirmOwn<T>(type: Op['type'], append: () => Promise<T>, timeoutMs = VERDICT_TIMEOUT_MS): Promise<T> {
    const seen: AppliedInfo[] = []
    const onApplied = (info: AppliedInfo): void => {
      if (info.writer === this.account && info.result.type === type) seen.push(info)
    }
    this.ledger.on('applied', onApplied)
    try {
      const before = this.ledger.base.local.length
      const result = await append()
      const after = this.ledger.base.local.length
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const mine = seen.filter((i) => {
          const index = Number(i.opId.slice(i.opId.lastIndexOf(':') + 1))
          return index >= before && index < after
        })
        const last = mine.at(-1)
        if (last !== undefined) {
          if (last.result.ok) return result
          throw new ActionError('LEDGER_REFUSED', `the ledger refused the ${type}: ${last.result.reason} (${last.result.code})`, last.result.code)
        }
        if (Date.now() > deadline || this.closing !== null) {
          throw new ActionError('TIMEOUT', `the ${type} was appended but not applied within ${Math.round(timeoutMs / 1000)} s; check later with favor status`)
        }
        await this.ledger.update().catch((err: unknown) => { this.logFailure('ledger', `update while waiting for the ${type} verdict`, err, 'debug') })
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    } finally {
      this.ledger.off('applied', onApplied)
    }
  }

  /** Admits a writer (its account = writer key hex) per the network's admission policy. */
  async admit(writerKeyHex: string, opts: { indexer?: boolean } = {}): Promise<void> {
    // Already admitted through favor/join/1 moments ago: a second add-writer would only be rejected.
    if (opts.indexer !== true && this.admittedRecently.has(writerKeyHex.toLowerCase())) return
    await this.appendOp({ type: 'add-writer', time: Date.now(), writerKey: Buffer.from(writerKeyHex, 'hex'), indexer: opts.indexer ?? false })
    this.pruneAdmitted(Date.now())
    this.admittedRecently.set(writerKeyHex.toLowerCase(), Date.now())
  }

  /**
   * Asks a writer to admit this node over `favor/join/1` (DESIGN §3) and resolves once this node can
   * append to the ledger. Resolves at once when it already can. Throws JoinRefusedError (`reason` =
   * the refusal code, e.g. INVITE_REQUIRED) when every reachable writer refused for good, or
   * JoinTimeoutError when not writable in time. Progress: the `join` event.
   */
  async join(opts: JoinOptions = {}): Promise<void> {
    if (this.ledger.writable) return
    if (this.closing !== null) throw new JoinError('E_JOIN_CLOSED', 'node closed')
    if (opts.invite !== undefined) this.joinInvite = parseInvite(opts.invite)
    const timeoutMs = opts.timeoutMs ?? this.opts.join?.timeoutMs ?? DEFAULT_JOIN_TIMEOUT_MS
    const deadline = Date.now() + timeoutMs
    // A reopened member is writable after its first update: do not ask writers for nothing.
    await this.ledger.update().catch((err: unknown) => { this.logFailure('join', 'first ledger update', err, 'debug') })
    if (this.ledger.writable) return
    const emit = (p: JoinProgressEvent): void => { this.emit('join', p) }
    try {
      const res = await this.joinService.ask({
        timeoutMs: Math.max(1, deadline - Date.now()),
        invite: () => this.joinInvite,
        done: () => this.ledger.writable || this.closing !== null,
        onProgress: (p) => emit({ ...p }),
        ...(opts.signal ? { signal: opts.signal } : {})
      })
      if (this.closing !== null) throw new JoinError('E_JOIN_CLOSED', 'node closed')
      if (!this.ledger.writable) {
        try {
          await this.waitWritable(Math.max(1, deadline - Date.now()))
        } catch (err) {
          if (err instanceof NotWritableError) {
            throw new JoinTimeoutError(`admitted by ${res.peer?.slice(0, 16) ?? 'a writer'}… but not writable within ${timeoutMs} ms`, res.reply ?? null)
          }
          throw err
        }
      }
      this.log.info('joined: writable', { account: this.account })
      emit({ stage: 'writable' })
    } catch (err) {
      const e = toError(err)
      emit({ stage: 'failed', message: e.message, ...(err instanceof JoinError && err.reason !== null ? { code: err.reason } : {}) })
      throw e
    }
  }

  /** A single-use invite token (hex) this node accepts from a joiner (`join({ invite })`). */
  createInvite(): string {
    const token = randomBytes(16).toString('hex')
    this.invites.add(token)
    return token
  }

  /**
   * A single-use ledger invite (`favor network invite`): this node's account vouches for whoever presents
   * the returned code over favor/join/1 (`favor network join <key> --invite CODE`) and escrows `creditMicro`
   * of its transferable balance as the newcomer's starting line at redemption. Resolves once the contract
   * accepted it (ActionError LEDGER_REFUSED with the RejectCode otherwise).
   */
  async inviteMember(opts: { creditMicro?: bigint; expiresEpochs?: number } = {}): Promise<{ code: string; expiresEpoch: number; creditMicro: bigint }> {
    await this.requireWritable()
    const credit = opts.creditMicro ?? 0n
    const epochs = opts.expiresEpochs ?? DEFAULT_INVITE_EPOCHS
    if (credit < 0n) throw new ActionError('INVALID_ARGUMENT', 'an invite credit cannot be negative')
    if (!Number.isSafeInteger(epochs) || epochs < 1) throw new ActionError('INVALID_ARGUMENT', `an invite expires after at least 1 epoch, got ${epochs}`)
    const meta = await getMeta(this.ledger.kv)
    const expiresEpoch = (meta?.epoch ?? 0) + epochs
    const secret = randomBytes(INVITE_SECRET_BYTES)
    await this.confirmOwn('invite', () => this.appendOp({ type: 'invite', time: Date.now(), hash: inviteHash(secret), credit, expiresEpoch }))
    return { code: secret.toString('hex'), expiresEpoch, creditMicro: credit }
  }

  /** Counters of the `favor/join/1` service (requests answered, refused, violations, ...). */
  joinStats(): JoinStats {
    return { ...this.joinService.stats }
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
  async appendOp(op: Op | Op[]): Promise<void> {
    await this.requireWritable()
    await this.ledger.append(op)
  }

  /** Network meta (admin, indexers, params, epoch). */
  async meta(): Promise<Awaited<ReturnType<typeof getMeta>>> {
    return getMeta(this.ledger.kv)
  }

  // --- internals ------------------------------------------------------------------------------

  /** Writer side of `favor/join/1`: the admission policy, then add-writer and the contract's verdict. */
  private onJoinRequest(req: AdmitRequest): Promise<JoinReply> {
    const run = this.admitChain.then(() => this.decideJoin(req))
    // the chain only orders admissions; each one's failure goes to its own caller (and the log)
    this.admitChain = run.catch((err: unknown) => { this.logFailure('join', 'deciding a join request', err) })
    return run
  }

  private async decideJoin(req: AdmitRequest): Promise<JoinReply> {
    if (this.closing !== null) return { code: 'NOT_WRITABLE', message: 'node is closing' }
    if (!this.ledger.writable) return { code: 'NOT_WRITABLE', message: 'this node is not a writer (yet)' }
    const kv = this.ledger.kv
    const meta = await getMeta(kv)
    if (meta === null) return { code: 'NOT_WRITABLE', message: 'this node has not synced the ledger yet' }
    const target = req.writerKey.toString('hex')
    const now = Date.now()
    this.pruneAdmitted(now)
    if (this.admittedRecently.has(target) || (await getAccount(kv, target)) !== null) {
      return { code: 'ALREADY_WRITER', message: 'already a writer (or its admission is on its way)' }
    }
    const adminOnly = meta.params.admission === Admission.adminOnly
    const inviteOnly = meta.params.admission === Admission.invite
    // a ledger invite (favor network invite): any writer relays it; the invite's author is the sponsor
    if (req.invite !== null && req.invite.byteLength === INVITE_SECRET_BYTES && (await getInvite(kv, inviteHash(req.invite).toString('hex'))) !== null) {
      return this.redeemFor(req, target)
    }
    if (adminOnly && this.account !== meta.admin) return { code: 'NOT_ADMIN', message: 'this network admits writers only through its admin' }
    let invite: string | null = null
    if (inviteOnly && req.invite === null) return { code: 'INVITE_REQUIRED', message: 'this network admits only with an invite from a member (favor network invite)' }
    if (this.opts.join?.requireInvite ?? (adminOnly || inviteOnly)) {
      if (req.invite === null) return { code: 'INVITE_REQUIRED', message: 'this writer admits only with an invite' }
      invite = req.invite.toString('hex')
      if (!this.invites.delete(invite)) return { code: 'INVITE_INVALID', message: 'unknown or already used invite' }
    }
    const mine = await getAccount(kv, this.account)
    if (!adminOnly && mine !== null && mine.admitEpoch === meta.epoch && mine.admitCount >= meta.params.admissionsPerEpoch) {
      if (invite !== null) this.invites.add(invite)
      return { code: 'RATE_LIMITED', message: `this writer admitted ${mine.admitCount} writers this epoch (the limit)` }
    }
    const verdict = this.watchAdmission(target, ADMISSION_APPLY_TIMEOUT_MS)
    try {
      await this.appendOp({ type: 'add-writer', time: Date.now(), writerKey: req.writerKey, indexer: false })
    } catch (err) {
      verdict.cancel()
      if (invite !== null) this.invites.add(invite)
      return { code: err instanceof NotWritableError ? 'NOT_WRITABLE' : 'INTERNAL', message: toError(err).message }
    }
    this.admittedRecently.set(target, Date.now())
    this.log.info('join: add-writer appended', { writer: target, remote: req.remotePublicKey.toString('hex') })
    const v = await verdict.result
    if (v.ok) return { code: 'ACCEPTED', message: 'admitted as a writer' }
    this.admittedRecently.delete(target)
    if (invite !== null) this.invites.add(invite)
    if (v.refusal === null) return { code: 'TIMEOUT', message: `add-writer not applied within ${ADMISSION_APPLY_TIMEOUT_MS} ms` }
    return { code: joinCodeOf(v.refusal.code), message: v.refusal.reason }
  }

  /** Appends `redeem` for a joiner's ledger invite and answers with the contract's verdict. */
  private async redeemFor(req: AdmitRequest, target: string): Promise<JoinReply> {
    const secret = req.invite ?? Buffer.alloc(0)
    const verdict = this.watchAdmission(target, ADMISSION_APPLY_TIMEOUT_MS, 'redeem')
    try {
      await this.appendOp({ type: 'redeem', time: Date.now(), writerKey: req.writerKey, secret })
    } catch (err) {
      verdict.cancel()
      return { code: err instanceof NotWritableError ? 'NOT_WRITABLE' : 'INTERNAL', message: toError(err).message }
    }
    this.admittedRecently.set(target, Date.now())
    this.log.info('join: redeem appended', { writer: target, remote: req.remotePublicKey.toString('hex') })
    const v = await verdict.result
    if (v.ok) return { code: 'ACCEPTED', message: 'admitted as a writer (invite redeemed)' }
    this.admittedRecently.delete(target)
    if (v.refusal === null) return { code: 'TIMEOUT', message: `redeem not applied within ${ADMISSION_APPLY_TIMEOUT_MS} ms` }
    return { code: joinCodeOf(v.refusal.code), message: `${v.refusal.reason} (${v.refusal.code})` }
  }

  /**
   * Resolves when `target` has an account in the view (ok), when one of this node's add-writer ops is
   * rejected by the contract while `target` still has none (ok: false + the reason), or after `ms`.
   * Join admissions are serialised, so a rejection seen here is this one's (or a concurrent admit()'s).
   */
  private watchAdmission(target: string, ms: number, type: 'add-writer' | 'redeem' = 'add-writer'): { result: Promise<AdmissionVerdict>; cancel: () => void } {
    let finish: (v: AdmissionVerdict) => void = () => undefined
    let rejected: Refusal | null = null
    let timer: NodeJS.Timeout | null = null
    let checking = false
    const check = (): void => {
      if (checking) return
      checking = true
      getAccount(this.ledger.kv, target)
        .then((a) => {
          checking = false
          if (a !== null) finish({ ok: true, refusal: null })
          else if (rejected !== null) finish({ ok: false, refusal: rejected })
        })
        .catch((err: unknown) => {
          // a failed read of the view is retried by the next update or timer tick
          checking = false
          this.log.debug('join: reading the admitted account failed', { component: 'join', target, ...describeError(err) })
        })
    }
    const onApplied = (info: AppliedInfo): void => {
      if (info.writer !== this.account || info.result.type !== type || info.result.ok) return
      rejected = { code: info.result.code, reason: info.result.reason }
    }
    const onUpdate = (): void => check()
    const cleanup = (): void => {
      this.ledger.off('applied', onApplied)
      this.ledger.off('update', onUpdate)
      if (timer !== null) clearInterval(timer)
      timer = null
    }
    const result = new Promise<AdmissionVerdict>((resolve) => {
      const deadline = Date.now() + ms
      finish = (v): void => {
        cleanup()
        finish = () => undefined
        resolve(v)
      }
      this.ledger.on('applied', onApplied)
      this.ledger.on('update', onUpdate)
      timer = setInterval(() => {
        if (Date.now() > deadline || this.closing !== null) finish({ ok: false, refusal: rejected })
        else check()
      }, 100)
    })
    return { result, cancel: () => finish({ ok: false, refusal: null }) }
  }

  /** Forgets admissions older than RECENT_ADMISSION_MS (the map stays as small as the recent ones). */
  private pruneAdmitted(now: number): void {
    for (const [k, at] of this.admittedRecently) if (now - at > RECENT_ADMISSION_MS) this.admittedRecently.delete(k)
  }

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

  /** The `reconcile` task; each run schedules the next background one (`pollMs` later). */
  private async reconcileTask(): Promise<void> {
    try {
      await this.reconcile()
    } finally {
      if (this.closing === null) this.runtime.schedulePoll()
    }
  }

  private async reconcile(): Promise<void> {
    const kv = this.ledger.kv
    const meta = await getMeta(kv)
    if (meta === null) return
    if (meta.epoch !== this.lastEpoch) {
      this.lastEpoch = meta.epoch
      const rec = meta.epoch > 0 ? await getEpoch(kv, meta.epoch) : null
      this.emit('epoch', { epoch: meta.epoch, time: rec?.time ?? 0 })
    }
    if (this.closing !== null) return
    await this.hoster.reconcile(kv)
    if (this.closing !== null) return
    await this.publisher.reconcile(kv)
    if (this.closing !== null) return
    if (this.roleSet.has('attestor')) await this.attestor.plan(meta.epoch)
  }

  /** Closes the task scheduler → roles → resources → swarm → dht → ledger → store. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.ledger.off('update', this.onLedgerUpdate)
      this.ledger.off('event', this.onLedgerEvent)
      this.swarm.off('connection', this.onSwarmConnection)
      this.joinService.close()
      await this.autoJoining
      // in order; every failure is logged with what was being closed, and closing goes on
      const step = async (what: string, fn: () => Promise<unknown> | undefined): Promise<void> => {
        try {
          await fn()
        } catch (err) {
          this.logFailure('node', `closing the ${what}`, err)
        }
      }
      await step('join admissions', () => this.admitChain)
      // running tasks are aborted; unfinished ones stay in tasks.json and resume at the next start
      await step('task scheduler', () => this.runtime.closeTasks())
      await step('indexer role', () => this.indexer.close())
      await step('attestor role', () => this.attestor.close())
      await step('publisher role', () => this.publisher.close())
      await step('drives', () => this.drives.close())
      await step('hoster role', () => this.hoster.close())
      await step('resources', () => this.runtime.closeResources())
      await step('swarm', () => this.swarm.destroy())
      await step('dht', () => this.dht.destroy())
      await step('ledger', () => this.ledger.close())
      this.ledger.off('warning', this.onLedgerWarning)
      this.ledger.off('stopped', this.onLedgerStopped)
      await step('store', () => this.store.close())
    })()
    return this.closing
  }
}
