// Admission: both sides of `favor/join/1` (src/protocol/join.ts). As a writer it decides join requests —
// the network's admission policy, this node's invites, the rate limit —, appends `add-writer` (or
// `redeem` for a ledger invite) and answers with the contract's verdict, mapped from its RejectCode. As
// a joiner it asks writers to admit this node (`join()`; automatically at start when the node cannot
// write yet). A component (src/runtime/components.ts): the node attaches it to every swarm connection
// from the swarm's start (the join channel must be paired synchronously); stopping it closes the service
// and waits for the admissions and the automatic join under way.
import { describeError, FavorError } from '../errors.js'
import {
  Admission, INVITE_SECRET_BYTES, RejectCode, getAccount, getInvite, getMeta, inviteHash,
  type AppliedInfo, type Ledger, type Op, type RejectCodeValue
} from '../ledger/index.js'
import {
  JoinError, JoinService, JoinTimeoutError, MAX_INVITE_BYTES,
  type AdmitRequest, type JoinReply, type JoinReplyCode, type JoinStage, type JoinStats
} from '../protocol/join.js'
import { toError } from '../roles/context.js'
import { Resource, component, type Component, type Logger } from '../runtime/index.js'
import { randomBytes, type Connection } from '../stack/index.js'
import { NotWritableError } from './errors.js'

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

export const DEFAULT_JOIN_TIMEOUT_MS = 60_000

/** How long the writer waits for its add-writer to apply before answering TIMEOUT. */
const ADMISSION_APPLY_TIMEOUT_MS = 10_000
/** A key admitted this recently is answered ALREADY_WRITER without a second add-writer. */
const RECENT_ADMISSION_MS = 60_000

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

/** The admission's init (from the node's config). */
export interface AdmissionInit {
  join: JoinSettings | undefined
  /** Ask to be admitted at start when not writable (not for the node that created the network). */
  autoJoin: boolean
}

/** The ledger as admission uses it. */
export type AdmissionLedger = Pick<Ledger, 'kv' | 'writable' | 'account' | 'discoveryKey' | 'writerKey' | 'update' | 'on' | 'off'>

/** What admission needs from the node: interfaces only. */
export interface AdmissionComponents {
  readonly ledger: AdmissionLedger
  readonly log: Logger
  /** Appends this node's op (NotWritableError before admission). */
  append(op: Op | Op[]): Promise<void>
  /** Resolves once this node can append, bounded (NotWritableError after `timeoutMs`). */
  waitWritable(timeoutMs: number): Promise<void>
  emitJoin(p: JoinProgressEvent): void
  emitWarning(err: Error): void
  /** True once the node began closing (admissions are refused from then on). */
  nodeClosing(): boolean
}

/** The admission's factory: its init first, its components when the node composes it. */
export function admission(init: AdmissionInit): (components: AdmissionComponents) => AdmissionService {
  return (components) => new AdmissionService(components, init)
}

export class AdmissionService extends Resource {
  readonly name = 'admission'
  private readonly c: AdmissionComponents
  private readonly init: AdmissionInit
  private readonly log: Logger
  private readonly joinService: JoinService
  private readonly invites = new Set<string>()
  /** Keys this node appended an add-writer for lately (hex → ms): duplicates are not appended again. */
  private readonly admittedRecently = new Map<string, number>()
  private admitChain: Promise<unknown> = Promise.resolve()
  private joinInvite: Buffer | null = null
  private autoJoining: Promise<void> | null = null

  constructor(components: AdmissionComponents, init: AdmissionInit) {
    super()
    this.c = components
    this.init = init
    this.log = components.log
    for (const t of init.join?.invites ?? []) this.invites.add(t.toLowerCase())
    if (init.join?.invite !== undefined) this.joinInvite = parseInvite(init.join.invite)
    this.joinService = new JoinService({
      discoveryKey: components.ledger.discoveryKey,
      writerKey: components.ledger.writerKey,
      admit: (req) => this.onJoinRequest(req),
      log: this.log.child('join')
    })
  }

  /** Pairs the join channel on a connection: call synchronously from the swarm's connection handler. */
  attach(conn: Connection): void {
    this.joinService.attach(conn)
  }

  /**
   * The `auto-join` component (the node starts it last, so it stops first): asks to be admitted when this
   * node cannot write yet. Its failure is a warning, not a failed start.
   */
  autoJoin(): Component {
    return component('auto-join', {
      start: () => {
        if (!this.init.autoJoin || this.c.ledger.writable) return
        this.autoJoining = this.join({ timeoutMs: this.init.join?.timeoutMs ?? DEFAULT_JOIN_TIMEOUT_MS }).catch((err: unknown) => {
          if (!this.isClosing()) this.c.emitWarning(new FavorError(`automatic join failed: ${toError(err).message}`, 'JOIN_FAILED', { cause: err }))
        })
      },
      stop: async () => {
        // closing the service ends the join's asking at once
        this.joinService.close()
        await this.autoJoining
      }
    })
  }

  /** Closes the service (no more requests), then waits for the admissions under way. */
  protected override async onclose(): Promise<void> {
    this.joinService.close()
    // each admission's failure went to its caller and the log already (onJoinRequest)
    await this.admitChain
  }

  private isClosing(): boolean {
    return this.closing || this.c.nodeClosing()
  }

  /** Logs a failure that does not stop what the node is doing, with the component and the step. */
  private logFailure(component: string, doing: string, err: unknown, level: 'debug' | 'warn' = 'warn'): void {
    this.log[level](`${component}: ${doing} failed`, { component, ...describeError(err) })
  }

  /** Admits a writer (its account = writer key hex) per the network's admission policy. */
  async admit(writerKeyHex: string, opts: { indexer?: boolean } = {}): Promise<void> {
    // Already admitted through favor/join/1 moments ago: a second add-writer would only be rejected.
    if (opts.indexer !== true && this.admittedRecently.has(writerKeyHex.toLowerCase())) return
    await this.c.append({ type: 'add-writer', time: Date.now(), writerKey: Buffer.from(writerKeyHex, 'hex'), indexer: opts.indexer ?? false })
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
    if (this.c.ledger.writable) return
    if (this.isClosing()) throw new JoinError('E_JOIN_CLOSED', 'node closed')
    if (opts.invite !== undefined) this.joinInvite = parseInvite(opts.invite)
    const timeoutMs = opts.timeoutMs ?? this.init.join?.timeoutMs ?? DEFAULT_JOIN_TIMEOUT_MS
    const deadline = Date.now() + timeoutMs
    // A reopened member is writable after its first update: do not ask writers for nothing.
    await this.c.ledger.update().catch((err: unknown) => { this.logFailure('join', 'first ledger update', err, 'debug') })
    if (this.c.ledger.writable) return
    const emit = (p: JoinProgressEvent): void => { this.c.emitJoin(p) }
    try {
      const res = await this.joinService.ask({
        timeoutMs: Math.max(1, deadline - Date.now()),
        invite: () => this.joinInvite,
        done: () => this.c.ledger.writable || this.isClosing(),
        onProgress: (p) => emit({ ...p }),
        ...(opts.signal ? { signal: opts.signal } : {})
      })
      if (this.isClosing()) throw new JoinError('E_JOIN_CLOSED', 'node closed')
      if (!this.c.ledger.writable) {
        try {
          await this.c.waitWritable(Math.max(1, deadline - Date.now()))
        } catch (err) {
          if (err instanceof NotWritableError) {
            throw new JoinTimeoutError(`admitted by ${res.peer?.slice(0, 16) ?? 'a writer'}… but not writable within ${timeoutMs} ms`, res.reply ?? null)
          }
          throw err
        }
      }
      this.log.info('joined: writable', { account: this.c.ledger.account })
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

  /** Counters of the `favor/join/1` service (requests answered, refused, violations, ...). */
  stats(): JoinStats {
    return { ...this.joinService.stats }
  }

  /** Writer side of `favor/join/1`: the admission policy, then add-writer and the contract's verdict. */
  private onJoinRequest(req: AdmitRequest): Promise<JoinReply> {
    const run = this.admitChain.then(() => this.decideJoin(req))
    // the chain only orders admissions; each one's failure goes to its own caller (and the log)
    this.admitChain = run.catch((err: unknown) => { this.logFailure('join', 'deciding a join request', err) })
    return run
  }

  private async decideJoin(req: AdmitRequest): Promise<JoinReply> {
    if (this.isClosing()) return { code: 'NOT_WRITABLE', message: 'node is closing' }
    if (!this.c.ledger.writable) return { code: 'NOT_WRITABLE', message: 'this node is not a writer (yet)' }
    const kv = this.c.ledger.kv
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
    if (adminOnly && this.c.ledger.account !== meta.admin) return { code: 'NOT_ADMIN', message: 'this network admits writers only through its admin' }
    let invite: string | null = null
    if (inviteOnly && req.invite === null) return { code: 'INVITE_REQUIRED', message: 'this network admits only with an invite from a member (favor network invite)' }
    if (this.init.join?.requireInvite ?? (adminOnly || inviteOnly)) {
      if (req.invite === null) return { code: 'INVITE_REQUIRED', message: 'this writer admits only with an invite' }
      invite = req.invite.toString('hex')
      if (!this.invites.delete(invite)) return { code: 'INVITE_INVALID', message: 'unknown or already used invite' }
    }
    const mine = await getAccount(kv, this.c.ledger.account)
    if (!adminOnly && mine !== null && mine.admitEpoch === meta.epoch && mine.admitCount >= meta.params.admissionsPerEpoch) {
      if (invite !== null) this.invites.add(invite)
      return { code: 'RATE_LIMITED', message: `this writer admitted ${mine.admitCount} writers this epoch (the limit)` }
    }
    const verdict = this.watchAdmission(target, ADMISSION_APPLY_TIMEOUT_MS)
    try {
      await this.c.append({ type: 'add-writer', time: Date.now(), writerKey: req.writerKey, indexer: false })
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
      await this.c.append({ type: 'redeem', time: Date.now(), writerKey: req.writerKey, secret })
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
      getAccount(this.c.ledger.kv, target)
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
      if (info.writer !== this.c.ledger.account || info.result.type !== type || info.result.ok) return
      rejected = { code: info.result.code, reason: info.result.reason }
    }
    const onUpdate = (): void => check()
    const cleanup = (): void => {
      this.c.ledger.off('applied', onApplied)
      this.c.ledger.off('update', onUpdate)
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
      this.c.ledger.on('applied', onApplied)
      this.c.ledger.on('update', onUpdate)
      timer = setInterval(() => {
        if (Date.now() > deadline || this.isClosing()) finish({ ok: false, refusal: rejected })
        else check()
      }, 100)
    })
    return { result, cancel: () => finish({ ok: false, refusal: null }) }
  }

  /** Forgets admissions older than RECENT_ADMISSION_MS (the map stays as small as the recent ones). */
  private pruneAdmitted(now: number): void {
    for (const [k, at] of this.admittedRecently) if (now - at > RECENT_ADMISSION_MS) this.admittedRecently.delete(k)
  }
}
