// The BlockProof wire format: one core manifest and k hypercore wire proofs that all carry the same
// signed head (so the verifier checks one signature for k blocks). Strict: limits on every length,
// no trailing bytes.
//
//   bundle v1 = uint version(=1) ‖ buffer manifest ‖ uint k ‖ k × buffer wireProof
//
// `wireProof` is hypercore's own `wire.data` encoding of `core.proof({ block: { index, nodes: 0 },
// upgrade: { start: 0, length } })`, so any hypercore-aware tool can read it too.
import c from 'compact-encoding'
import type { Codec } from '../stack/index.js'
import { ProofError } from './errors.js'

export const BUNDLE_VERSION = 1
/** A v1 single-signer manifest is ~70 bytes; multi-signer manifests stay far below this. */
export const MAX_MANIFEST_BYTES = 8 * 1024
/** Largest block a challenge may carry. */
export const MAX_BLOCK_BYTES = 1024 * 1024
/** A wire proof: the block plus ≤ 64 tree nodes (~42 B each), the roots and the signature envelope. */
export const MAX_PROOF_BYTES = MAX_BLOCK_BYTES + 16 * 1024
/** Most blocks one bundle (one challenge) may carry. */
export const MAX_PROOFS = 64

export interface BlockProofBundle {
  /** hypercore's encoding of the core's manifest (hashes to the core key). */
  manifest: Uint8Array
  /** hypercore `wire.data` encodings, one per challenged block, in request order. */
  proofs: Uint8Array[]
}

type State = { start: number; end: number; buffer: Uint8Array | null }
type DecodeState = { start: number; end: number; buffer: Uint8Array }

/** A length-prefixed byte string that refuses lengths above `max` before touching the bytes. */
export function boundedBuffer(max: number, what: string): Codec<Uint8Array> {
  return {
    preencode(state: State, b: Uint8Array): void {
      c.uint.preencode(state, b.byteLength)
      state.end += b.byteLength
    },
    encode(state: State, b: Uint8Array): void {
      c.uint.encode(state, b.byteLength)
      ;(state.buffer as Uint8Array).set(b, state.start)
      state.start += b.byteLength
    },
    decode(state: DecodeState): Uint8Array {
      const len = c.uint.decode(state)
      if (len > max) throw new ProofError('OVERSIZED', `${what} of ${len} bytes exceeds ${max}`)
      if (state.end - state.start < len) throw new ProofError('MALFORMED', `${what} truncated`)
      const b = state.buffer.subarray(state.start, state.start + len)
      state.start += len
      return b
    }
  }
}

/** A UTF-8 string under the same length bound (in bytes) as `boundedBuffer`. */
export function boundedString(max: number, what: string): Codec<string> {
  const inner = boundedBuffer(max, what)
  return {
    preencode: (s: State, v: string): void => inner.preencode(s, Buffer.from(v, 'utf8')),
    encode: (s: State, v: string): void => inner.encode(s, Buffer.from(v, 'utf8')),
    decode: (s: DecodeState): string => Buffer.from(inner.decode(s)).toString('utf8')
  }
}

/** An array codec that refuses counts above `max` before decoding any item. */
export function boundedArray<T>(item: Codec<T>, max: number, what: string): Codec<T[]> {
  return {
    preencode(state: State, a: T[]): void {
      c.uint.preencode(state, a.length)
      for (const x of a) item.preencode(state, x)
    },
    encode(state: State, a: T[]): void {
      c.uint.encode(state, a.length)
      for (const x of a) item.encode(state, x)
    },
    decode(state: DecodeState): T[] {
      const n = c.uint.decode(state)
      if (n > max) throw new ProofError('OVERSIZED', `${what}: ${n} items exceed ${max}`)
      const out: T[] = []
      for (let i = 0; i < n; i++) out.push(item.decode(state))
      return out
    }
  }
}

const manifestBytes = boundedBuffer(MAX_MANIFEST_BYTES, 'manifest')
const proofBytes = boundedBuffer(MAX_PROOF_BYTES, 'block proof')
const proofArray = boundedArray(proofBytes, MAX_PROOFS, 'proofs')

export const bundleCodec: Codec<BlockProofBundle> = {
  preencode(state: State, b: BlockProofBundle): void {
    c.uint.preencode(state, BUNDLE_VERSION)
    manifestBytes.preencode(state, b.manifest)
    proofArray.preencode(state, b.proofs)
  },
  encode(state: State, b: BlockProofBundle): void {
    c.uint.encode(state, BUNDLE_VERSION)
    manifestBytes.encode(state, b.manifest)
    proofArray.encode(state, b.proofs)
  },
  decode(state: DecodeState): BlockProofBundle {
    const version = c.uint.decode(state)
    if (version !== BUNDLE_VERSION) throw new ProofError('MALFORMED', `unknown bundle version ${version}`)
    const manifest = manifestBytes.decode(state)
    const proofs = proofArray.decode(state)
    if (proofs.length === 0) throw new ProofError('MALFORMED', 'bundle holds no proofs')
    return { manifest, proofs }
  }
}

/** Encodes with a codec into an exact-size buffer. */
export function encodeWith<T>(codec: Codec<T>, value: T): Buffer {
  const state: State = { start: 0, end: 0, buffer: null }
  codec.preencode(state, value)
  const buffer = Buffer.allocUnsafe(state.end)
  state.buffer = buffer
  codec.encode(state, value)
  return buffer
}

/**
 * Decodes `bytes` completely: any decode failure becomes a ProofError('MALFORMED') unless the codec
 * raised a ProofError itself; bytes left over are MALFORMED too.
 */
export function decodeStrict<T>(codec: Codec<T>, bytes: Uint8Array, what: string, maxBytes?: number): T {
  if (maxBytes !== undefined && bytes.byteLength > maxBytes) {
    throw new ProofError('OVERSIZED', `${what} of ${bytes.byteLength} bytes exceeds ${maxBytes}`)
  }
  const state: DecodeState = { start: 0, end: bytes.byteLength, buffer: bytes }
  let value: T
  try {
    value = codec.decode(state)
  } catch (err) {
    if (err instanceof ProofError) throw err
    throw new ProofError('MALFORMED', `${what} does not decode: ${(err as Error).message}`, { cause: err })
  }
  if (state.start !== state.end) throw new ProofError('MALFORMED', `${what} has ${state.end - state.start} trailing bytes`)
  return value
}

export function encodeBundle(bundle: BlockProofBundle): Buffer {
  if (bundle.proofs.length === 0 || bundle.proofs.length > MAX_PROOFS) throw new RangeError(`a bundle holds 1..${MAX_PROOFS} proofs`)
  return encodeWith(bundleCodec, bundle)
}

export const MAX_BUNDLE_BYTES = 16 + MAX_MANIFEST_BYTES + MAX_PROOFS * (MAX_PROOF_BYTES + 8)

export function decodeBundle(bytes: Uint8Array): BlockProofBundle {
  return decodeStrict(bundleCodec, bytes, 'block proof bundle', MAX_BUNDLE_BYTES)
}
