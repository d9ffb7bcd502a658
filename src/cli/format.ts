// Terminal formatting: favor amounts, sizes, tables, progress bars.

import { MICRO_PER_FAVOR as MICRO } from '../ledger/amount.js'

export { parseFavor } from '../ledger/amount.js'

/** Micro-favor (decimal string or bigint) as favor with 6 decimals. */
export function favor(micro: string | bigint | number | null | undefined): string {
  if (micro === null || micro === undefined) return '-'
  const v = BigInt(micro)
  const neg = v < 0n
  const m = neg ? -v : v
  return `${neg ? '-' : ''}${m / MICRO}.${String(m % MICRO).padStart(6, '0')}`
}

export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '-'
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let v = n
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`
}

export function short(hex: string | null | undefined, n = 8): string {
  if (hex === null || hex === undefined) return '-'
  return hex.length > n ? `${hex.slice(0, n)}…` : hex
}

/** A text table with a header row. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

/** `[#########.........]  45%  36/80` */
export function progressBar(done: number, total: number, width = 30): string {
  const frac = total <= 0 ? 0 : Math.min(1, Math.max(0, done / total))
  const filled = Math.round(frac * width)
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(frac * 100)).padStart(3)}%  ${done}/${total}`
}

/** Shown once where favor amounts appear: what one favor is worth at the default price. */
export const FAVOR_UNIT = '1 favor = 1 GiB kept for 1 hour (at the default price)'

const BYTE_SECONDS_PER_GIB_HOUR = 2 ** 30 * 3600

/** Byte-seconds (the ledger's given/received) as GiB·h with enough digits to see small values. */
export function gibHours(byteSeconds: string | number | bigint | null | undefined): string {
  if (byteSeconds === null || byteSeconds === undefined) return '-'
  const v = Number(byteSeconds) / BYTE_SECONDS_PER_GIB_HOUR
  if (v === 0) return '0 GiB·h'
  return `${v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toPrecision(3)} GiB·h`
}

/** A duration in ms as `45s`, `12m 5s`, `3h 2m`. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m ${s % 60}s`
  return `${Math.floor(m / 60)}h ${m % 60}m`
}
