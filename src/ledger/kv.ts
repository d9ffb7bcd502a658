// The key-value interface the contract runs over, an in-memory implementation, and the state digest.
import { blake2b } from '../stack/crypto.js'

/** Async because the live store is a Hyperbee batch. Keys are ASCII. */
export interface LedgerKV {
  get(key: string): Promise<Uint8Array | null>
  put(key: string, value: Uint8Array): Promise<void>
  del(key: string): Promise<void>
  /** Every entry whose key starts with `prefix`, in key order (ASCII keys: code-unit order = byte order). */
  scan(prefix: string): AsyncIterable<[string, Uint8Array]>
}

/** The first key after every key that starts with `prefix` (for a range read): its last character + 1. */
export function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)
}

/** A Map-backed LedgerKV (simulator, tests, replay). */
export class MemoryKV implements LedgerKV {
  readonly map = new Map<string, Uint8Array>()

  get(key: string): Promise<Uint8Array | null> {
    return Promise.resolve(this.map.get(key) ?? null)
  }

  put(key: string, value: Uint8Array): Promise<void> {
    this.map.set(key, value)
    return Promise.resolve()
  }

  del(key: string): Promise<void> {
    this.map.delete(key)
    return Promise.resolve()
  }

  scan(prefix: string): AsyncIterable<[string, Uint8Array]> {
    const it = this.entries(prefix)[Symbol.iterator]()
    return { [Symbol.asyncIterator]: () => ({ next: () => Promise.resolve(it.next()) }) }
  }

  /** Synchronous read (for the simulator's hot paths). */
  getSync(key: string): Uint8Array | null {
    return this.map.get(key) ?? null
  }

  /** All entries sorted by key (byte order equals code-unit order for ASCII keys). */
  entries(prefix = ''): [string, Uint8Array][] {
    const out: [string, Uint8Array][] = []
    for (const [k, v] of this.map) if (k.startsWith(prefix)) out.push([k, v])
    out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    return out
  }

  get size(): number {
    return this.map.size
  }
}

function u32be(n: number): Uint8Array {
  const b = Buffer.allocUnsafe(4)
  b.writeUInt32BE(n >>> 0)
  return b
}

/**
 * BLAKE2b-256 over key/value pairs that must already be sorted by key:
 * for each pair `u32be(keyLen) ‖ key ‖ u32be(valueLen) ‖ value`, prefixed with a domain tag.
 */
export function digestEntries(sorted: Iterable<readonly [string, Uint8Array]>): Buffer {
  const parts: Uint8Array[] = [Buffer.from('favor/ledger/digest/1')]
  for (const [k, v] of sorted) {
    const kb = Buffer.from(k)
    parts.push(u32be(kb.byteLength), kb, u32be(v.byteLength), v)
  }
  return blake2b(parts)
}

/** The state digest of a MemoryKV: any two nodes with the same state get the same 32 bytes. */
export function digest(kv: MemoryKV): Buffer {
  return digestEntries(kv.entries())
}
