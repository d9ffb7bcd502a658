// The key-value surface the folder's apply and readers work over: a Hyperbee batch in the Autobase
// binding, a Map in unit tests. Values are JSON; keys sort as strings (Hyperbee's utf-8 order).
import type { BeeBatch, BeeReader } from '../stack/index.js'

export interface FolderReadKV {
  get<T>(key: string): Promise<T | null>
  /** Entries with keys starting with `prefix`, in key order. */
  list<T>(prefix: string): Promise<Array<{ key: string; value: T }>>
}

export interface FolderKV extends FolderReadKV {
  put(key: string, value: unknown): Promise<void>
}

/** In-memory KV (unit tests, and comparing states). */
export class MemoryKV implements FolderKV {
  readonly map = new Map<string, string>()
  get<T>(key: string): Promise<T | null> {
    const v = this.map.get(key)
    return Promise.resolve(v === undefined ? null : JSON.parse(v) as T)
  }
  put(key: string, value: unknown): Promise<void> {
    this.map.set(key, JSON.stringify(value))
    return Promise.resolve()
  }
  list<T>(prefix: string): Promise<Array<{ key: string; value: T }>> {
    const keys = [...this.map.keys()].filter((k) => k.startsWith(prefix)).sort()
    return Promise.resolve(keys.map((key) => ({ key, value: JSON.parse(this.map.get(key) as string) as T })))
  }
}

/** Reads a Hyperbee view (or a batch of it). */
export class BeeReadKV implements FolderReadKV {
  constructor(protected readonly bee: BeeReader) {}
  async get<T>(key: string): Promise<T | null> {
    const e = await this.bee.get(key)
    return e === null ? null : JSON.parse(e.value.toString('utf-8')) as T
  }
  async list<T>(prefix: string): Promise<Array<{ key: string; value: T }>> {
    const out: Array<{ key: string; value: T }> = []
    // '\uffff' sorts after every character a key uses, so [prefix, prefix + '\uffff') is the prefix range
    for await (const e of this.bee.createReadStream({ gte: prefix, lt: prefix + '\uffff' })) {
      out.push({ key: e.key, value: JSON.parse(e.value.toString('utf-8')) as T })
    }
    return out
  }
}

export class BeeBatchKV extends BeeReadKV implements FolderKV {
  constructor(private readonly batch: BeeBatch) {
    super(batch)
  }
  put(key: string, value: unknown): Promise<void> {
    return this.batch.put(key, Buffer.from(JSON.stringify(value)))
  }
}
