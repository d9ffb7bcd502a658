// Deterministic record encoding: canonical JSON (object keys sorted, no whitespace), integers only.
// A bigint is written as {"$b":"<decimal>"}; ops never put objects into records, so the marker
// cannot be forged by user input. Floats, NaN, undefined in arrays and other types are refused.
import { RecordEncodingError } from './errors.js'

function canon(v: unknown, out: string[]): void {
  switch (typeof v) {
    case 'bigint':
      out.push('{"$b":"', v.toString(), '"}')
      return
    case 'number':
      if (!Number.isSafeInteger(v)) throw new RecordEncodingError(`not a safe integer: ${v}`)
      out.push(String(v))
      return
    case 'string':
      out.push(JSON.stringify(v))
      return
    case 'boolean':
      out.push(v ? 'true' : 'false')
      return
    case 'object':
      if (v === null) {
        out.push('null')
        return
      }
      if (Array.isArray(v)) {
        out.push('[')
        for (let i = 0; i < v.length; i++) {
          if (i > 0) out.push(',')
          const item: unknown = v[i]
          if (item === undefined) throw new RecordEncodingError('undefined in array')
          canon(item, out)
        }
        out.push(']')
        return
      }
      {
        const obj = v as Record<string, unknown>
        const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort()
        out.push('{')
        let first = true
        for (const k of keys) {
          if (!first) out.push(',')
          first = false
          out.push(JSON.stringify(k), ':')
          canon(obj[k], out)
        }
        out.push('}')
      }
      return
    default:
      throw new RecordEncodingError(`cannot encode ${typeof v}`)
  }
}

/** Canonical JSON text of a record. */
export function canonicalJSON(v: unknown): string {
  const out: string[] = []
  canon(v, out)
  return out.join('')
}

export function encodeRecord(v: unknown): Uint8Array {
  return Buffer.from(canonicalJSON(v))
}

function revive(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const o = value as Record<string, unknown>
    const b = o.$b
    if (typeof b === 'string' && Object.keys(o).length === 1) return BigInt(b)
  }
  return value
}

export function decodeRecord<T>(bytes: Uint8Array): T {
  return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'), revive) as T
}
