// JSON for the wire: bigints become decimal strings, Buffers/Uint8Arrays hex, Maps/Sets plain.

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')
  if (value instanceof Map) return Object.fromEntries(value)
  if (value instanceof Set) return [...value]
  if (typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
    // Buffer#toJSON ran before the replacer saw the Buffer.
    return Buffer.from((value as { data: number[] }).data).toString('hex')
  }
  return value
}

/** Serialises anything the API returns. */
export function toJSON(value: unknown, pretty = false): string {
  return JSON.stringify(value, replacer, pretty ? 2 : undefined) ?? 'null'
}

/** A deep copy of `value` as it will appear on the wire (for SSE payloads and tests). */
export function toWire<T = unknown>(value: unknown): T {
  return JSON.parse(toJSON(value)) as T
}
