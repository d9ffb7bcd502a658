// Time as an injected component, so the scheduler, repeating tasks and their tests can run on a
// manual clock. Timers started through a Clock must be cleared through the same Clock.

/** Opaque: whatever the clock's setTimeout returned. */
export type TimerHandle = object | number

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
  setTimeout(fn: () => void, ms: number): TimerHandle
  clearTimeout(handle: TimerHandle): void
}

/** Wall time and Node's timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => { clearTimeout(handle as ReturnType<typeof setTimeout>) }
}

interface ManualTimer {
  readonly id: number
  readonly at: number
  readonly fn: () => void
}

/**
 * A clock that only moves when told to. `advance(ms)` fires due timers in time order and lets
 * promise callbacks run between them, so async code driven by timers makes progress.
 */
export class ManualClock implements Clock {
  #now: number
  #nextId = 1
  #timers = new Map<number, ManualTimer>()

  constructor(start = 0) {
    this.#now = start
  }

  now(): number { return this.#now }

  /** Timers not yet fired or cleared. */
  get pendingTimers(): number { return this.#timers.size }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.#nextId++
    this.#timers.set(id, { id, at: this.#now + Math.max(0, ms), fn })
    return { __timer: id }
  }

  clearTimeout(handle: TimerHandle): void {
    const id = typeof handle === 'object' ? (handle as { __timer?: number }).__timer : undefined
    if (id !== undefined) this.#timers.delete(id)
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms
    for (;;) {
      await settle()
      let next: ManualTimer | undefined
      for (const t of this.#timers.values()) {
        if (t.at <= target && (next === undefined || t.at < next.at || (t.at === next.at && t.id < next.id))) next = t
      }
      if (next === undefined) break
      this.#timers.delete(next.id)
      this.#now = Math.max(this.#now, next.at)
      next.fn()
    }
    this.#now = target
    await settle()
  }
}

/** Lets pending promise callbacks and I/O callbacks scheduled on this turn run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}
