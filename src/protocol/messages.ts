// Strict codecs for the messages of Favor's protomux channels. Every message travels as raw bytes and is
// decoded here, strictly (limits before allocation, no trailing bytes), so a bad message becomes a typed
// ProtocolError that the receiver can log and act on instead of tearing down the whole muxer.
// `struct` builds a codec from ONE list of field codecs, so no message writes its fields twice.
import { FavorError } from '../errors.js'
import c from 'compact-encoding'
import type { Codec } from '../stack/index.js'
import { ProofError, boundedString, decodeStrict, encodeWith } from '../proof/index.js'

export type ProtocolErrorCode = 'MALFORMED' | 'OVERSIZED' | 'UNEXPECTED'

export class ProtocolError extends FavorError {
  declare readonly code: ProtocolErrorCode
  constructor(code: ProtocolErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, code, options)
  }
}

type State = { start: number; end: number; buffer: Uint8Array | null }
type DecodeState = { start: number; end: number; buffer: Uint8Array }

/** Exactly n bytes (a key, a nonce, a signature). */
export function fixedBytes(n: number, what: string): Codec<Uint8Array> {
  return {
    preencode(s: State, v: Uint8Array): void {
      if (v.byteLength !== n) throw new RangeError(`${what} must be ${n} bytes`)
      s.end += n
    },
    encode(s: State, v: Uint8Array): void {
      ;(s.buffer as Uint8Array).set(v, s.start)
      s.start += n
    },
    decode(s: DecodeState): Uint8Array {
      if (s.end - s.start < n) throw new ProofError('MALFORMED', `${what} truncated`)
      const v = s.buffer.subarray(s.start, s.start + n)
      s.start += n
      return v
    }
  }
}

/** An unsigned integer that must be a safe JavaScript integer (a uint64 above 2^53 is MALFORMED). */
export function safeUint(what: string): Codec<number> {
  return {
    preencode(s: State, v: number): void {
      if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${what} must be a safe unsigned integer`)
      c.uint.preencode(s, v)
    },
    encode: (s: State, v: number): void => c.uint.encode(s, v),
    decode(s: DecodeState): number {
      const v = c.uint.decode(s)
      if (!Number.isSafeInteger(v)) throw new ProofError('MALFORMED', `${what} is not a safe integer`)
      return v
    }
  }
}

/**
 * A record codec from one ordered list of field codecs. `check` runs on every decoded value, so a
 * message's invariants are written once too (the field codecs refuse unencodable values themselves).
 */
export function struct<T extends object>(fields: { [K in keyof T]: Codec<T[K]> }, check?: (v: T) => void): Codec<T> {
  const entries = Object.entries(fields) as [keyof T & string, Codec<unknown>][]
  return {
    preencode(s: State, v: T): void {
      for (const [k, f] of entries) f.preencode(s, v[k])
    },
    encode(s: State, v: T): void {
      for (const [k, f] of entries) f.encode(s, v[k])
    },
    decode(s: DecodeState): T {
      const out: Partial<T> = {}
      for (const [k, f] of entries) out[k] = f.decode(s) as T[typeof k]
      check?.(out as T)
      return out as T
    }
  }
}

/**
 * `{ code, message }` with a closed set of codes (anything else is MALFORMED) and bounded lengths:
 * the shape of every refusal on Favor's channels.
 */
export function codeMessageCodec<C extends string>(codes: readonly C[], maxCodeBytes: number, maxMessageBytes: number, what: string): Codec<{ code: C; message: string }> {
  const code = boundedString(maxCodeBytes, `${what} code`) as Codec<C>
  const message = boundedString(maxMessageBytes, `${what} message`)
  return struct<{ code: C; message: string }>({ code, message }, (m) => {
    if (!(codes as readonly string[]).includes(m.code)) throw new ProofError('MALFORMED', `unknown ${what} code ${JSON.stringify(String(m.code).slice(0, 32))}`)
  })
}

/** Raw bytes on the channel: the channel's messages are decoded by `decodeMessage`, not by protomux. */
export const rawCodec: Codec<Uint8Array> = {
  preencode(s: State, b: Uint8Array): void {
    s.end += b.byteLength
  },
  encode(s: State, b: Uint8Array): void {
    ;(s.buffer as Uint8Array).set(b, s.start)
    s.start += b.byteLength
  },
  decode(s: DecodeState): Uint8Array {
    const b = s.buffer.subarray(s.start, s.end)
    s.start = s.end
    return b
  }
}

/** Strict decode of one channel message; failures are ProtocolError('MALFORMED' | 'OVERSIZED'). */
export function decodeMessage<T>(codec: Codec<T>, bytes: Uint8Array, what: string, maxBytes: number): T {
  try {
    return decodeStrict(codec, bytes, what, maxBytes)
  } catch (err) {
    if (err instanceof ProofError) throw new ProtocolError(err.code === 'OVERSIZED' ? 'OVERSIZED' : 'MALFORMED', err.message, { cause: err })
    throw err
  }
}

export function encodeMessage<T>(codec: Codec<T>, value: T): Buffer {
  return encodeWith(codec, value)
}
