// A small open/close lifecycle in the spirit of holepunchto/ready-resource: both calls are cached, so
// either may be called any number of times from anywhere; closing during an open waits for the open
// and then closes; an open that fails closes itself (so `onclose` must cope with a half-opened
// object) and rejects with the open's error.
import { EventEmitter } from 'node:events'
import { ClosedError } from './errors.js'

/**
 * Base class of long-lived objects. Subclasses override `onopen` and `onclose`; callers use `open()`,
 * `close()`, `opened`, `closed`. The type parameter is the subclass's event map (Node's typed
 * EventEmitter); the base class itself emits nothing.
 */
export class Resource<Events extends Record<keyof Events, unknown[]> = Record<never, never>> extends EventEmitter<Events> {
  #opening: Promise<void> | null = null
  /** Settles (never rejects) when `onopen` finished, either way. */
  #attempt: Promise<void> | null = null
  #closing: Promise<void> | null = null
  #opened = false
  #closed = false

  /** True once `onopen` finished successfully (stays true after close). */
  get opened(): boolean { return this.#opened }
  /** True once `onclose` finished (or the resource was closed before it was ever opened). */
  get closed(): boolean { return this.#closed }
  /** True from the first `close()` call on. */
  get closing(): boolean { return this.#closing !== null }

  /** Opens once; later calls return the same promise. Rejects with ClosedError after `close()`. */
  open(): Promise<void> {
    if (this.#opening === null) {
      if (this.#closing !== null) return Promise.reject(new ClosedError(`${this.constructor.name} is closed`))
      const attempt = Promise.resolve().then(() => this.onopen())
      this.#attempt = attempt.then(() => {}, () => {})
      this.#opening = attempt.then(
        () => { this.#opened = true },
        async (err: unknown) => {
          // A failed open closes itself so no half-opened parts stay behind.
          await this.close().catch(() => {})
          throw err
        }
      )
    }
    return this.#opening
  }

  /** Closes once; later calls return the same promise. Waits for a running open first. */
  close(): Promise<void> {
    if (this.#closing === null) this.#closing = this.#close()
    return this.#closing
  }

  /** Throws ClosedError when closing or closed: a guard for methods that need the resource live. */
  protected assertLive(): void {
    if (this.#closing !== null) throw new ClosedError(`${this.constructor.name} is closed`)
  }

  /** Subclass hook: acquire what the resource needs. */
  protected onopen(): Promise<void> | void {}
  /**
   * Subclass hook: release it. Called exactly once if `open()` was ever called — after a successful
   * or a failed `onopen`, so it must cope with a half-opened object. Not called when the resource is
   * closed without ever being opened.
   */
  protected onclose(): Promise<void> | void {}

  async #close(): Promise<void> {
    const attempt = this.#attempt
    try {
      if (attempt !== null) {
        await attempt
        await this.onclose()
      }
    } finally {
      this.#closed = true
    }
  }
}
