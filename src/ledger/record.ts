// Deterministic record encoding: canonical JSON (object keys sorted, no whitespace), integers only.
// A bigint is written as {"$b":"<decimal>"}; ops never put objects into records, so the marker
// cannot be forged by user input. Floats, NaN, undefined in arrays and other types are refused.
// Hot path of the contract (every record read and written goes through here): the encoder builds one
// string (no part arrays), caches the sorted key order per object shape and quotes plain ASCII strings
// without JSON.stringify; the decoder parses without a reviver and revives bigints in one walk, only
// when the text contains the marker at all. The bytes are exactly those of the straightforward encoder.
import { RecordEncodingError } from './errors.js'

/** Sorted key order per shape (the insertion-ordered key list joined), for the records' few shapes. */
const sortedKeys = new Map<string, string[]>()
const SHAPE_CACHE_MAX = 4096

function keysOf(obj: Record<string, unknown>): string[] {
  const own = Object.keys(obj)
  const shape = own.join('\u0000')
  let sorted = sortedKeys.get(shape)
  if (sorted === undefined) {
    sorted = [...own].sort()
    if (sortedKeys.size < SHAPE_CACHE_MAX) sortedKeys.set(shape, sorted)
  }
  return sorted
}

/** JSON string literal; plain printable ASCII without quote or backslash is quoted directly. */
function quote(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return JSON.stringify(s)
  }
  return '"' + s + '"'
}

function canon(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return quote(v)
    case 'number':
      if (!Number.isSafeInteger(v)) throw new RecordEncodingError(`not a safe integer: ${v}`)
      return String(v)
    case 'bigint':
      return '{"$b":"' + v.toString() + '"}'
    case 'boolean':
      return v ? 'true' : 'false'
    case 'object': {
      if (v === null) return 'null'
      if (Array.isArray(v)) {
        if (v.length === 0) return '[]'
        let out = '['
        for (let i = 0; i < v.length; i++) {
          const item: unknown = v[i]
          if (item === undefined) throw new RecordEncodingError('undefined in array')
          if (i > 0) out += ','
          out += canon(item)
        }
        return out + ']'
      }
      const obj = v as Record<string, unknown>
      let out = '{'
      let first = true
      for (const k of keysOf(obj)) {
        const x = obj[k]
        if (x === undefined) continue
        if (!first) out += ','
        first = false
        out += quote(k) + ':' + canon(x)
      }
      return out + '}'
    }
    default:
      throw new RecordEncodingError(`cannot encode ${typeof v}`)
  }
}

/** Canonical JSON text of a record. */
export function canonicalJSON(v: unknown): string {
  return canon(v)
}

export function encodeRecord(v: unknown): Uint8Array {
  return Buffer.from(canon(v))
}

/** Replace every `{"$b": "<decimal>"}` object (exactly one key) by its bigint, in place; returns the value. */
function revive(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i]
      if (x !== null && typeof x === 'object') v[i] = revive(x)
    }
    return v
  }
  const o = v as Record<string, unknown>
  const b = o.$b
  if (typeof b === 'string' && Object.keys(o).length === 1) return BigInt(b)
  for (const k in o) {
    const x = o[k]
    if (x !== null && typeof x === 'object') o[k] = revive(x)
  }
  return o
}

export function decodeRecord<T>(bytes: Uint8Array): T {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
  const v: unknown = JSON.parse(text)
  return (text.includes('"$b"') ? revive(v) : v) as T
}
