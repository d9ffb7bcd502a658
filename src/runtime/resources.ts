// A keyed registry of shared resources (open cores, connections, files). The first `acquire(key)`
// opens the resource; concurrent and later acquirers share that one open; each gets a handle and
// the resource is closed when the last handle is released (after an optional linger, so a quick
// re-acquire does not reopen it). It also holds the node's disk quota, so one object answers for
// what the node holds open and how much disk it promised.
import { DEFAULT_RESOURCE_LINGER_MS } from './constants.js'
import { DiskQuota } from './quota.js'
import { systemClock } from './clock.js'
import type { Clock, TimerHandle } from './clock.js'
import { ClosedError, DoubleReleaseError, InvalidArgumentError, toError } from './errors.js'
import { silentLogger } from './logger.js'
import type { Logger } from './logger.js'

/** Anything with a close method. */
export interface Closable {
  close(): Promise<void> | void
}

export interface ResourceHandle<T> {
  readonly key: string
  readonly value: T
  /**
   * Gives the resource back. Resolves when done — after the resource closed if this was the last
   * user and there is no linger. A second call rejects with DoubleReleaseError and changes nothing.
   * After `closeAll()` it resolves without effect.
   */
  release(): Promise<void>
}

export interface ResourceManagerOptions {
  /** Keep a resource open this many ms after its last release. Default 0. */
  readonly lingerMs?: number
}

export interface ResourceManagerComponents {
  readonly clock?: Clock
  readonly logger?: Logger
  /** The disk quota (default: capacity 0 until the node offers storage). */
  readonly quota?: DiskQuota
}

export interface ResourceStats {
  /** Resources open or opening. */
  readonly open: number
  /** Handles out, all resources together. */
  readonly users: number
  readonly opened: number
  readonly closed: number
}

interface Entry {
  readonly key: string
  refs: number
  value: Closable | null
  opening: Promise<Closable>
  lingerTimer: TimerHandle | null
  closing: Promise<void> | null
}

/** What `/status` shows: the open resources and their users, and the quota's totals. */
export interface ResourceUsage extends ResourceStats {
  readonly quota: { readonly capacityBytes: number, readonly reservedBytes: number, readonly usedBytes: number, readonly reservations: number }
  /** Open resources and their users by kind: the key's part before the first ':' (e.g. `core`, `conn`). */
  readonly kinds: Readonly<Record<string, { readonly open: number, readonly users: number }>>
}

/** A resource key's kind: its part before the first ':' (`core:<hex>` → `core`). */
function kindOf(key: string): string {
  const i = key.indexOf(':')
  return i < 0 ? key : key.slice(0, i)
}

export class ResourceManager {
  readonly quota: DiskQuota
  readonly #entries = new Map<string, Entry>()
  readonly #lingerMs: number
  readonly #clock: Clock
  readonly #log: Logger
  #closed = false
  #opened = 0
  #closedCount = 0
  /** Opened and closed counts by kind (the key's part before the first ':'). */
  readonly #byKind = new Map<string, { opened: number, closed: number }>()

  constructor(components: ResourceManagerComponents = {}, options: ResourceManagerOptions = {}) {
    const linger = options.lingerMs ?? DEFAULT_RESOURCE_LINGER_MS
    if (!Number.isFinite(linger) || linger < 0) throw new InvalidArgumentError(`lingerMs: expected ms ≥ 0, got ${String(linger)}`)
    this.#lingerMs = linger
    this.#clock = components.clock ?? systemClock
    this.#log = components.logger ?? silentLogger()
    this.quota = components.quota ?? new DiskQuota({ capacityBytes: 0 })
  }

  /**
   * A handle on the resource at `key`, opening it with `opener` if it is not open. If the open
   * fails, every concurrent acquirer gets the error and nothing is registered. While the resource
   * is closing, acquire waits for the close to finish and opens it anew.
   */
  async acquire<T extends Closable>(key: string, opener: () => Promise<T> | T): Promise<ResourceHandle<T>> {
    if (this.#closed) throw new ClosedError('Resource manager is closed')
    let entry = this.#entries.get(key)
    while (entry?.closing != null) {
      await entry.closing
      if (this.#closed) throw new ClosedError('Resource manager is closed')
      entry = this.#entries.get(key)
    }
    if (entry === undefined) {
      const created: Entry = { key, refs: 0, value: null, opening: Promise.resolve().then(opener), lingerTimer: null, closing: null }
      entry = created
      this.#entries.set(key, created)
      created.opening.then((value) => {
        created.value = value
        this.#opened++
        this.#countsOf(key).opened++
      }, () => {
        if (this.#entries.get(key) === created) this.#entries.delete(key)
      })
    }
    if (entry.lingerTimer !== null) {
      this.#clock.clearTimeout(entry.lingerTimer)
      entry.lingerTimer = null
    }
    entry.refs++
    let value: Closable
    try {
      value = await entry.opening
    } catch (err) {
      entry.refs--
      throw err
    }
    if (this.#closed) {
      // closeAll() ran while we waited for the open; it closed the value.
      throw new ClosedError('Resource manager is closed')
    }
    return this.#handle(entry, value as T)
  }

  /** Users of `key` (0 when not open). */
  refs(key: string): number {
    return this.#entries.get(key)?.refs ?? 0
  }

  has(key: string): boolean {
    return this.#entries.has(key)
  }

  /** The open value at `key` (undefined while it is opening, closing or not open); takes no reference. */
  peek<T extends Closable>(key: string): T | undefined {
    const e = this.#entries.get(key)
    return e === undefined || e.closing !== null ? undefined : (e.value as T | null) ?? undefined
  }

  /** Counts of every resource, or of one kind (the key's part before the first ':', e.g. `core`). */
  stats(kind?: string): ResourceStats {
    let users = 0
    let open = 0
    for (const e of this.#entries.values()) {
      if (kind !== undefined && kindOf(e.key) !== kind) continue
      open++
      users += e.refs
    }
    if (kind === undefined) return { open, users, opened: this.#opened, closed: this.#closedCount }
    const c = this.#byKind.get(kind)
    return { open, users, opened: c?.opened ?? 0, closed: c?.closed ?? 0 }
  }

  #countsOf(key: string): { opened: number, closed: number } {
    const kind = kindOf(key)
    let c = this.#byKind.get(kind)
    if (c === undefined) this.#byKind.set(kind, c = { opened: 0, closed: 0 })
    return c
  }

  usage(): ResourceUsage {
    const q = this.quota.usage()
    const kinds: Record<string, { open: number, users: number }> = {}
    for (const e of this.#entries.values()) {
      const kind = kindOf(e.key)
      const k = kinds[kind] ?? (kinds[kind] = { open: 0, users: 0 })
      k.open++
      k.users += e.refs
    }
    return { ...this.stats(), kinds, quota: { capacityBytes: q.capacityBytes, reservedBytes: q.reservedBytes, usedBytes: q.usedBytes, reservations: q.reservations.length } }
  }

  /**
   * Closes every resource whatever its users, and refuses new acquires. Safe to call twice.
   * Rejects with an AggregateError listing the close errors, after every close was attempted.
   */
  async closeAll(): Promise<void> {
    this.#closed = true
    const errors: Error[] = []
    const entries = [...this.#entries.values()]
    await Promise.all(entries.map(async (entry) => {
      try {
        await entry.opening
      } catch {
        return // never opened
      }
      try {
        await (entry.closing ?? this.#closeEntry(entry))
      } catch (err) {
        errors.push(toError(err))
      }
    }))
    if (errors.length > 0) throw new AggregateError(errors, `${errors.length} resource(s) failed to close`)
  }

  #handle<T>(entry: Entry, value: T): ResourceHandle<T> {
    let released = false
    return {
      key: entry.key,
      value,
      release: async () => {
        if (released) throw new DoubleReleaseError(`Resource '${entry.key}' released twice`)
        released = true
        if (this.#closed || this.#entries.get(entry.key) !== entry) return
        entry.refs--
        if (entry.refs > 0) return
        if (this.#lingerMs > 0) {
          entry.lingerTimer = this.#clock.setTimeout(() => {
            entry.lingerTimer = null
            if (entry.refs === 0 && entry.closing === null) {
              this.#closeEntry(entry).catch((err: unknown) => {
                this.#log.warn('resource failed to close', { key: entry.key, error: toError(err).message })
              })
            }
          }, this.#lingerMs)
          return
        }
        await this.#closeEntry(entry)
      }
    }
  }

  #closeEntry(entry: Entry): Promise<void> {
    if (entry.lingerTimer !== null) {
      this.#clock.clearTimeout(entry.lingerTimer)
      entry.lingerTimer = null
    }
    entry.closing = (async () => {
      try {
        await entry.value?.close()
      } finally {
        this.#closedCount++
        this.#countsOf(entry.key).closed++
        if (this.#entries.get(entry.key) === entry) this.#entries.delete(entry.key)
      }
    })()
    return entry.closing
  }
}
