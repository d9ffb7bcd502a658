// A write overlay over a LedgerKV: typed, decoded records cached per op; nothing reaches the store until
// `commit`, which first encodes every dirty record (so an encoding bug leaves no partial write) and then
// writes them in key order.
import type { LedgerKV } from './kv.js'
import { decodeRecord, encodeRecord } from './record.js'

interface Slot {
  value: unknown
  dirty: boolean
}

export class Tx {
  private readonly kv: LedgerKV
  private readonly cache = new Map<string, Slot>()
  private readonly sets = new Map<string, IdSet>()

  constructor(kv: LedgerKV) {
    this.kv = kv
  }

  async get<T>(key: string): Promise<T | null> {
    const hit = this.cache.get(key)
    if (hit !== undefined) return hit.value as T | null
    const raw = await this.kv.get(key)
    const value = raw === null ? null : decodeRecord<T>(raw)
    this.cache.set(key, { value, dirty: false })
    return value
  }

  /**
   * Every record whose key starts with `prefix`, in key order, as this op sees them: the store's, with
   * this op's own staged writes and deletions over them. Each record is cached like a `get` (the same
   * object later gets return). Not for the keys of `idSet`s, which reach the cache only on commit.
   */
  async scan<T>(prefix: string): Promise<[string, T][]> {
    for await (const [key, raw] of this.kv.scan(prefix)) {
      if (!this.cache.has(key)) this.cache.set(key, { value: decodeRecord<T>(raw), dirty: false })
    }
    const out: [string, T][] = []
    for (const [key, slot] of this.cache) {
      if (slot.value !== null && key.startsWith(prefix)) out.push([key, slot.value as T])
    }
    return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  }

  /** Stage a record (also call after mutating a record obtained from `get`). */
  set(key: string, value: unknown): void {
    this.cache.set(key, { value, dirty: true })
  }

  delete(key: string): void {
    this.cache.set(key, { value: null, dirty: true })
  }

  /** A set of ids stored as an ascending number array; staged as a whole on commit. */
  async idSet(key: string): Promise<IdSet> {
    let s = this.sets.get(key)
    if (s === undefined) {
      s = new IdSet((await this.get<number[]>(key)) ?? [])
      this.sets.set(key, s)
    }
    return s
  }

  async commit(): Promise<void> {
    for (const [key, s] of this.sets) {
      if (s.dirty) this.set(key, s.sorted())
    }
    const writes: [string, Uint8Array | null][] = []
    for (const [key, slot] of this.cache) {
      if (slot.dirty) writes.push([key, slot.value === null ? null : encodeRecord(slot.value)])
    }
    writes.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    for (const [key, value] of writes) {
      if (value === null) await this.kv.del(key)
      else await this.kv.put(key, value)
    }
  }
}

/** A set of numeric ids that knows whether it changed. */
export class IdSet {
  private readonly s: Set<number>
  dirty = false

  constructor(ids: Iterable<number>) {
    this.s = new Set(ids)
  }

  add(id: number): void {
    if (!this.s.has(id)) {
      this.s.add(id)
      this.dirty = true
    }
  }

  delete(id: number): void {
    if (this.s.delete(id)) this.dirty = true
  }

  has(id: number): boolean {
    return this.s.has(id)
  }

  get size(): number {
    return this.s.size
  }

  /** Ids in ascending order. */
  sorted(): number[] {
    return [...this.s].sort((a, b) => a - b)
  }
}
