// When the next epoch starts, from the ledger's epoch records as the daemon serves them.
import type { Client } from './client.js'
import { duration } from './format.js'

export interface EpochTiming {
  readonly current: number
  readonly epochSeconds: number | null
  /** Start of the current epoch (ms), or null before the first. */
  readonly startedAt: number | null
  /** Estimated start of the next epoch (ms), or null when unknown. */
  readonly nextAt: number | null
}

export async function epochTiming(client: Client): Promise<EpochTiming> {
  const r = await client.request<{ current: number, epochSeconds: number | null, results: { epoch: number, time: number }[] }>('GET', '/epochs?limit=3')
  const cur = r.results.find((e) => e.epoch === r.current)
  const startedAt = cur !== undefined && cur.time > 0 ? cur.time : null
  const nextAt = startedAt !== null && r.epochSeconds !== null ? startedAt + r.epochSeconds * 1000 : null
  return { current: r.current, epochSeconds: r.epochSeconds, startedAt, nextAt }
}

/** `epoch 12 → 13 in ~4m 10s (at 14:05:00)`, or what is known. */
export function describeNext(t: EpochTiming, now = Date.now()): string {
  if (t.nextAt === null) return `epoch ${t.current}; the next starts when an indexer ticks${t.epochSeconds !== null ? ` (every ${duration(t.epochSeconds * 1000)})` : ''}`
  const wait = t.nextAt - now
  const at = new Date(t.nextAt).toLocaleTimeString()
  return wait > 0 ? `next epoch (${t.current + 1}) in ~${duration(wait)}, at ${at}` : `next epoch (${t.current + 1}) due now (was expected at ${at})`
}
