// Validation of query parameters and JSON bodies. Every failure is an ApiError 400 whose details name
// the field and say what was expected and what arrived.
import { parseBytes } from '../runtime/index.js'
import { badRequest } from './errors.js'

export type JsonObject = Record<string, unknown>

const HEX64 = /^[0-9a-fA-F]{64}$/

function show(value: unknown): string {
  if (typeof value === 'string') return value.length > 80 ? `'${value.slice(0, 77)}...'` : `'${value}'`
  if (value === undefined) return 'nothing'
  try {
    const s = JSON.stringify(value)
    return s.length > 80 ? `${s.slice(0, 77)}...` : s
  } catch (err) {
    // JSON.stringify throws TypeError on a cycle or a bigint
    if (!(err instanceof TypeError)) throw err
    return typeof value
  }
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The body must be a JSON object with only the listed fields. */
export function objectBody(body: unknown, allowed: readonly string[]): JsonObject {
  if (!isObject(body)) throw badRequest(`the body must be a JSON object, got ${show(body)}`)
  for (const k of Object.keys(body)) {
    if (!allowed.includes(k)) throw badRequest(`unknown field '${k}' (allowed: ${allowed.join(', ')})`)
  }
  return body
}

/** A 32-byte key as 64 hex characters, returned lower-case. */
export function hexKey(value: unknown, field: string): string {
  if (typeof value !== 'string' || !HEX64.test(value)) throw badRequest(`${field}: expected a 32-byte key as 64 hex characters, got ${show(value)}`)
  return value.toLowerCase()
}

export function isHexKey(value: string): boolean {
  return HEX64.test(value)
}

export function optionalString(value: unknown, field: string, max: number): string | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw badRequest(`${field}: expected a string, got ${show(value)}`)
  if (value.length > max) throw badRequest(`${field}: longer than ${max} characters`)
  return value
}

/** An integer in [min, max]; from JSON a number, from a query string its decimal text. */
export function integer(value: unknown, field: string, min: number, max: number): number {
  let n: unknown = value
  if (typeof value === 'string') n = /^-?\d+$/.test(value) ? Number(value) : NaN
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || n > max) {
    throw badRequest(`${field}: expected an integer from ${min} to ${max}, got ${show(value)}`)
  }
  return n
}

/** A non-negative amount of micro-favor: a decimal string or a safe integer. Positive unless `allowZero`. */
export function amount(value: unknown, field: string, allowZero = false): bigint {
  let n: bigint | null = null
  if (typeof value === 'string' && /^\d{1,20}$/.test(value)) n = BigInt(value)
  else if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) n = BigInt(value)
  if (n === null || n >= 1n << 64n || (!allowZero && n === 0n)) {
    throw badRequest(`${field}: expected ${allowZero ? 'a non-negative' : 'a positive'} amount of micro-favor as a decimal string or integer below 2^64, got ${show(value)}`)
  }
  return n
}

export function size(value: unknown, field: string): number {
  const n = parseBytes(value)
  if (n === null) throw badRequest(`${field}: expected a size in bytes, e.g. 1073741824 or '10GiB', got ${show(value)}`)
  return n
}

export function boolean(value: unknown, field: string): boolean {
  if (typeof value === 'boolean') return value
  if (value === 'true') return true
  if (value === 'false') return false
  throw badRequest(`${field}: expected true or false, got ${show(value)}`)
}

/** An ISO 8601 timestamp with a date and a time (query `before`/`after`). */
export function isoDate(value: string, field: string): Date {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(value)) {
    throw badRequest(`${field}: expected an ISO 8601 timestamp such as 2024-01-01T00:00:00Z, got ${show(value)}`)
  }
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) throw badRequest(`${field}: not a valid date: ${show(value)}`)
  return d
}

/** A comma-separated list of allowed words, deduplicated. */
export function wordList<T extends string>(value: string, field: string, allowed: readonly T[]): T[] {
  const parts = value.split(',').map((s) => s.trim())
  const out: T[] = []
  for (const p of parts) {
    if (!(allowed as readonly string[]).includes(p)) throw badRequest(`${field}: '${p}' is not one of ${allowed.join(', ')}`)
    if (!out.includes(p as T)) out.push(p as T)
  }
  return out
}

/** A string → string map (pin meta). */
export function stringMap(value: unknown, field: string, maxEntries: number, maxText: number): Record<string, string> {
  if (!isObject(value)) throw badRequest(`${field}: expected an object of string values, got ${show(value)}`)
  const entries = Object.entries(value)
  if (entries.length > maxEntries) throw badRequest(`${field}: more than ${maxEntries} entries`)
  const out: Record<string, string> = {}
  for (const [k, v] of entries) {
    if (typeof v !== 'string') throw badRequest(`${field}.${k}: expected a string, got ${show(v)}`)
    if (k.length > maxText || v.length > maxText) throw badRequest(`${field}.${k}: longer than ${maxText} characters`)
    // defineProperty, not `out[k] = v`: assigning a '__proto__' key (JSON.parse makes it an own property)
    // would try to set the prototype and silently drop the entry
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true })
  }
  return out
}

/** Only the listed query parameters may appear, each at most once. */
export function checkQuery(params: URLSearchParams, allowed: readonly string[]): void {
  const seen = new Set<string>()
  for (const k of params.keys()) {
    if (!allowed.includes(k)) throw badRequest(`unknown query parameter '${k}'${allowed.length > 0 ? ` (allowed: ${allowed.join(', ')})` : ''}`)
    if (seen.has(k)) throw badRequest(`query parameter '${k}' given more than once`)
    seen.add(k)
  }
}
