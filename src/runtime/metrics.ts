// A small registry of named counters and gauges, read through snapshot() (for the HTTP API and the
// dashboard). Names are dotted: `scheduler.tasks.succeeded`. Components may also register a collector
// that reports values they already keep (e.g. Scheduler.counters()) at snapshot time.
import { AlreadyExistsError, InvalidArgumentError } from './errors.js'

export interface Counter {
  readonly name: string
  /** Adds `n` (default 1, must be ≥ 0). */
  inc(n?: number): void
  readonly value: number
}

export interface Gauge {
  readonly name: string
  set(value: number): void
  inc(n?: number): void
  dec(n?: number): void
  readonly value: number
}

export type MetricType = 'counter' | 'gauge'

export interface MetricValue {
  readonly type: MetricType
  readonly value: number
  readonly help: string
}

export type MetricsSnapshot = Readonly<Record<string, MetricValue>>

/** Returns gauge values by name (names are prefixed with the collector's prefix). */
export type Collector = () => Readonly<Record<string, number>>

const NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_.:-]*$/

export class Metrics {
  readonly #metrics = new Map<string, { type: MetricType, help: string, get: () => number }>()
  readonly #collectors = new Map<string, Collector>()

  /** The counter `name`, created on first use. Asking again returns the same counter. */
  counter(name: string, help = ''): Counter {
    const existing = this.#existing(name, 'counter')
    if (existing !== undefined) return existing
    let value = 0
    const counter: Counter = {
      name,
      inc: (n = 1) => {
        if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`Counter ${name}: increment must be ≥ 0, got ${String(n)}`)
        value += n
      },
      get value() { return value }
    }
    this.#metrics.set(name, { type: 'counter', help, get: () => value })
    this.#instances.set(name, counter)
    return counter
  }

  /** The gauge `name`, created on first use. */
  gauge(name: string, help = ''): Gauge {
    const existing = this.#existing(name, 'gauge')
    if (existing !== undefined) return existing as Gauge
    let value = 0
    const check = (n: number): number => {
      if (!Number.isFinite(n)) throw new InvalidArgumentError(`Gauge ${name}: expected a finite number, got ${String(n)}`)
      return n
    }
    const gauge: Gauge = {
      name,
      set: (v) => { value = check(v) },
      inc: (n = 1) => { value += check(n) },
      dec: (n = 1) => { value -= check(n) },
      get value() { return value }
    }
    this.#metrics.set(name, { type: 'gauge', help, get: () => value })
    this.#instances.set(name, gauge)
    return gauge
  }

  /** Adds a collector whose values appear as gauges `<prefix>.<name>`. Returns a function that removes it. */
  collect(prefix: string, collector: Collector): () => void {
    if (!NAME_RE.test(prefix)) throw new InvalidArgumentError(`Invalid metric prefix '${prefix}'`)
    if (this.#collectors.has(prefix)) throw new AlreadyExistsError(`A collector with prefix '${prefix}' exists`)
    this.#collectors.set(prefix, collector)
    return () => { this.#collectors.delete(prefix) }
  }

  /** Every metric's current value, names sorted. */
  snapshot(): MetricsSnapshot {
    const out: Record<string, MetricValue> = {}
    for (const [name, m] of this.#metrics) out[name] = { type: m.type, value: m.get(), help: m.help }
    for (const [prefix, collector] of this.#collectors) {
      for (const [name, value] of Object.entries(collector())) out[`${prefix}.${name}`] = { type: 'gauge', value, help: '' }
    }
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
  }

  readonly #instances = new Map<string, Counter | Gauge>()

  #existing(name: string, type: MetricType): Counter | Gauge | undefined {
    if (!NAME_RE.test(name)) throw new InvalidArgumentError(`Invalid metric name '${name}'`)
    const m = this.#metrics.get(name)
    if (m === undefined) return undefined
    if (m.type !== type) throw new AlreadyExistsError(`Metric '${name}' exists as a ${m.type}`)
    return this.#instances.get(name)
  }
}
