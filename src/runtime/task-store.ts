// Where the scheduler keeps its queue. The scheduler writes a task's record before its handler runs
// and deletes it only after the handler succeeded, so a crash at any point leaves the task in the
// store: delivery is at-least-once (a task may run again after a crash, never be lost).
import { mkdir, readFile, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { TASK_STORE_FILE_NAME, TASK_STORE_VERSION } from './constants.js'
import { writeFileDurable } from './durable-file.js'
import { ClosedError, CorruptStateError, NotOpenError } from './errors.js'

export type TaskRecordState = 'queued' | 'running'

/** One task as persisted. Plain JSON. */
export interface TaskRecord {
  readonly id: string
  readonly kind: string
  /** JSON value given to the handler. */
  readonly payload: unknown
  /** Dedupe key, or null. */
  readonly key: string | null
  /** Higher runs first. */
  readonly priority: number
  /** Absolute time (ms) after which the task expires, or null. */
  readonly deadline: number | null
  readonly maxAttempts: number
  readonly backoffBaseMs: number
  readonly backoffMaxMs: number
  /** Enqueue order, for FIFO among equal priorities. */
  readonly seq: number
  readonly enqueuedAt: number
  /** Earliest time (ms) the next attempt may start. */
  readonly runAt: number
  /** Times the handler was started (including runs cut short by a crash). */
  readonly attempts: number
  /** Times the handler failed (threw or rejected). */
  readonly failures: number
  /** `running` when the process stopped during an attempt. */
  readonly state: TaskRecordState
  readonly lastError: string | null
}

/** A pluggable persistent queue. Each call's promise resolves once the change is durable. */
export interface TaskStore {
  load(): Promise<TaskRecord[]>
  put(record: TaskRecord): Promise<void>
  delete(id: string): Promise<void>
  /** Flushes pending writes; later calls reject with ClosedError. Safe to call twice. */
  close(): Promise<void>
}

/** Keeps records in memory only. Share one instance between schedulers to simulate a restart. */
export class MemoryTaskStore implements TaskStore {
  readonly records = new Map<string, TaskRecord>()

  load(): Promise<TaskRecord[]> {
    return Promise.resolve([...this.records.values()].map((r) => ({ ...r })))
  }

  put(record: TaskRecord): Promise<void> {
    this.records.set(record.id, { ...record })
    return Promise.resolve()
  }

  delete(id: string): Promise<void> {
    this.records.delete(id)
    return Promise.resolve()
  }

  close(): Promise<void> {
    return Promise.resolve()
  }
}

interface StoreFile {
  readonly version: number
  readonly tasks: TaskRecord[]
}

/**
 * The queue as one JSON file (`{ version, tasks }`), rewritten atomically on every change: write a
 * temporary file, fsync it, rename it over the old one, fsync the directory. Changes made while a
 * write is in flight are coalesced into the next write, so a burst of N changes costs two writes,
 * not N. Meant for queues of up to some thousands of tasks.
 */
export class FileTaskStore implements TaskStore {
  readonly path: string
  readonly #tmpPath: string
  readonly #records = new Map<string, TaskRecord>()
  #loaded = false
  #closed = false
  /** The write in progress. */
  #writing: Promise<void> | null = null
  /** The next write, waiting for the one in progress; it will include every change made so far. */
  #next: Promise<void> | null = null

  /** `path` is the file; use `FileTaskStore.inDir(dir)` for the default name in a node's directory. */
  constructor(path: string) {
    this.path = path
    this.#tmpPath = `${path}.tmp`
  }

  static inDir(dir: string): FileTaskStore {
    return new FileTaskStore(join(dir, TASK_STORE_FILE_NAME))
  }

  async load(): Promise<TaskRecord[]> {
    if (this.#closed) throw new ClosedError('Task store is closed')
    await mkdir(dirname(this.path), { recursive: true })
    // A temporary file left by a crash mid-write is incomplete by definition; the rename never happened.
    await rm(this.#tmpPath, { force: true })
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
      text = ''
    }
    this.#records.clear()
    if (text !== '') {
      const file = parseStoreFile(text, this.path)
      for (const r of file.tasks) this.#records.set(r.id, r)
    }
    this.#loaded = true
    return [...this.#records.values()].map((r) => ({ ...r }))
  }

  put(record: TaskRecord): Promise<void> {
    const unusable = this.#unusable()
    if (unusable !== null) return Promise.reject(unusable)
    this.#records.set(record.id, { ...record })
    return this.#scheduleWrite()
  }

  delete(id: string): Promise<void> {
    const unusable = this.#unusable()
    if (unusable !== null) return Promise.reject(unusable)
    if (!this.#records.delete(id)) return this.#next ?? this.#writing ?? Promise.resolve()
    return this.#scheduleWrite()
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    // Wait for what was promised durable; a failure there was already reported to its caller.
    await (this.#next ?? this.#writing)?.catch(() => {})
  }

  #unusable(): Error | null {
    if (this.#closed) return new ClosedError('Task store is closed')
    if (!this.#loaded) return new NotOpenError('Task store must be loaded before it is written')
    return null
  }

  #scheduleWrite(): Promise<void> {
    if (this.#next !== null) return this.#next
    const previous = this.#writing ?? Promise.resolve()
    // the previous write's failure was reported to its callers; this write goes on regardless
    const next: Promise<void> = previous.catch(() => {}).then(async () => {
      // From here on, changes go into a new write.
      this.#next = null
      this.#writing = next
      try {
        await this.#writeNow()
      } finally {
        if (this.#writing === next) this.#writing = null
      }
    })
    this.#next = next
    return next
  }

  async #writeNow(): Promise<void> {
    const file: StoreFile = { version: TASK_STORE_VERSION, tasks: [...this.#records.values()] }
    await writeFileDurable(this.path, JSON.stringify(file))
  }
}

/**
 * Keeps the tasks of `transientKinds` in memory and the others in `durable`: for kinds whose task is
 * enqueued again at every start anyway (a periodic one), a durable record would only cost disk writes.
 */
export class TransientKindsStore implements TaskStore {
  readonly #durable: TaskStore
  readonly #memory = new MemoryTaskStore()
  readonly #transient: ReadonlySet<string>

  constructor(durable: TaskStore, transientKinds: Iterable<string>) {
    this.#durable = durable
    this.#transient = new Set(transientKinds)
  }

  async load(): Promise<TaskRecord[]> {
    const out: TaskRecord[] = []
    for (const r of await this.#durable.load()) {
      // a transient task in the durable store (written by a version that kept it) is dropped from it
      if (this.#transient.has(r.kind)) await this.#durable.delete(r.id)
      else out.push(r)
    }
    return out
  }

  put(record: TaskRecord): Promise<void> {
    return this.#transient.has(record.kind) ? this.#memory.put(record) : this.#durable.put(record)
  }

  delete(id: string): Promise<void> {
    if (this.#memory.records.has(id)) return this.#memory.delete(id)
    return this.#durable.delete(id)
  }

  close(): Promise<void> {
    return this.#durable.close()
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function parseStoreFile(text: string, path: string): StoreFile {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw new CorruptStateError(`${path}: not valid JSON`, { cause: err })
  }
  if (!isRecord(parsed) || !Array.isArray(parsed.tasks)) throw new CorruptStateError(`${path}: expected { version, tasks: [] }`)
  if (parsed.version !== TASK_STORE_VERSION) {
    throw new CorruptStateError(`${path}: unsupported task store version ${String(parsed.version)} (this build reads ${TASK_STORE_VERSION})`)
  }
  const tasks: TaskRecord[] = []
  for (const [i, t] of (parsed.tasks as unknown[]).entries()) {
    if (!isRecord(t) || typeof t.id !== 'string' || typeof t.kind !== 'string' || typeof t.attempts !== 'number' ||
      (t.state !== 'queued' && t.state !== 'running')) {
      throw new CorruptStateError(`${path}: task #${i} is malformed`)
    }
    tasks.push(t as unknown as TaskRecord)
  }
  return { version: TASK_STORE_VERSION, tasks }
}
