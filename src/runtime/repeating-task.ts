// Runs a function every interval, never overlapping itself: the next run is timed from the end of
// the previous one. Each run gets an AbortSignal, aborted on stop() or when the run exceeds its
// timeout. Errors are logged and reported, never thrown into the void.
import { systemClock } from './clock.js'
import type { Clock, TimerHandle } from './clock.js'
import { ClosedError, InvalidArgumentError, TimeoutError, toError } from './errors.js'
import { silentLogger } from './logger.js'
import type { Logger } from './logger.js'

export interface RepeatingTaskOptions {
  /** Pause between the end of one run and the start of the next, in ms. */
  readonly intervalMs: number
  /** Up to this many ms are added at random to each pause, so many nodes do not act in step. Default 0. */
  readonly jitterMs?: number
  /** Run once right after start() instead of waiting a first interval. Default false. */
  readonly runImmediately?: boolean
  /** Abort a run's signal after this many ms. Default: no timeout. */
  readonly timeoutMs?: number
  readonly clock?: Clock
  /** Returns [0, 1). */
  readonly random?: () => number
  readonly log?: Logger
  /** Called with each run's error (after it is logged). */
  readonly onError?: (error: Error) => void
}

export type RepeatingFn = (signal: AbortSignal) => Promise<void>

export class RepeatingTask {
  readonly #fn: RepeatingFn
  readonly #clock: Clock
  readonly #random: () => number
  readonly #log: Logger
  readonly #onError: ((error: Error) => void) | undefined
  readonly #jitterMs: number
  readonly #timeoutMs: number | undefined
  readonly #runImmediately: boolean
  #intervalMs: number
  #timer: TimerHandle | null = null
  #controller: AbortController | null = null
  #current: Promise<void> | null = null
  #started = false
  #stopped = false
  #runs = 0

  constructor(fn: RepeatingFn, options: RepeatingTaskOptions) {
    this.#fn = fn
    this.#intervalMs = checkMs('intervalMs', options.intervalMs)
    this.#jitterMs = checkMs('jitterMs', options.jitterMs ?? 0)
    this.#timeoutMs = options.timeoutMs === undefined ? undefined : checkMs('timeoutMs', options.timeoutMs)
    this.#runImmediately = options.runImmediately ?? false
    this.#clock = options.clock ?? systemClock
    this.#random = options.random ?? Math.random
    this.#log = options.log ?? silentLogger()
    this.#onError = options.onError
  }

  /** Completed runs (successful or not). */
  get runs(): number { return this.#runs }
  get running(): boolean { return this.#current !== null }

  /** Starts the schedule. Calling it again, or after stop(), does nothing. */
  start(): void {
    if (this.#started || this.#stopped) return
    this.#started = true
    if (this.#runImmediately) this.#runOnce()
    else this.#scheduleNext()
  }

  /** Changes the interval; takes effect from the next pause. */
  setInterval(ms: number): void {
    this.#intervalMs = checkMs('intervalMs', ms)
  }

  /** Stops the schedule, aborts a run in progress and waits for it. Safe to call twice. */
  async stop(): Promise<void> {
    this.#stopped = true
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer)
    this.#timer = null
    this.#controller?.abort(new ClosedError('Repeating task stopped'))
    await this.#current
  }

  #scheduleNext(): void {
    if (this.#stopped) return
    const delay = this.#intervalMs + Math.floor(this.#random() * this.#jitterMs)
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null
      this.#runOnce()
    }, delay)
  }

  #runOnce(): void {
    if (this.#stopped) return
    const controller = new AbortController()
    this.#controller = controller
    let timeout: TimerHandle | null = null
    if (this.#timeoutMs !== undefined) {
      timeout = this.#clock.setTimeout(() => { controller.abort(new TimeoutError('Repeating task run timed out')) }, this.#timeoutMs)
    }
    this.#current = (async () => {
      try {
        await this.#fn(controller.signal)
      } catch (err) {
        const error = toError(err)
        if (!this.#stopped) {
          this.#log.warn('repeating task failed', { error: error.message })
          try { this.#onError?.(error) } catch { /* a reporter that throws must not stop the schedule */ }
        }
      } finally {
        if (timeout !== null) this.#clock.clearTimeout(timeout)
        this.#runs++
        this.#controller = null
        this.#current = null
        this.#scheduleNext()
      }
    })()
  }
}

function checkMs(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new InvalidArgumentError(`${name}: expected milliseconds ≥ 0, got ${String(value)}`)
  return value
}
