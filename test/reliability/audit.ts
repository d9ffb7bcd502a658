// Ledger invariants the reliability tests and the soak check, computed from a FINAL snapshot of a
// node's view (never reordered), and a node-local digest of a hosted core.
import {
  BeeReadKV, epochCost, getEpoch, getMeta, listAccounts, listAgreements,
  type Ledger, type LedgerKV
} from '../../src/ledger/index.js'
import { blake2b } from '../../src/stack/index.js'
import type { FavorNode } from '../../src/node.js'

export interface AgreementAudit {
  id: number
  hoster: string
  state: string
  endReason: string | null
  passes: number
  fails: number
  paidMicro: bigint
  /** passes × epochCost(byteLength): what a pass-only history must have paid. */
  expectedPaidMicro: bigint
}

export interface EpochAudit {
  epoch: number
  settled: boolean
  passed: number
  failed: number
  paidMicro: bigint
  withheld: number
}

export interface LedgerAudit {
  /** Final (indexer-signed) view version the audit and digest were taken at. */
  version: number
  digest: string
  epoch: number
  accounts: number
  /** Σ (balance + heldBack + sponsor lines) over all accounts: 0 when nothing was created or lost. */
  conserved: bigint
  epochs: EpochAudit[]
  agreements: AgreementAudit[]
  /** Σ over epochs of summary.passed / paidMicro, and Σ over agreements of passes / paidMicro. */
  summaryPassed: number
  agreementPasses: number
  summaryPaid: bigint
  agreementPaid: bigint
  /** Human-readable invariant violations (empty = all hold). */
  violations: string[]
}

async function auditKV(kv: LedgerKV): Promise<Omit<LedgerAudit, 'version' | 'digest'>> {
  const meta = await getMeta(kv)
  const violations: string[] = []
  if (meta === null) {
    return { epoch: 0, accounts: 0, conserved: 0n, epochs: [], agreements: [], summaryPassed: 0, agreementPasses: 0, summaryPaid: 0n, agreementPaid: 0n, violations: ['no meta'] }
  }
  const p = meta.params
  let conserved = 0n
  const accounts = await listAccounts(kv)
  for (const a of accounts) {
    let lines = 0n
    for (const v of Object.values(a.lines)) lines += v
    conserved += a.balance + a.heldBack + lines
    if (a.heldBack < 0n) violations.push(`account ${a.id.slice(0, 8)} heldBack < 0`)
  }
  if (conserved !== 0n) violations.push(`favor not conserved: Σ balance+held+lines = ${conserved}`)
  const epochs: EpochAudit[] = []
  let summaryPassed = 0
  let summaryPaid = 0n
  for (let e = 1; e <= meta.epoch; e++) {
    const rec = await getEpoch(kv, e)
    if (rec === null) {
      violations.push(`epoch ${e} has no record`)
      continue
    }
    const s = rec.summary
    epochs.push({ epoch: e, settled: s !== null, passed: s?.passed ?? 0, failed: s?.failed ?? 0, paidMicro: s?.paidMicro ?? 0n, withheld: rec.withheld.length })
    if (e < meta.epoch && s === null) violations.push(`epoch ${e} was never settled`)
    if (e === meta.epoch && s !== null) violations.push(`current epoch ${e} already settled`)
    summaryPassed += s?.passed ?? 0
    summaryPaid += s?.paidMicro ?? 0n
  }
  const agreements: AgreementAudit[] = []
  let agreementPasses = 0
  let agreementPaid = 0n
  for (const a of await listAgreements(kv)) {
    const expected = BigInt(a.passes) * epochCost(a.byteLength, p.epochSeconds, p.priceMicroPerGiBHour)
    agreements.push({
      id: a.id, hoster: a.hoster, state: a.state, endReason: a.endReason, passes: a.passes, fails: a.fails,
      paidMicro: a.paidMicro, expectedPaidMicro: expected
    })
    if (a.paidMicro !== expected) violations.push(`agreement ${a.id}: paid ${a.paidMicro} ≠ ${a.passes} passes × cost = ${expected}`)
    agreementPasses += a.passes
    agreementPaid += a.paidMicro
  }
  // An epoch settled twice would count its passes twice on the agreements but once in its summary.
  if (summaryPassed !== agreementPasses) violations.push(`Σ epoch summaries passed ${summaryPassed} ≠ Σ agreement passes ${agreementPasses}`)
  if (summaryPaid !== agreementPaid) violations.push(`Σ epoch summaries paid ${summaryPaid} ≠ Σ agreement paid ${agreementPaid}`)
  return { epoch: meta.epoch, accounts: accounts.length, conserved, epochs, agreements, summaryPassed, agreementPasses, summaryPaid, agreementPaid, violations }
}

/** Audits the ledger at `version` (default: its final version) and digests the view there. */
export async function auditLedger(ledger: Ledger, version?: number): Promise<LedgerAudit> {
  const v = version ?? ledger.finalVersion
  const snap = ledger.view.checkout(Math.max(1, v))
  try {
    const body = await auditKV(new BeeReadKV(snap))
    const { digest } = await ledger.digest(v)
    return { version: v, digest, ...body }
  } finally {
    await snap.close()
  }
}

/** BLAKE2b over the BLAKE2b of every block of a core held locally (no network: a missing block throws). */
export async function coreDigestLocal(node: FavorNode, coreKeyHex: string): Promise<{ length: number; digest: string }> {
  const core = node.store.get({ key: Buffer.from(coreKeyHex, 'hex') })
  await core.ready()
  try {
    const hashes: Buffer[] = []
    for (let i = 0; i < core.length; i++) {
      const b = await core.get(i, { wait: false })
      if (!b) throw new Error(`block ${i} of ${coreKeyHex.slice(0, 8)} not held locally`)
      hashes.push(blake2b(b))
    }
    return { length: core.length, digest: blake2b(hashes).toString('hex') }
  } finally {
    await core.close()
  }
}
