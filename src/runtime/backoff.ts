// Retry delays: exponential growth from a base, capped, with jitter so that many tasks failing
// together do not retry together.

export interface BackoffOptions {
  /** Delay before the first retry, in ms. */
  readonly baseMs: number
  /** Longest delay, in ms. */
  readonly maxMs: number
}

/**
 * The delay before the retry that follows failure number `failures` (1 for the first failure):
 * `min(maxMs, baseMs · 2^(failures−1))`, with "equal jitter": a uniformly random point in the upper
 * half of that, so a retry never comes sooner than half the nominal delay. `random` returns [0, 1).
 */
export function backoffDelay(failures: number, options: BackoffOptions, random: () => number): number {
  const exponent = Math.max(0, Math.min(failures - 1, 52))
  const nominal = Math.min(options.maxMs, options.baseMs * 2 ** exponent)
  const half = nominal / 2
  const r = Math.min(Math.max(random(), 0), 1)
  return Math.round(half + r * half)
}
