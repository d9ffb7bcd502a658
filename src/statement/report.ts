// Human-readable rendering of a verified statement, and the duration syntax of `--max-age`.
import type { VerifiedStatement } from './verify.js'

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** '90s', '15m', '1h', '2d', '500ms' or a plain number of ms; null when it is none of these. */
export function parseDuration(text: string): number | null {
  const m = /^(\d{1,12})(ms|s|m|h|d)?$/.exec(text.trim())
  if (m === null) return null
  return Number(m[1]) * (UNITS[m[2] ?? 'ms'] ?? 1)
}

export function formatAge(ms: number): string {
  if (ms < 0) return `${formatAge(-ms)} in the future`
  const s = Math.floor(ms / 1000)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`
}

/** Micro-favor as favor with six decimals. */
export function formatMicro(v: bigint): string {
  const neg = v < 0n
  const a = neg ? -v : v
  const frac = (a % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '')
  return `${neg ? '-' : ''}${(a / 1_000_000n).toString()}${frac === '' ? '' : '.' + frac}`
}

export function describeStatement(v: VerifiedStatement): string[] {
  const when = v.epochTime === null ? 'before the first epoch (no time yet)' : `${new Date(v.epochTime).toISOString()} (${v.ageMs === null ? '?' : formatAge(v.ageMs)} ago)`
  return [
    `network     ${v.network}`,
    `account     ${v.account}`,
    `ledger      version ${v.version} (fork ${v.fork}), epoch ${v.epoch}, ${when}`,
    `balance     ${formatMicro(v.balance)} favor`,
    `held back   ${formatMicro(v.heldBack)} favor`,
    `given       ${v.given.toString()} byte-seconds    received ${v.received.toString()} byte-seconds`,
    `reputation  ${(v.reputationPpm / 10_000).toFixed(1)}%`,
    `signed by   ${v.signers.length} indexer(s): ${v.signers.join(', ')}`,
    `trust       ${v.chainLinks === 0 ? 'the network key\'s bootstrap writer (no indexer change to cover)' : `from the network key through ${v.chainLinks} signed indexer-set change(s)`}`,
    `statement   ${v.bytes} bytes`
  ]
}
