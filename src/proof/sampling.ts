// Challenge index sampling: a deterministic PRNG (BLAKE2b in counter mode) over a seed that nobody
// chooses alone. The caller builds the seed as blake2b([beacon, agreementIdBytes, attestorKey]), so
// anyone can recompute which blocks an attestor had to ask for.
import { blake2b } from '../stack/index.js'

const DOMAIN = Buffer.from('favor/sample/1')
/** Each draw takes 6 bytes (48 bits) of the stream: enough for any realistic core, exact in a double. */
const DRAW_BYTES = 6
const DRAW_RANGE = 2 ** 48
const DRAWS_PER_BLOCK = Math.floor(32 / DRAW_BYTES)

/** A stream of uniform 48-bit integers: block j = BLAKE2b(DOMAIN ‖ seed ‖ uint64le(j)). */
export class SamplePrng {
  private readonly seed: Buffer
  private counter = 0
  private block: Buffer = Buffer.alloc(0)
  private draw = DRAWS_PER_BLOCK

  constructor(seed: Uint8Array) {
    this.seed = Buffer.from(seed)
  }

  /** The next 48-bit integer in [0, 2^48). */
  next48(): number {
    if (this.draw === DRAWS_PER_BLOCK) {
      const ctr = Buffer.alloc(8)
      ctr.writeBigUInt64LE(BigInt(this.counter++))
      this.block = blake2b([DOMAIN, this.seed, ctr])
      this.draw = 0
    }
    const value = this.block.readUIntLE(this.draw * DRAW_BYTES, DRAW_BYTES)
    this.draw++
    return value
  }

  /** A uniform integer in [0, n) without modulo bias (rejection sampling). n ≤ 2^48. */
  below(n: number): number {
    if (!Number.isSafeInteger(n) || n <= 0 || n > DRAW_RANGE) throw new RangeError(`cannot sample below ${n}`)
    const limit = DRAW_RANGE - (DRAW_RANGE % n)
    for (;;) {
      const x = this.next48()
      if (x < limit) return x % n
    }
  }
}

/**
 * `samples` distinct block indices in [0, length), uniform over all such sets, in draw order.
 * When samples ≥ length every index is returned once (in a seed-determined order).
 */
export function sampleIndices(seed: Uint8Array, length: number, samples: number): number[] {
  if (!Number.isSafeInteger(length) || length < 0 || length > DRAW_RANGE) throw new RangeError(`bad length ${length}`)
  if (!Number.isSafeInteger(samples) || samples < 0) throw new RangeError(`bad sample count ${samples}`)
  const k = Math.min(samples, length)
  if (k === 0) return []
  const prng = new SamplePrng(seed)

  if (2 * k > length) {
    // Dense: a partial Fisher–Yates shuffle of 0..length-1 (length < 2k, so the array is small).
    const all = Array.from({ length }, (_, i) => i)
    for (let i = 0; i < k; i++) {
      const j = i + prng.below(length - i)
      const a = all[i] as number
      all[i] = all[j] as number
      all[j] = a
    }
    return all.slice(0, k)
  }

  // Sparse: draw and skip repeats (expected < 2 draws per index since k ≤ length / 2).
  const seen = new Set<number>()
  const out: number[] = []
  while (out.length < k) {
    const i = prng.below(length)
    if (seen.has(i)) continue
    seen.add(i)
    out.push(i)
  }
  return out
}

/** The seed for an attestor's challenge: blake2b(beacon ‖ agreementId ‖ attestorKey). */
export function challengeSeed(beacon: Uint8Array, agreementId: Uint8Array | string, attestorKey: Uint8Array): Buffer {
  const id = typeof agreementId === 'string' ? Buffer.from(agreementId, 'utf8') : agreementId
  return blake2b([beacon, id, attestorKey])
}
