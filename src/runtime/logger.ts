// An injected, namespaced logger. Every component gets one from its parent with `child(name)`; the
// root carries a per-node prefix so many nodes can log into one test process readably. There is no
// global logger and no `console`: records go to a sink (stderr by default, memory in tests).
import { LOG_ROOT_NAMESPACE } from './constants.js'

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
/** A threshold: records below it are dropped. `silent` drops everything. */
export type LogThreshold = LogLevel | 'silent'

export const LOG_LEVELS: readonly LogThreshold[] = ['debug', 'info', 'warn', 'error', 'silent']

const RANK: Record<LogThreshold, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 }

export type LogFields = Readonly<Record<string, unknown>>

export interface LogRecord {
  /** Milliseconds since the epoch, from the logger's clock. */
  readonly time: number
  readonly level: LogLevel
  /** The node's prefix, e.g. `alice`; empty when none was set. */
  readonly prefix: string
  /** Colon-separated namespace, e.g. `favor:hoster:mirror`. */
  readonly namespace: string
  readonly message: string
  readonly fields: LogFields | undefined
}

/** Receives every record that passed the level and namespace filters. Must not throw. */
export type LogSink = (record: LogRecord) => void

export interface Logger {
  readonly namespace: string
  readonly prefix: string
  debug(message: string, fields?: LogFields): void
  info(message: string, fields?: LogFields): void
  warn(message: string, fields?: LogFields): void
  error(message: string, fields?: LogFields): void
  /** Whether a record at `level` would be written (to skip building expensive fields). */
  enabled(level: LogLevel): boolean
  /** A logger for a component below this one: `favor:hoster` → `favor:hoster:mirror`. */
  child(name: string): Logger
}

export interface LoggerOptions {
  /** Per-node prefix shown on every line, e.g. the node's name. */
  readonly prefix?: string
  /** Lowest level written. Default `info`. */
  readonly level?: LogThreshold
  /**
   * Which namespaces may write debug and info records, in the `DEBUG` syntax: comma- or
   * space-separated patterns, `*` matches anything, a leading `-` excludes
   * (`favor:*,-favor:scheduler`). Unset means every namespace. Warnings and errors are never
   * filtered by namespace: a failure should not vanish because a component was not enabled.
   */
  readonly namespaces?: string
  /** Where records go. Default: one formatted line per record written to stderr. */
  readonly sink?: LogSink
  /** Root namespace. Default `favor`. */
  readonly root?: string
  /** Clock for record times, in ms. Default `Date.now`. */
  readonly now?: () => number
}

interface NamespaceFilter {
  (namespace: string): boolean
}

function patternToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*?')
  return new RegExp(`^${escaped}$`)
}

/** Compiles a `DEBUG`-style pattern list into a predicate. */
export function compileNamespaces(spec: string | undefined): NamespaceFilter {
  if (spec === undefined) return () => true
  const include: RegExp[] = []
  const exclude: RegExp[] = []
  for (const raw of spec.split(/[\s,]+/)) {
    if (raw === '') continue
    if (raw.startsWith('-')) exclude.push(patternToRegExp(raw.slice(1)))
    else include.push(patternToRegExp(raw))
  }
  return (namespace) => {
    if (exclude.some((re) => re.test(namespace))) return false
    return include.some((re) => re.test(namespace))
  }
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) ? JSON.stringify(value) : value
  if (value instanceof Error) return JSON.stringify(value.message)
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')
  try {
    return JSON.stringify(value) ?? String(value)
  } catch (err) {
    // JSON.stringify throws TypeError on a cycle or a nested bigint: print what String gives
    if (!(err instanceof TypeError)) throw err
    return String(value)
  }
}

/** One readable line: `2024-… INFO [alice] favor:hoster mirrored key=ab12 blocks=3`. */
export function formatRecord(record: LogRecord): string {
  const parts = [new Date(record.time).toISOString(), record.level.toUpperCase().padEnd(5)]
  if (record.prefix !== '') parts.push(`[${record.prefix}]`)
  parts.push(record.namespace, record.message)
  if (record.fields !== undefined) {
    for (const [k, v] of Object.entries(record.fields)) parts.push(`${k}=${formatValue(v)}`)
  }
  return parts.join(' ')
}

export interface WritableLike {
  write(chunk: string): unknown
}

/** A sink writing one formatted line per record to a stream (stderr when none is given). */
export function createStreamSink(stream: WritableLike = process.stderr): LogSink {
  return (record) => {
    stream.write(formatRecord(record) + '\n')
  }
}

export interface MemorySink {
  readonly sink: LogSink
  readonly records: LogRecord[]
  /** The records formatted as lines, without times (stable in tests): `INFO [alice] favor:x msg k=v`. */
  lines(): string[]
  clear(): void
}

/** A sink that keeps records in memory, for tests. */
export function createMemorySink(): MemorySink {
  const records: LogRecord[] = []
  return {
    sink: (record) => { records.push(record) },
    records,
    lines: () => records.map((r) => formatRecord(r).replace(/^\S+ /, '').replace(/^(\S+)\s+/, '$1 ')),
    clear: () => { records.length = 0 }
  }
}

interface Shared {
  readonly prefix: string
  readonly threshold: number
  readonly filter: NamespaceFilter
  readonly sink: LogSink
  readonly now: () => number
}

function makeLogger(shared: Shared, namespace: string): Logger {
  const namespaceOn = shared.filter(namespace)
  const enabled = (level: LogLevel): boolean => {
    if (RANK[level] < shared.threshold) return false
    return level === 'warn' || level === 'error' || namespaceOn
  }
  const write = (level: LogLevel, message: string, fields?: LogFields): void => {
    if (!enabled(level)) return
    try {
      shared.sink({ time: shared.now(), level, prefix: shared.prefix, namespace, message, fields })
    } catch {
      // A broken sink must not break the caller; there is nowhere left to report it.
    }
  }
  return {
    namespace,
    prefix: shared.prefix,
    debug: (m, f) => { write('debug', m, f) },
    info: (m, f) => { write('info', m, f) },
    warn: (m, f) => { write('warn', m, f) },
    error: (m, f) => { write('error', m, f) },
    enabled,
    child: (name) => makeLogger(shared, `${namespace}:${name}`)
  }
}

/** The root logger of one node. Pass it (or its children) to every component. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info'
  if (!(level in RANK)) throw new TypeError(`Unknown log level '${String(level)}'`)
  const shared: Shared = {
    prefix: options.prefix ?? '',
    threshold: RANK[level],
    filter: compileNamespaces(options.namespaces),
    sink: options.sink ?? createStreamSink(),
    now: options.now ?? Date.now
  }
  return makeLogger(shared, options.root ?? LOG_ROOT_NAMESPACE)
}

/** A logger that drops everything, the default where a component was given none. */
export function silentLogger(): Logger {
  return createLogger({ level: 'silent', sink: () => {} })
}
