// Limiters for concurrent connections and transfers: an async semaphore whose `acquire` resolves to
// a release function, with a bounded number of waiters, a timeout and an AbortSignal.
import { DEFAULT_LIMIT_MAX_WAITERS, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_TRANSFERS } from './constants.js'
import { AbortError, ClosedError, InvalidArgumentError, TimeoutError, TooManyWaitersError } from './errors.js'

/** Gives the permit back. Idempotent: calling it again does nothing (safe in `finally`). */
export type Release = () => void

export interface SemaphoreOptions {
  /** Permits: holders at once. */
  readonly max: number
  /** Callers allowed to wait; the next one gets TooManyWaitersError. */
  readonly maxWaiters?: number
  /** Default wait limit per acquire, in ms. Default: none. */
  readonly timeoutMs?: number
  /** For error messages, e.g. `connections`. */
  readonly name?: string
}

export interface AcquireOptions {
  readonly signal?: AbortSignal
  /** Overrides the semaphore's timeoutMs. */
  readonly timeoutMs?: number
}

export interface SemaphoreStats {
  readonly max: number
  readonly active: number
  readonly waiting: number
  /** Permits granted so far. */
  readonly acquired: number
  readonly rejected: number
  readonly timedOut: number
  readonly aborted: number
}

interface Waiter {
  grant(): void
  fail(error: Error): void
}

export class Semaphore {
  readonly name: string
  readonly #maxWaiters: number
  readonly #timeoutMs: number | undefined
  readonly #waiters: Waiter[] = []
  #max: number
  #active = 0
  #closed = false
  #acquired = 0
  #rejected = 0
  #timedOut = 0
  #aborted = 0

  constructor(options: SemaphoreOptions) {
    this.#max = checkPositive('max', options.max)
    this.#maxWaiters = options.maxWaiters === undefined ? DEFAULT_LIMIT_MAX_WAITERS : checkNonNegative('maxWaiters', options.maxWaiters)
    this.#timeoutMs = options.timeoutMs === undefined ? undefined : checkNonNegative('timeoutMs', options.timeoutMs)
    this.name = options.name ?? 'semaphore'
  }

  get max(): number { return this.#max }
  get active(): number { return this.#active }
  get waiting(): number { return this.#waiters.length }

  stats(): SemaphoreStats {
    return {
      max: this.#max,
      active: this.#active,
      waiting: this.#waiters.length,
      acquired: this.#acquired,
      rejected: this.#rejected,
      timedOut: this.#timedOut,
      aborted: this.#aborted
    }
  }

  /** Changes the number of permits; raising it lets waiters in at once. */
  setMax(max: number): void {
    this.#max = checkPositive('max', max)
    this.#drain()
  }

  /** A permit now, or null when none is free (never waits). */
  tryAcquire(): Release | null {
    if (this.#closed || this.#active >= this.#max || this.#waiters.length > 0) return null
    return this.#grant()
  }

  /** Waits for a permit. Rejects with TimeoutError, AbortError, TooManyWaitersError or ClosedError. */
  acquire(options: AcquireOptions = {}): Promise<Release> {
    if (this.#closed) return Promise.reject(new ClosedError(`${this.name} limiter is closed`))
    const { signal } = options
    if (signal?.aborted === true) {
      this.#aborted++
      return Promise.reject(new AbortError(`Waiting for ${this.name} aborted`, { cause: signal.reason }))
    }
    const now = this.tryAcquire()
    if (now !== null) return Promise.resolve(now)
    if (this.#waiters.length >= this.#maxWaiters) {
      this.#rejected++
      return Promise.reject(new TooManyWaitersError(`Too many waiting for ${this.name} (${this.#maxWaiters})`))
    }
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs
    return new Promise<Release>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | null = null
      const cleanup = (): void => {
        if (timer !== null) clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        const i = this.#waiters.indexOf(waiter)
        if (i !== -1) this.#waiters.splice(i, 1)
      }
      const waiter: Waiter = {
        grant: () => {
          cleanup()
          resolve(this.#grant())
        },
        fail: (error) => {
          cleanup()
          reject(error)
        }
      }
      const onAbort = (): void => {
        this.#aborted++
        waiter.fail(new AbortError(`Waiting for ${this.name} aborted`, { cause: signal?.reason }))
      }
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.#timedOut++
          waiter.fail(new TimeoutError(`Waited ${timeoutMs} ms for ${this.name}`))
        }, timeoutMs)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#waiters.push(waiter)
    })
  }

  /** Runs `fn` holding a permit. */
  async run<T>(fn: () => Promise<T>, options: AcquireOptions = {}): Promise<T> {
    const release = await this.acquire(options)
    try {
      return await fn()
    } finally {
      release()
    }
  }

  /** Rejects every waiter with ClosedError and refuses new acquires. Holders keep their permits. */
  close(): void {
    this.#closed = true
    for (const w of [...this.#waiters]) w.fail(new ClosedError(`${this.name} limiter is closed`))
  }

  #grant(): Release {
    this.#active++
    this.#acquired++
    let released = false
    return () => {
      if (released) return
      released = true
      this.#active--
      this.#drain()
    }
  }

  #drain(): void {
    while (!this.#closed && this.#active < this.#max) {
      const next = this.#waiters[0]
      if (next === undefined) return
      next.grant()
    }
  }
}

export interface NodeLimits {
  readonly connections: Semaphore
  readonly transfers: Semaphore
  close(): void
}

export interface NodeLimitsOptions {
  readonly connections?: number
  readonly transfers?: number
  readonly maxWaiters?: number
}

/** The node's connection and transfer limiters. */
export function createNodeLimits(options: NodeLimitsOptions = {}): NodeLimits {
  const base = options.maxWaiters === undefined ? {} : { maxWaiters: options.maxWaiters }
  const connections = new Semaphore({ ...base, max: options.connections ?? DEFAULT_MAX_CONNECTIONS, name: 'connections' })
  const transfers = new Semaphore({ ...base, max: options.transfers ?? DEFAULT_MAX_TRANSFERS, name: 'transfers' })
  return {
    connections,
    transfers,
    close: () => {
      connections.close()
      transfers.close()
    }
  }
}

function checkPositive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new InvalidArgumentError(`${name}: expected a positive integer, got ${String(value)}`)
  return value
}

function checkNonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new InvalidArgumentError(`${name}: expected a number ≥ 0, got ${String(value)}`)
  return value
}
