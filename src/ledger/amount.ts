// Favor amounts as people type them: favor with up to 6 decimals ("2.5", "2") or micro-favor ("2500000u").

export const MICRO_PER_FAVOR = 1_000_000n

/** Parses a favor amount ("2.5", "2") or micro-favor ("2500000u") into micro-favor; null if it is neither. */
export function parseFavor(text: string): bigint | null {
  const micro = /^(\d{1,20})u$/.exec(text)
  if (micro !== null) return BigInt(micro[1] as string)
  const m = /^(\d{1,14})(?:\.(\d{1,6}))?$/.exec(text)
  if (m === null) return null
  return BigInt(m[1] as string) * MICRO_PER_FAVOR + BigInt((m[2] ?? '').padEnd(6, '0') || '0')
}
