// Deterministic PRNG: BLAKE2b-256 in counter mode. It lives below the ledger (src/proof) because the
// challenge indices, which the proof layer, the protocol and the contract all derive, come from it.
// block_i = BLAKE2b(seed ‖ u64be(i)); the bytes are
// consumed as big-endian u32 words. Every random choice of the ledger comes from one of these, seeded
// from the beacon, so anyone can recompute it.
import { FavorError } from '../errors.js'
import { blake2b } from '../stack/crypto.js'

/** A PRNG call with impossible arguments (a bug in the caller, never data from the network). */
export class PrngError extends FavorError {
  declare readonly code: 'E_PRNG'
  constructor(message: string) {
    super(message, 'E_PRNG')
  }
}

const TWO32 = 0x1_0000_0000

export class Prng {
  private readonly seed: Uint8Array
  private counter = 0n
  private block: Buffer = Buffer.alloc(0)
  private offset = 0

  constructor(seed: Uint8Array) {
    this.seed = Uint8Array.from(seed)
  }

  /** A PRNG seeded with BLAKE2b(parts...) — use a string label first for domain separation. */
  static from(...parts: (Uint8Array | string | number)[]): Prng {
    return new Prng(blake2b(parts.map(toBytes)))
  }

  private refill(): void {
    const ctr = Buffer.allocUnsafe(8)
    ctr.writeBigUInt64BE(this.counter)
    this.counter++
    this.block = blake2b([this.seed, ctr])
    this.offset = 0
  }

  nextU32(): number {
    if (this.offset + 4 > this.block.byteLength) this.refill()
    const v = this.block.readUInt32BE(this.offset)
    this.offset += 4
    return v
  }

  /** Uniform integer in [0, n) for 1 ≤ n ≤ 2^53, without modulo bias (rejection sampling). */
  uniform(n: number): number {
    if (!Number.isSafeInteger(n) || n < 1) throw new PrngError(`uniform: bad bound ${n}`)
    if (n === 1) return 0
    if (n <= TWO32) {
      const limit = TWO32 - (TWO32 % n)
      for (;;) {
        const x = this.nextU32()
        if (x < limit) return x % n
      }
    }
    return Number(this.uniformBig(BigInt(n)))
  }

  /** Uniform bigint in [0, n) for n ≥ 1 (rejection over the smallest covering bit width). */
  uniformBig(n: bigint): bigint {
    if (n < 1n) throw new PrngError('uniformBig: bound must be ≥ 1')
    if (n === 1n) return 0n
    const bits = (n - 1n).toString(2).length
    const words = Math.ceil(bits / 32)
    const mask = (1n << BigInt(bits)) - 1n
    for (;;) {
      let x = 0n
      for (let i = 0; i < words; i++) x = (x << 32n) | BigInt(this.nextU32())
      x &= mask
      if (x < n) return x
    }
  }

  /** k distinct integers from [0, n), in draw order. */
  sampleDistinct(n: number, k: number): number[] {
    if (!Number.isSafeInteger(k) || k < 0 || k > n) throw new PrngError(`sampleDistinct: cannot draw ${k} of ${n}`)
    if (k * 2 > n) {
      // partial Fisher–Yates over the whole range (n is small here)
      const a = Array.from({ length: n }, (_, i) => i)
      for (let i = 0; i < k; i++) {
        const j = i + this.uniform(n - i)
        const t = a[i] as number
        a[i] = a[j] as number
        a[j] = t
      }
      return a.slice(0, k)
    }
    const seen = new Set<number>()
    const out: number[] = []
    while (out.length < k) {
      const x = this.uniform(n)
      if (!seen.has(x)) {
        seen.add(x)
        out.push(x)
      }
    }
    return out
  }

  /** Index chosen with probability weight/total; weights are non-negative integers. -1 if all are 0. */
  weighted(weights: readonly bigint[]): number {
    let total = 0n
    for (const w of weights) {
      if (w < 0n) throw new PrngError('negative weight')
      total += w
    }
    if (total === 0n) return -1
    let x = this.uniformBig(total)
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i] as bigint
      if (x < w) return i
      x -= w
    }
    return weights.length - 1
  }
}

/** Bytes for seeding: strings as UTF-8, numbers as u64be. */
export function toBytes(p: Uint8Array | string | number): Uint8Array {
  if (typeof p === 'string') return Buffer.from(p)
  if (typeof p === 'number') {
    const b = Buffer.allocUnsafe(8)
    b.writeBigUInt64BE(BigInt(p))
    return b
  }
  return p
}
