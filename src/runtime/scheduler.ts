// A persistent task scheduler. Kinds of task are registered with a handler; tasks are enqueued with a
// JSON payload and options (dedupe key, priority, deadline, attempts, backoff, delay). The queue is
// kept in a TaskStore, so tasks survive restarts.
//
// Delivery is AT-LEAST-ONCE. A task's record is written (state `running`, attempt count incremented)
// before its handler starts and deleted only after the handler succeeded. If the process dies in
// between, the task runs again on the next start, with its attempt count kept. Handlers must
// therefore be idempotent (safe to run again after a partial or even a complete run).
import { randomUUID } from 'node:crypto'
import { backoffDelay } from './backoff.js'
import { systemClock } from './clock.js'
import type { Clock, TimerHandle } from './clock.js'
import {
  DEFAULT_BACKOFF_BASE_MS, DEFAULT_BACKOFF_MAX_MS, DEFAULT_SCHEDULER_CLOSE_TIMEOUT_MS,
  DEFAULT_SCHEDULER_CONCURRENCY, DEFAULT_SCHEDULER_MAX_QUEUED, DEFAULT_TASK_MAX_ATTEMPTS
} from './constants.js'
import {
  AlreadyExistsError, ClosedError, DeadlineExceededError, InvalidArgumentError, NonRetryableError,
  NotOpenError, QueueFullError, TaskCancelledError, UnknownTaskKindError, toError
} from './errors.js'
import { Resource } from './lifecycle.js'
import { silentLogger } from './logger.js'
import type { Logger } from './logger.js'
import { MemoryTaskStore } from './task-store.js'
import type { TaskRecord, TaskStore } from './task-store.js'

export interface TaskContext {
  readonly id: string
  readonly kind: string
  /** 1 on the first run; counts every start, including runs cut short by a crash. */
  readonly attempt: number
  /** Aborted on `cancel(id)` (reason TaskCancelledError), at the deadline (DeadlineExceededError) and on `close()` (ClosedError). */
  readonly signal: AbortSignal
  readonly log: Logger
}

/** Resolve to succeed; throw to fail (retried unless attempts are used up or it is a NonRetryableError). */
export type TaskHandler<P> = (payload: P, context: TaskContext) => Promise<void>

export interface TaskKindOptions {
  /** Tasks of this kind running at once. Default: unlimited (only the global limit applies). */
  readonly concurrency?: number
  /** Defaults for tasks of this kind; enqueue options override them. */
  readonly maxAttempts?: number
  readonly backoffBaseMs?: number
  readonly backoffMaxMs?: number
}

export interface EnqueueOptions {
  /**
   * Dedupe key. While a task with this key is queued, enqueueing another returns the queued one
   * (`deduped: true`). While one is running, the new task is queued and starts only after the
   * running one finished: at most one task per key runs at a time.
   */
  readonly key?: string
  /** Higher first; equal priorities run in enqueue order. Default 0. */
  readonly priority?: number
  /** Absolute time in ms (scheduler clock). Not started after it; a running task's signal is aborted at it. */
  readonly deadline?: number
  /** Earliest start, absolute ms. */
  readonly runAt?: number
  /** Earliest start, relative to now, in ms. Ignored when `runAt` is given. */
  readonly delayMs?: number
  /** Handler failures allowed before the task fails for good. */
  readonly maxAttempts?: number
  readonly backoffBaseMs?: number
  readonly backoffMaxMs?: number
}

export interface EnqueueResult {
  readonly id: string
  /** True when an already queued task with the same key was returned instead. */
  readonly deduped: boolean
}

export interface TaskInfo {
  readonly id: string
  readonly kind: string
  readonly key: string | null
  readonly priority: number
  readonly state: 'queued' | 'running'
  readonly attempts: number
  readonly failures: number
  readonly runAt: number
  readonly deadline: number | null
  readonly lastError: string | null
}

export interface SchedulerCounters {
  /** Tasks waiting (ready or delayed). */
  readonly queued: number
  /** Tasks whose handler is running. */
  readonly running: number
  readonly succeeded: number
  readonly failed: number
  /** Retries scheduled. */
  readonly retried: number
  readonly cancelled: number
  readonly expired: number
}

export interface KindDepth {
  queued: number
  running: number
}

export interface TaskEvent {
  readonly id: string
  readonly kind: string
  readonly key: string | null
  readonly attempt: number
}

export interface SchedulerEvents {
  enqueued: [TaskEvent]
  started: [TaskEvent]
  succeeded: [TaskEvent & { readonly durationMs: number }]
  failed: [TaskEvent & { readonly error: Error }]
  retrying: [TaskEvent & { readonly error: Error, readonly delayMs: number, readonly runAt: number }]
  cancelled: [TaskEvent]
  expired: [TaskEvent]
}

export interface SchedulerOptions {
  /** Tasks running at once, all kinds together. */
  readonly concurrency?: number
  /** Tasks held (queued and running) before `enqueue` refuses with QueueFullError. */
  readonly maxQueued?: number
  /** How long `close()` waits for aborted handlers to return, in ms. */
  readonly closeTimeoutMs?: number
  readonly maxAttempts?: number
  readonly backoffBaseMs?: number
  readonly backoffMaxMs?: number
}

export interface SchedulerComponents {
  /** Default: in memory (nothing survives a restart). Use FileTaskStore.inDir(nodeDir) in a node. */
  readonly store?: TaskStore
  readonly logger?: Logger
  /** Times runAt, backoff, deadlines and the close timeout (a ManualClock must be advanced for close to time out). */
  readonly clock?: Clock
  /** Returns [0, 1); drives backoff jitter. */
  readonly random?: () => number
  readonly generateId?: () => string
}

interface Kind {
  readonly name: string
  readonly handler: TaskHandler<unknown>
  readonly concurrency: number
  readonly options: TaskKindOptions
  running: number
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

interface Entry {
  record: Mutable<TaskRecord>
  controller: AbortController | null
  deadlineTimer: TimerHandle | null
  cancelRequested: boolean
  /** Settles when the current run finished and its outcome is recorded. */
  done: Promise<void> | null
}

const DEDUPE_INDEX_NONE = null

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value < 1) throw new InvalidArgumentError(`${name}: expected a positive integer, got ${String(value)}`)
  return value
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isFinite(value) || value < 0) throw new InvalidArgumentError(`${name}: expected a number ≥ 0, got ${String(value)}`)
  return value
}

/**
 * The scheduler. Register kinds, `open()`, then `enqueue`. `Tasks` maps kind names to payload types
 * for type-checked registration and enqueueing.
 */
export class Scheduler<Tasks extends Record<string, unknown> = Record<string, unknown>> extends Resource<SchedulerEvents> {
  readonly #store: TaskStore
  readonly #log: Logger
  readonly #clock: Clock
  readonly #random: () => number
  readonly #generateId: () => string
  readonly #concurrency: number
  readonly #maxQueued: number
  readonly #closeTimeoutMs: number
  readonly #defaults: { maxAttempts: number, backoffBaseMs: number, backoffMaxMs: number }

  readonly #kinds = new Map<string, Kind>()
  readonly #entries = new Map<string, Entry>()
  /** Dedupe index: key → id of the queued (not running) task with that key. */
  readonly #queuedByKey = new Map<string, string>()
  /** Keys with a running task. */
  readonly #runningKeys = new Set<string>()
  readonly #idleWaiters: Array<() => void> = []
  #running = 0
  /** Runs whose outcome is being recorded (entry already forgotten, store write in flight). */
  #finishing = 0
  #seq = 0
  #live = false
  #wakeTimer: TimerHandle | null = null
  #wakeAt = Infinity
  #counts = { succeeded: 0, failed: 0, retried: 0, cancelled: 0, expired: 0 }

  constructor(components: SchedulerComponents = {}, options: SchedulerOptions = {}) {
    super()
    this.#store = components.store ?? new MemoryTaskStore()
    this.#log = components.logger ?? silentLogger()
    this.#clock = components.clock ?? systemClock
    this.#random = components.random ?? Math.random
    this.#generateId = components.generateId ?? randomUUID
    this.#concurrency = positiveInt('concurrency', options.concurrency, DEFAULT_SCHEDULER_CONCURRENCY)
    this.#maxQueued = positiveInt('maxQueued', options.maxQueued, DEFAULT_SCHEDULER_MAX_QUEUED)
    this.#closeTimeoutMs = nonNegative('closeTimeoutMs', options.closeTimeoutMs, DEFAULT_SCHEDULER_CLOSE_TIMEOUT_MS)
    this.#defaults = {
      maxAttempts: positiveInt('maxAttempts', options.maxAttempts, DEFAULT_TASK_MAX_ATTEMPTS),
      backoffBaseMs: nonNegative('backoffBaseMs', options.backoffBaseMs, DEFAULT_BACKOFF_BASE_MS),
      backoffMaxMs: nonNegative('backoffMaxMs', options.backoffMaxMs, DEFAULT_BACKOFF_MAX_MS)
    }
  }

  /**
   * Registers the handler of a kind. Register every kind before `open()` so that tasks reloaded from
   * the store find their handler; tasks of a kind with no handler stay queued (they are not dropped).
   */
  register<K extends keyof Tasks & string>(kind: K, handler: TaskHandler<Tasks[K]>, options: TaskKindOptions = {}): void {
    this.assertLive()
    if (this.#kinds.has(kind)) throw new AlreadyExistsError(`Task kind '${kind}' is already registered`)
    const concurrency = positiveInt(`${kind}.concurrency`, options.concurrency, Number.MAX_SAFE_INTEGER)
    positiveInt(`${kind}.maxAttempts`, options.maxAttempts, 1)
    nonNegative(`${kind}.backoffBaseMs`, options.backoffBaseMs, 0)
    nonNegative(`${kind}.backoffMaxMs`, options.backoffMaxMs, 0)
    this.#kinds.set(kind, { name: kind, handler: handler as TaskHandler<unknown>, concurrency, options, running: 0 })
    this.#pump()
  }

  /**
   * Adds a task; resolves once it is durable in the store. The payload must be JSON-serialisable: it
   * is stored as JSON and the handler receives the parsed copy (Buffers become `{ type, data }`).
   */
  async enqueue<K extends keyof Tasks & string>(kind: K, payload: Tasks[K], options: EnqueueOptions = {}): Promise<EnqueueResult> {
    this.assertLive()
    if (!this.#live) throw new NotOpenError('Scheduler must be opened before enqueueing')
    const k = this.#kinds.get(kind)
    if (k === undefined) throw new UnknownTaskKindError(kind)

    const key = options.key ?? DEDUPE_INDEX_NONE
    if (key !== null) {
      const existing = this.#queuedByKey.get(key)
      if (existing !== undefined) return { id: existing, deduped: true }
    }
    if (this.#entries.size >= this.#maxQueued) throw new QueueFullError(`Queue full (${this.#maxQueued} tasks held)`)

    let json: string | undefined
    try {
      json = JSON.stringify(payload)
    } catch (err) {
      throw new InvalidArgumentError(`Task payload for '${kind}' is not JSON-serialisable`, { cause: err })
    }
    const now = this.#clock.now()
    const priority = options.priority ?? 0
    if (!Number.isFinite(priority)) throw new InvalidArgumentError(`priority: expected a finite number, got ${String(priority)}`)
    const deadline = options.deadline ?? null
    if (deadline !== null && !Number.isFinite(deadline)) throw new InvalidArgumentError(`deadline: expected a time in ms, got ${String(deadline)}`)
    const runAt = options.runAt ?? now + nonNegative('delayMs', options.delayMs, 0)
    const record: Mutable<TaskRecord> = {
      id: this.#generateId(),
      kind,
      payload: json === undefined ? null : JSON.parse(json) as unknown,
      key,
      priority,
      deadline,
      maxAttempts: positiveInt('maxAttempts', options.maxAttempts, k.options.maxAttempts ?? this.#defaults.maxAttempts),
      backoffBaseMs: nonNegative('backoffBaseMs', options.backoffBaseMs, k.options.backoffBaseMs ?? this.#defaults.backoffBaseMs),
      backoffMaxMs: nonNegative('backoffMaxMs', options.backoffMaxMs, k.options.backoffMaxMs ?? this.#defaults.backoffMaxMs),
      seq: this.#seq++,
      enqueuedAt: now,
      runAt,
      attempts: 0,
      failures: 0,
      state: 'queued',
      lastError: null
    }
    const entry: Entry = { record, controller: null, deadlineTimer: null, cancelRequested: false, done: null }
    // Index before awaiting the store so that a concurrent enqueue with the same key dedupes.
    this.#entries.set(record.id, entry)
    if (key !== null) this.#queuedByKey.set(key, record.id)
    try {
      await this.#store.put({ ...record })
    } catch (err) {
      this.#forget(entry)
      throw err
    }
    this.#emit('enqueued', this.#event(record))
    this.#pump()
    return { id: record.id, deduped: false }
  }

  /**
   * Cancels a task. A queued task is removed; a running task's signal is aborted with
   * TaskCancelledError and the task is removed when its handler returns (no retry). Resolves true
   * once that happened, false when no such task exists.
   */
  async cancel(id: string): Promise<boolean> {
    const entry = this.#entries.get(id)
    if (entry === undefined) return false
    if (entry.record.state === 'running') {
      entry.cancelRequested = true
      entry.controller?.abort(new TaskCancelledError(`Task ${id} cancelled`))
      await entry.done
      return true
    }
    this.#forget(entry)
    this.#finishing++
    try {
      await this.#storeDelete(id)
    } finally {
      this.#finishing--
    }
    this.#counts.cancelled++
    this.#emit('cancelled', this.#event(entry.record))
    this.#pump()
    this.#checkIdle()
    return true
  }

  get(id: string): TaskInfo | undefined {
    const entry = this.#entries.get(id)
    return entry === undefined ? undefined : info(entry.record)
  }

  /** Every queued and running task. */
  list(): TaskInfo[] {
    return [...this.#entries.values()].map((e) => info(e.record))
  }

  /** Whether a task with dedupe key `key` is queued (waiting or backing off) or running. */
  has(key: string): boolean {
    return this.#queuedByKey.has(key) || this.#runningKeys.has(key)
  }

  /** Tasks held per kind: queued (waiting, delayed or backing off) and running. */
  depths(): Record<string, KindDepth> {
    const out: Record<string, KindDepth> = {}
    for (const k of this.#kinds.keys()) out[k] = { queued: 0, running: 0 }
    for (const e of this.#entries.values()) {
      const d = out[e.record.kind] ??= { queued: 0, running: 0 }
      if (e.record.state === 'running') d.running++
      else d.queued++
    }
    return out
  }

  counters(): SchedulerCounters {
    let queued = 0
    for (const e of this.#entries.values()) if (e.record.state === 'queued') queued++
    return { queued, running: this.#running, ...this.#counts }
  }

  /**
   * Resolves when no task is queued or running (immediately if none is), or when the scheduler
   * closes. Tasks of a kind with no registered handler count as queued.
   */
  onIdle(): Promise<void> {
    if (this.#entries.size === 0 && this.#finishing === 0) return Promise.resolve()
    return new Promise((resolve) => { this.#idleWaiters.push(resolve) })
  }

  protected override async onopen(): Promise<void> {
    const records = await this.#store.load()
    for (const stored of records) {
      const record: Mutable<TaskRecord> = { ...stored }
      if (record.state === 'running') {
        // The process stopped during this attempt. The attempt count is kept; the interruption is
        // not a handler failure, so the task runs again even if that was its last attempt — unless
        // it was interrupted more often than it may fail, which looks like a task that crashes the process.
        record.state = 'queued'
        const interruptions = record.attempts - record.failures
        if (interruptions > record.maxAttempts) {
          this.#log.warn('dropping task interrupted too often', { id: record.id, kind: record.kind, attempts: record.attempts })
          await this.#storeDelete(record.id)
          this.#counts.failed++
          this.#emit('failed', { ...this.#event(record), error: new NonRetryableError(`Task ${record.id} was interrupted ${interruptions} times`) })
          continue
        }
        this.#log.info('resuming task interrupted by a stop', { id: record.id, kind: record.kind, attempt: record.attempts })
      }
      this.#seq = Math.max(this.#seq, record.seq + 1)
      this.#entries.set(record.id, { record, controller: null, deadlineTimer: null, cancelRequested: false, done: null })
    }
    // Dedupe index: the earliest queued task of each key.
    const byKey = [...this.#entries.values()].filter((e) => e.record.key !== null).sort((a, b) => a.record.seq - b.record.seq)
    for (const e of byKey) {
      if (e.record.key !== null && !this.#queuedByKey.has(e.record.key)) this.#queuedByKey.set(e.record.key, e.record.id)
    }
    for (const e of this.#entries.values()) {
      if (!this.#kinds.has(e.record.kind)) this.#log.warn('task of unregistered kind waits for its handler', { id: e.record.id, kind: e.record.kind })
    }
    this.#live = true
    this.#pump()
  }

  protected override async onclose(): Promise<void> {
    this.#live = false
    this.#clearWake()
    const runs: Promise<void>[] = []
    for (const e of this.#entries.values()) {
      if (e.controller !== null) {
        e.controller.abort(new ClosedError('Scheduler closed'))
        if (e.done !== null) runs.push(e.done)
      }
    }
    if (runs.length > 0) {
      let timer: TimerHandle | null = null
      const timeout = new Promise<void>((resolve) => { timer = this.#clock.setTimeout(resolve, this.#closeTimeoutMs) })
      await Promise.race([Promise.allSettled(runs), timeout])
      if (timer !== null) this.#clock.clearTimeout(timer)
      const left = [...this.#entries.values()].filter((e) => e.controller !== null).length
      if (left > 0) this.#log.warn('closed with tasks still running; they will run again on the next start', { tasks: left })
    }
    for (const e of this.#entries.values()) this.#clearDeadline(e)
    await this.#store.close()
    for (const resolve of this.#idleWaiters.splice(0)) resolve()
  }

  // --- internals ------------------------------------------------------------------------------

  #pump(): void {
    if (!this.#live) return
    const now = this.#clock.now()
    const ready: Entry[] = []
    for (const e of this.#entries.values()) {
      const r = e.record
      if (r.state !== 'queued') continue
      if (r.deadline !== null && r.deadline <= now) {
        this.#expireQueued(e)
        continue
      }
      if (r.runAt <= now && this.#kinds.has(r.kind) && (r.key === null || !this.#runningKeys.has(r.key))) ready.push(e)
    }
    ready.sort((a, b) => b.record.priority - a.record.priority || a.record.seq - b.record.seq)
    for (const e of ready) {
      if (this.#running >= this.#concurrency) break
      const kind = this.#kinds.get(e.record.kind)
      if (kind === undefined || kind.running >= kind.concurrency) continue
      if (e.record.key !== null && this.#runningKeys.has(e.record.key)) continue
      this.#start(e, kind, now)
    }
    this.#armWake(now)
  }

  #armWake(now: number): void {
    let next = Infinity
    for (const e of this.#entries.values()) {
      const r = e.record
      if (r.state !== 'queued') continue
      if (r.runAt > now && this.#kinds.has(r.kind)) next = Math.min(next, r.runAt)
      if (r.deadline !== null) next = Math.min(next, r.deadline)
    }
    if (next === this.#wakeAt && this.#wakeTimer !== null) return
    this.#clearWake()
    if (next === Infinity) return
    this.#wakeAt = next
    this.#wakeTimer = this.#clock.setTimeout(() => {
      this.#wakeTimer = null
      this.#wakeAt = Infinity
      this.#pump()
    }, Math.max(0, next - now))
  }

  #clearWake(): void {
    if (this.#wakeTimer !== null) this.#clock.clearTimeout(this.#wakeTimer)
    this.#wakeTimer = null
    this.#wakeAt = Infinity
  }

  #clearDeadline(e: Entry): void {
    if (e.deadlineTimer !== null) this.#clock.clearTimeout(e.deadlineTimer)
    e.deadlineTimer = null
  }

  #start(e: Entry, kind: Kind, now: number): void {
    const r = e.record
    r.state = 'running'
    r.attempts += 1
    if (r.key !== null) {
      if (this.#queuedByKey.get(r.key) === r.id) this.#queuedByKey.delete(r.key)
      this.#runningKeys.add(r.key)
    }
    this.#running++
    kind.running++
    const controller = new AbortController()
    e.controller = controller
    if (r.deadline !== null) {
      e.deadlineTimer = this.#clock.setTimeout(() => {
        e.deadlineTimer = null
        controller.abort(new DeadlineExceededError(`Task ${r.id} passed its deadline`))
      }, Math.max(0, r.deadline - now))
    }
    e.done = this.#run(e, kind, controller)
  }

  async #run(e: Entry, kind: Kind, controller: AbortController): Promise<void> {
    const r = e.record
    const event = this.#event(r)
    let ok = false
    let error: unknown = null
    const started = this.#clock.now()
    try {
      // Durable before the handler runs: a crash from here on reruns the task with this attempt count.
      await this.#store.put({ ...r })
      if (controller.signal.aborted) throw controller.signal.reason
      this.#emit('started', event)
      const log = this.#log.child(kind.name)
      await kind.handler(r.payload, { id: r.id, kind: kind.name, attempt: r.attempts, signal: controller.signal, log })
      ok = true
    } catch (err) {
      error = err
    }
    this.#clearDeadline(e)
    e.controller = null
    this.#running--
    kind.running--
    if (r.key !== null) this.#runningKeys.delete(r.key)

    this.#finishing++
    try {
      await this.#settle(e, ok, error, controller.signal, event, started)
    } finally {
      this.#finishing--
    }
    this.#pump()
    this.#checkIdle()
  }

  async #settle(e: Entry, ok: boolean, error: unknown, signal: AbortSignal, event: TaskEvent, started: number): Promise<void> {
    const r = e.record
    if (ok) {
      this.#forget(e)
      await this.#storeDelete(r.id)
      this.#counts.succeeded++
      this.#emit('succeeded', { ...event, durationMs: this.#clock.now() - started })
    } else if (!this.#live) {
      // Stopped by close(): not a failure. The store still says `running`; the next start reruns it.
      this.#entries.delete(r.id)
    } else {
      await this.#settleFailure(e, toError(error), signal)
    }
  }

  async #settleFailure(e: Entry, error: Error, signal: AbortSignal): Promise<void> {
    const r = e.record
    const event = this.#event(r)
    const now = this.#clock.now()
    r.lastError = error.message
    if (e.cancelRequested) {
      this.#forget(e)
      await this.#storeDelete(r.id)
      this.#counts.cancelled++
      this.#emit('cancelled', event)
      return
    }
    const deadlinePassed = (signal.aborted && signal.reason instanceof DeadlineExceededError) || (r.deadline !== null && r.deadline <= now)
    if (deadlinePassed) {
      this.#forget(e)
      await this.#storeDelete(r.id)
      this.#counts.expired++
      this.#emit('expired', event)
      return
    }
    r.failures += 1
    if (error instanceof NonRetryableError || r.failures >= r.maxAttempts) {
      this.#forget(e)
      await this.#storeDelete(r.id)
      this.#counts.failed++
      this.#log.warn('task failed', { id: r.id, kind: r.kind, attempts: r.attempts, error: error.message })
      this.#emit('failed', { ...event, error })
      return
    }
    const delayMs = backoffDelay(r.failures, { baseMs: r.backoffBaseMs, maxMs: r.backoffMaxMs }, this.#random)
    const runAt = now + delayMs
    if (r.deadline !== null && runAt >= r.deadline) {
      this.#forget(e)
      await this.#storeDelete(r.id)
      this.#counts.expired++
      this.#emit('expired', event)
      return
    }
    r.runAt = runAt
    r.state = 'queued'
    if (r.key !== null && !this.#queuedByKey.has(r.key)) this.#queuedByKey.set(r.key, r.id)
    try {
      await this.#store.put({ ...r })
    } catch (err) {
      this.#log.error('could not persist a retry', { id: r.id, error: toError(err).message })
    }
    this.#counts.retried++
    this.#log.debug('task will be retried', { id: r.id, kind: r.kind, attempt: r.attempts, delayMs, error: error.message })
    this.#emit('retrying', { ...event, error, delayMs, runAt })
  }

  #expireQueued(e: Entry): void {
    this.#forget(e)
    this.#counts.expired++
    this.#emit('expired', this.#event(e.record))
    this.#finishing++
    // #storeDelete never rejects.
    void this.#storeDelete(e.record.id).then(() => {
      this.#finishing--
      this.#checkIdle()
    })
  }

  /** Removes a task from memory (not from the store). */
  #forget(e: Entry): void {
    this.#entries.delete(e.record.id)
    const key = e.record.key
    if (key !== null && this.#queuedByKey.get(key) === e.record.id) this.#queuedByKey.delete(key)
  }

  async #storeDelete(id: string): Promise<void> {
    try {
      await this.#store.delete(id)
    } catch (err) {
      // Closed store (a late handler after close timed out) or an I/O error: the task stays on disk
      // and runs again on the next start, which at-least-once allows.
      this.#log.warn('could not delete a finished task from the store', { id, error: toError(err).message })
    }
  }

  #checkIdle(): void {
    if (this.#entries.size !== 0 || this.#finishing !== 0) return
    for (const resolve of this.#idleWaiters.splice(0)) resolve()
  }

  #event(r: TaskRecord): TaskEvent {
    return { id: r.id, kind: r.kind, key: r.key, attempt: r.attempts }
  }

  #emit<E extends keyof SchedulerEvents>(name: E, ...args: SchedulerEvents[E]): void {
    try {
      (this.emit as (n: E, ...a: SchedulerEvents[E]) => boolean)(name, ...args)
    } catch (err) {
      this.#log.error('scheduler event listener threw', { event: name, error: toError(err).message })
    }
  }
}

function info(r: TaskRecord): TaskInfo {
  return {
    id: r.id,
    kind: r.kind,
    key: r.key,
    priority: r.priority,
    state: r.state,
    attempts: r.attempts,
    failures: r.failures,
    runAt: r.runAt,
    deadline: r.deadline,
    lastError: r.lastError
  }
}
