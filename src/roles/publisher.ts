// Publisher: posts hosting requests for its cores (length, byte length and fork), keeps serving its own
// cores while online, and posts `grow` when a published core grows or is rewritten (a truncation bumps
// the fork): hosters fetch, and challenges and billing follow, what the ledger records.
// Encrypted cores (hypercore block encryption, keys in `EncryptionKeys`) get their key on every session
// this node opens for them, and are billed by the bytes hosters store (ciphertext plus padding).
import { FavorError, describeError } from '../errors.js'
import type { RejectCodeValue } from '../ledger/index.js'
import {
  available, currentEpoch, epochCost, getAccount, getParams, openRequests, type AppliedInfo, type LedgerKV, type UnitKind
} from '../ledger/index.js'
import type { Core, CoreOpts, PeerDiscovery } from '../stack/index.js'
import { storedByteLength } from '../stack/index.js'
import { Resource } from '../runtime/index.js'
import { EncryptionKeys } from './encryption-keys.js'
import type { RoleContext } from './context.js'
import { toError } from './context.js'
import type { PublishOptions } from './types.js'

/** Default request lifetime, epochs. */
const DEFAULT_UNTIL_EPOCHS = 100_000
/** How long `publish` waits to learn the length of a remote core before giving up, ms. */
export const DEFAULT_FIND_TIMEOUT_MS = 15_000
/** How long `publish` waits for its request op to be applied, ms. */
const APPLY_TIMEOUT_MS = 10_000

export type PublishErrorCode = 'INVALID_ARGUMENT' | 'TIMEOUT' | 'NO_NETWORK' | 'INSUFFICIENT_FAVOR' | 'LEDGER_REFUSED' | 'NOT_ENCRYPTED'

/** Why a publish failed, with a stable code the API and CLI map (never their message text). */
export class PublishError extends FavorError {
  declare readonly code: PublishErrorCode
  /** LEDGER_REFUSED: the contract's RejectCode, else null. */
  readonly reject: RejectCodeValue | null
  constructor(code: PublishErrorCode, message: string, reject: RejectCodeValue | null = null) {
    super(message, code)
    this.reject = reject
  }
}

/** Resolves false when `ms` passes first (the promise is left to settle on its own). */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), ms) })
  try {
    return await Promise.race([promise.then(() => true), timeout])
  } finally {
    clearTimeout(timer)
  }
}

export interface LocalCoreOptions {
  /**
   * Encrypt the core's blocks (hypercore block encryption; the key is created, kept in the node's key
   * file and re-applied on every later open). Only a new, empty core can become encrypted. A core
   * that is encrypted already stays so whatever this says.
   */
  encrypt?: boolean
}

/** What the node knows of an encrypted core of its own (`revealKey`). */
export interface EncryptionInfo {
  kind: 'drive' | 'core'
  /** The drive key or the core key. */
  unit: string
  /** The key (hex) the first time it is asked for; null afterwards (it stays in `keyFile`). */
  encryptionKey: string | null
  keyFile: string
}

/** The publisher's init (from the node's config). */
export interface PublisherInit {
  /** The node's encryption key file (ENCRYPTION_KEYS_FILE in the data directory), loaded on first use. */
  keysPath: string
}

/** What the publisher needs from the node: interfaces only (src/roles/context.ts). */
export type PublisherComponents = Pick<RoleContext, 'ledger' | 'store' | 'swarm' | 'log' | 'account' | 'append' | 'emitWarning'>

/** The publisher's factory: its init first, its components when the node composes it. */
export function publisher(init: PublisherInit): (components: PublisherComponents) => Publisher {
  return (components) => new Publisher(components, init)
}

/** A component (src/runtime/components.ts): nothing to start; stop stops following the cores it serves. */
export class Publisher extends Resource {
  readonly name = 'publisher'
  private readonly ctx: PublisherComponents
  private readonly keysPath: string
  private keysLoading: Promise<EncryptionKeys> | null = null
  /** Cores this node serves as their publisher (its own writable cores, or cores it published). */
  private readonly served = new Map<string, { core: Core; discovery: PeerDiscovery; onChange: () => void }>()
  private readonly growPending = new Set<string>()
  private restored = false

  constructor(ctx: PublisherComponents, init: PublisherInit) {
    super()
    this.ctx = ctx
    this.keysPath = init.keysPath
  }

  /** The node's encryption keys (every write path asks: an unreadable key file stops writes, not reads). */
  keys(): Promise<EncryptionKeys> {
    if (this.keysLoading === null) {
      this.keysLoading = EncryptionKeys.open(this.keysPath)
      this.keysLoading.catch(() => { this.keysLoading = null })
    }
    return this.keysLoading
  }

  /** Options for a session on one of this node's cores by key: its encryption key when it has one. */
  private async keyedOpts(coreKey: Buffer): Promise<CoreOpts> {
    const key = (await this.keys()).keyForCore(coreKey.toString('hex'))
    return key === null ? { key: coreKey } : { key: coreKey, encryption: { key } }
  }

  async localCore(name: string, opts: LocalCoreOptions = {}): Promise<Core> {
    const keys = await this.keys()
    const core = this.ctx.store.namespace('favor/local').get({ name })
    await core.ready()
    const hex = core.key.toString('hex')
    let key = keys.keyForCore(hex)
    if (key === null && opts.encrypt === true) {
      if (core.length > 0) {
        await core.close()
        throw new PublishError('NOT_ENCRYPTED', `local core '${name}' (${hex}) already holds ${core.length} plaintext blocks: only a new core can be encrypted (use another name)`)
      }
      key = await keys.createForCore(hex)
    }
    // Already served: hand out that session and close the new one (every store.get is a session).
    const served = this.served.get(hex)?.core
    const session = served !== undefined && served !== core ? served : core
    if (session !== core) await core.close()
    // Hypercore does not persist the key: without it here an append would be written in plaintext.
    if (key !== null && session.padding === 0) await session.setEncryptionKey(key)
    return session
  }

  /**
   * An encrypted core (or drive) of this node: its key the first time it is asked for (it is printed
   * once), null afterwards. NOT_ENCRYPTED for a core this node holds no key for.
   */
  async revealKey(coreKey: string, reveal = true): Promise<EncryptionInfo> {
    const keys = await this.keys()
    const unit = keys.unitOfCore(coreKey)
    if (unit === null || unit.unit === null) {
      throw new PublishError('NOT_ENCRYPTED', `core ${coreKey} is not an encrypted core of this node: blocks already written in plaintext cannot be encrypted afterwards (an encrypted core is created so, e.g. localCore(name, { encrypt: true }); a folder: favor publish --encrypt <folder>)`)
    }
    return { kind: unit.kind, unit: unit.unit, encryptionKey: reveal ? await keys.reveal(coreKey) : null, keyFile: keys.path }
  }

  /** Announces a core on its discovery key and follows its growth. */
  serve(core: Core): void {
    const hex = core.key.toString('hex')
    if (this.served.has(hex) || this.closing) return
    const discovery = this.ctx.swarm.join(core.discoveryKey, { server: true, client: true })
    const onChange = (): void => { this.growPending.add(hex) }
    core.on('append', onChange)
    core.on('truncate', onChange)
    this.served.set(hex, { core, discovery, onChange })
  }

  async publishCore(core: Core, opts: PublishOptions): Promise<{ requestId: number }> {
    await core.ready()
    this.serve(core)
    await this.ctx.swarm.flush()
    return this.publish(core.key, opts)
  }

  /**
   * One request for several local cores (a drive's metadata and blobs cores): one pin, one price,
   * replicas placed and repaired per core, billed by their total bytes. Every core is served first.
   */
  async publishCores(cores: Core[], opts: PublishOptions & { kind?: UnitKind }): Promise<{ requestId: number }> {
    if (!Number.isSafeInteger(opts.replicas) || opts.replicas < 1) throw new PublishError('INVALID_ARGUMENT', `replicas must be a positive integer, got ${opts.replicas}`)
    if (cores.length === 0) throw new PublishError('INVALID_ARGUMENT', 'no core to publish')
    for (const core of cores) {
      await core.ready()
      this.serve(core)
    }
    await this.ctx.swarm.flush()
    return this.publishOpened(cores, opts)
  }

  /**
   * Length and byte length of a core: local cores at once, remote ones once a peer tells their signed
   * length (null if none does within `timeoutMs`).
   */
  async coreInfo(coreKey: Buffer, timeoutMs: number): Promise<{ length: number; byteLength: number } | null> {
    const opened = await this.openRemote(coreKey, timeoutMs)
    if (opened === null) return null
    try {
      return { length: opened.core.length, byteLength: storedByteLength(opened.core) }
    } finally {
      await opened.release()
    }
  }

  /**
   * The core to publish: a served one, or a session on a remote core (found through its discovery
   * key) that the caller must `release` — every store.get is a session, and one per API call or
   * publish would otherwise stay open for the node's lifetime. null when no peer told its length in time.
   */
  private async openRemote(coreKey: Buffer, timeoutMs: number): Promise<{ core: Core; release: () => Promise<void> } | null> {
    const keep = { release: () => Promise.resolve() }
    const served = this.served.get(coreKey.toString('hex'))?.core
    if (served) return { core: served, ...keep }
    const core = this.ctx.store.get(await this.keyedOpts(coreKey))
    await core.ready()
    if (core.writable) {
      this.serve(core)
      return { core, ...keep }
    }
    this.ctx.swarm.join(core.discoveryKey, { server: true, client: true })
    const release = (): Promise<void> => core.close().catch((err: unknown) => {
      this.ctx.log.debug('publisher: closing a looked-up core failed', { component: 'publisher', core: core.key.toString('hex'), ...describeError(err) })
    })
    if (await within(core.update({ wait: true }), timeoutMs)) return { core, release }
    await release()
    return null
  }

  async publish(coreKey: Buffer, opts: PublishOptions): Promise<{ requestId: number }> {
    const hex = coreKey.toString('hex')
    if (!Number.isSafeInteger(opts.replicas) || opts.replicas < 1) throw new PublishError('INVALID_ARGUMENT', `replicas must be a positive integer, got ${opts.replicas}`)
    const findMs = opts.findTimeoutMs ?? DEFAULT_FIND_TIMEOUT_MS
    const opened = await this.openRemote(coreKey, findMs)
    if (opened === null) throw new PublishError('TIMEOUT', `no peer served core ${hex} within ${findMs} ms: publish from a node that has it, or keep its writer online`)
    try {
      return await this.publishOpened([opened.core], opts)
    } finally {
      await opened.release()
    }
  }

  private async publishOpened(cores: Core[], opts: PublishOptions & { kind?: UnitKind }): Promise<{ requestId: number }> {
    for (const core of cores) {
      if (core.length < 1) throw new PublishError('INVALID_ARGUMENT', `core ${core.key.toString('hex')} is empty: nothing to publish`)
    }
    const kv = this.ctx.ledger.kv
    const params = await getParams(kv)
    if (params === null) throw new PublishError('NO_NETWORK', 'network not initialised yet')
    const account = await getAccount(kv, this.ctx.account)
    const bytes = cores.reduce((sum, core) => sum + storedByteLength(core), 0)
    const need = epochCost(bytes, params.epochSeconds, params.priceMicroPerGiBHour) * BigInt(opts.replicas)
    if (account !== null && available(account) < need) {
      throw new PublishError('INSUFFICIENT_FAVOR', `not enough favor: one epoch of ${opts.replicas} replica(s) costs ${need} micro-favor, ${available(account)} available`)
    }
    const epoch = await currentEpoch(kv)
    const before = new Set((await openRequests(kv, this.ctx.account)).map((r) => r.id))
    let refusal: { code: RejectCodeValue; reason: string } | null = null
    const onApplied = (info: AppliedInfo): void => {
      if (info.writer === this.ctx.account && info.result.type === 'request' && !info.result.ok) refusal = { code: info.result.code, reason: info.result.reason }
    }
    this.ctx.ledger.on('applied', onApplied)
    try {
      return await this.appendRequest(cores, opts, epoch, params.priceMicroPerGiBHour, before, () => refusal)
    } finally {
      this.ctx.ledger.off('applied', onApplied)
    }
  }

  private async appendRequest(
    cores: Core[], opts: PublishOptions & { kind?: UnitKind }, epoch: number, price: bigint, before: Set<number>, refusal: () => { code: RejectCodeValue; reason: string } | null
  ): Promise<{ requestId: number }> {
    const hex = (cores[0] as Core).key.toString('hex')
    await this.ctx.append({
      type: 'request',
      time: Date.now(),
      // byteLength as stored: hosters keep (and are paid for) an encrypted core's padding too
      cores: cores.map((core) => ({ key: core.key, length: core.length, byteLength: storedByteLength(core), fork: core.fork })),
      replicas: opts.replicas,
      until: opts.until ?? epoch + DEFAULT_UNTIL_EPOCHS,
      maxPrice: opts.maxPrice ?? price,
      ...(opts.kind === undefined || opts.kind === 'core' ? {} : { kind: opts.kind })
    })
    // Our own append applies locally at once; find the new request for this core, or the refusal.
    const deadline = Date.now() + APPLY_TIMEOUT_MS
    while (Date.now() < deadline) {
      const mine = await openRequests(this.ctx.ledger.kv, this.ctx.account)
      const found = mine.find((r) => !before.has(r.id) && r.cores.some((c) => c.key === hex))
      if (found) return { requestId: found.id }
      const refused = refusal()
      if (refused !== null) throw new PublishError('LEDGER_REFUSED', `the ledger refused the request: ${refused.reason} (${refused.code})`, refused.code)
      await this.ctx.ledger.update()
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new PublishError('TIMEOUT', `the request was not applied within ${APPLY_TIMEOUT_MS} ms`)
  }

  /** Posts `grow` for published cores that grew (same fork) or were rewritten (a higher fork). */
  async reconcile(kv: LedgerKV): Promise<void> {
    if (!this.restored) {
      // After a restart: serve again the cores of our open requests that we can write (with their
      // encryption keys, loaded first: an unreadable key file leaves this for the next round).
      await this.keys()
      this.restored = true
      for (const r of await openRequests(kv, this.ctx.account)) {
        if (r.state !== 'queued' && r.state !== 'active') continue
        for (const c of r.cores) {
          if (this.served.has(c.key)) continue
          // keyed when encrypted: this session is the one served, and it must never append plaintext
          const core = this.ctx.store.get(await this.keyedOpts(Buffer.from(c.key, 'hex')))
          await core.ready()
          if (core.writable && core.length > 0) {
            this.serve(core)
            if (core.length > c.length || core.fork > c.fork) this.growPending.add(c.key)
          } else {
            await core.close()
          }
        }
      }
    }
    if (this.growPending.size === 0 || !this.ctx.ledger.writable) return
    const pending = [...this.growPending]
    this.growPending.clear()
    const mine = await openRequests(kv, this.ctx.account)
    for (const hex of pending) {
      const core = this.served.get(hex)?.core
      if (!core) continue
      for (const r of mine) {
        if (r.state !== 'queued' && r.state !== 'active') continue
        const c = r.cores.find((x) => x.key === hex)
        if (!c || core.length < 1) continue
        const rewritten = core.fork > c.fork
        if (!rewritten && (core.fork < c.fork || core.length <= c.length)) continue
        try {
          await this.ctx.append({ type: 'grow', time: Date.now(), requestId: r.id, coreKey: core.key, length: core.length, byteLength: storedByteLength(core), fork: core.fork })
        } catch (err) {
          this.growPending.add(hex)
          this.ctx.emitWarning(toError(err))
        }
      }
    }
  }

  protected override onclose(): void {
    for (const { core, onChange } of this.served.values()) {
      core.off('append', onChange)
      core.off('truncate', onChange)
    }
    this.served.clear()
  }
}
