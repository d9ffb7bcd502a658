// Readable text of a SimReport (the only file of src/sim that prints).
import type { DetectionStats, EpochOutcome, SimReport } from './types.js'

const MICRO = 1_000_000n

/** Micro-favor as favor with 6 decimals (integer math). */
export function favor(micro: bigint): string {
  const neg = micro < 0n
  const m = neg ? -micro : micro
  const whole = m / MICRO
  const frac = (m % MICRO).toString().padStart(6, '0')
  return `${neg ? '-' : ''}${whole.toLocaleString('en-US')}.${frac}`
}

/** Byte-seconds as GiB-hours (2 decimals). */
export function gibHours(byteSeconds: bigint): string {
  const centi = (byteSeconds * 100n) / ((1n << 30n) * 3600n)
  return `${(centi / 100n).toLocaleString('en-US')}.${(centi % 100n).toString().padStart(2, '0')}`
}

const pct = (n: number, d: number): string => (d === 0 ? '—' : `${((n / d) * 100).toFixed(2)} %`)
const num = (x: number | null, digits = 2): string => (x === null ? '—' : x.toFixed(digits))
const mib = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`

function epochLine(o: EpochOutcome): string {
  const ended = Object.entries(o.endedBy).map(([k, v]) => `${k} ${v}`).join(', ')
  return [
    String(o.epoch).padStart(5),
    String(o.settled).padStart(7),
    String(o.passed).padStart(7),
    `${o.failing.missing}/${o.failing.slow}/${o.failing.unreachable}`.padStart(10),
    String(o.noOutcome).padStart(6),
    favor(o.paidMicro).padStart(16),
    String(o.created).padStart(6),
    String(o.activated).padStart(6),
    (ended === '' ? '-' : ended).padEnd(18),
    String(o.ops).padStart(6),
    String(o.rejected).padStart(4),
    o.wallMs.toFixed(0).padStart(7)
  ].join(' ')
}

function detectionLines(kind: string, d: DetectionStats): string[] {
  return [
    `  ${kind}: ${d.incidents} agreement(s) affected`,
    `    reported failing by ≥1 attestor in the first epoch: ${d.reportedFirstEpoch} (${pct(d.reportedFirstEpoch, d.incidents)})`,
    `    failing outcome in the first epoch:                  ${d.failedFirstEpoch} (${pct(d.failedFirstEpoch, d.incidents)})`,
    `    detected (any failing outcome): ${d.detected}; epochs to detect mean ${num(d.meanEpochsToDetect)} max ${num(d.maxEpochsToDetect, 0)}`,
    `    repaired (replacement active on another hoster): ${d.repaired}; epochs to repair mean ${num(d.meanEpochsToRepair)} max ${num(d.maxEpochsToRepair, 0)}`
  ]
}

/** The report as text. `maxEpochRows` limits the per-epoch table (first and last rows kept). */
export function formatReport(r: SimReport, opts: { maxEpochRows?: number; maxAccounts?: number } = {}): string {
  const c = r.config
  const out: string[] = []
  out.push(`# Favor simulation — seed ${c.seed}, scenario ${c.scenario ?? 'custom'}`)
  out.push(
    `${c.hosters} hosters, ${c.publishers} publishers, ${c.indexers} indexers; ${c.agreements} agreements requested (replicas ${c.replicas}), ` +
      `cores of ${c.coreBlocks} × ${c.blockBytes} B; ${c.epochs} epochs; ${c.attestors} attestors × ${c.samples} samples`
  )
  const faulty = Object.entries(c.behaviours).filter(([, b]) => b.kind !== 'honest')
  if (faulty.length > 0) out.push(`behaviours: ${faulty.map(([k, b]) => `${k}=${JSON.stringify(b)}`).join(' ')}`)
  out.push(`digest ${r.digest}`)

  out.push('\n## Per epoch (settled outcomes from the contract)')
  out.push('epoch settled  passed  miss/slow/unr  none   paid (favor)   new active ended              ops    rej  wall ms')
  const max = opts.maxEpochRows ?? 40
  const rows = r.epochs
  if (rows.length <= max) for (const o of rows) out.push(epochLine(o))
  else {
    const half = Math.floor(max / 2)
    for (const o of rows.slice(0, half)) out.push(epochLine(o))
    out.push(`  … ${rows.length - 2 * half} epochs …`)
    for (const o of rows.slice(-half)) out.push(epochLine(o))
  }

  out.push('\n## Detection and repair')
  const kinds = Object.entries(r.detection)
  if (kinds.length === 0) out.push('  no misbehaving hoster was challenged')
  for (const [k, d] of kinds) if (d !== undefined) out.push(...detectionLines(k, d))
  out.push(`  honest attestors penalised (losing side of a pass/fail majority): ${r.honestAttestorPenalties}`)

  out.push('\n## Favor flows (totals by role, favor; given/received in GiB-hours)')
  out.push('epoch   publishers balance      hosters balance  hosters held  attestor-only (indexers)  given GiB·h  received GiB·h  Σ conserved')
  const flows = r.flows
  const step = Math.max(1, Math.ceil(flows.length / 10))
  for (let i = 0; i < flows.length; i++) {
    if (i % step !== 0 && i !== flows.length - 1) continue
    const f = flows[i]
    if (f === undefined) continue
    const b = f.byRole
    out.push(
      [
        String(f.epoch).padStart(5),
        favor(b.publisher.balance).padStart(20),
        favor(b.hoster.balance).padStart(20),
        favor(b.hoster.heldBack).padStart(13),
        favor(b.indexer.balance).padStart(25),
        gibHours(b.hoster.given).padStart(12),
        gibHours(b.publisher.received).padStart(15),
        favor(f.conserved).padStart(12)
      ].join(' ')
    )
  }

  out.push('\n## Hosters (reputation, favor)')
  const hosters = r.accounts.filter((a) => a.role === 'hoster')
  const interesting = hosters.filter((a) => a.behaviour !== 'honest')
  const others = hosters.filter((a) => a.behaviour === 'honest')
  const shown = [...interesting, ...others.slice(0, Math.max(0, (opts.maxAccounts ?? 12) - interesting.length))]
  out.push('hoster          behaviour       rep ppm  passed  balance (favor)  held (favor)  given GiB·h  attest +/-  warnings')
  for (const a of shown) {
    out.push(
      [
        a.label.padEnd(15),
        a.behaviour.padEnd(14),
        String(a.reputationPpm).padStart(8),
        String(a.passedEpochs).padStart(7),
        favor(a.balance).padStart(16),
        favor(a.heldBack).padStart(13),
        gibHours(a.given).padStart(12),
        `${a.attestAgreed}/${a.attestDisagreed}`.padStart(11),
        ' ' + a.warnings.join(',')
      ].join(' ')
    )
  }
  if (hosters.length > shown.length) out.push(`  … ${hosters.length - shown.length} more honest hosters`)
  const reps = others.map((a) => a.reputationPpm)
  if (reps.length > 0) out.push(`  honest hosters' reputation: min ${Math.min(...reps)} ppm, mean ${Math.round(reps.reduce((s, x) => s + x, 0) / reps.length)} ppm`)

  out.push('\n## Ops')
  out.push(`  applied ${r.ops.applied}, accepted ${r.ops.accepted}, rejected ${r.ops.rejected}; by type ${JSON.stringify(r.ops.byType)}`)
  for (const [reason, n] of Object.entries(r.ops.rejectedByReason)) out.push(`  rejected ×${n}: ${reason}`)
  out.push(`  agreements created ${r.agreementsCreated}, live at the end ${r.agreementsLive}`)

  const p = r.perf
  out.push('\n## Performance (not deterministic)')
  out.push(
    `  wall ${(p.wallMs / 1000).toFixed(2)} s (setup ${(p.setupMs / 1000).toFixed(2)} s, epochs ${(p.runMs / 1000).toFixed(2)} s; inside apply ${(p.applyMs / 1000).toFixed(2)} s); ${p.epochsPerSec.toFixed(2)} epochs/s; ` +
      `${Math.round(p.opsPerSec).toLocaleString('en-US')} ops/s; peak RSS ${mib(p.peakRssBytes)}, peak heap ${mib(p.peakHeapBytes)}; ${p.kvEntries.toLocaleString('en-US')} kv entries`
  )
  return out.join('\n')
}

export function printReport(r: SimReport, opts: { maxEpochRows?: number; maxAccounts?: number } = {}): void {
  console.log(formatReport(r, opts))
}

/** One progress line per epoch (CLI). */
export function printEpoch(o: EpochOutcome): void {
  console.log(`epoch ${o.epoch}: settled ${o.settled}, passed ${o.passed}, failing ${o.failed}, ops ${o.ops}, ${o.wallMs.toFixed(0)} ms`)
}

export function printLine(s: string): void {
  console.log(s)
}
