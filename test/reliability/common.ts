// Shared set-up of the reliability tests: a loopback testnet and a network of node processes.
import path from 'node:path'
import type { NetworkParams } from '../../src/ledger/index.js'
import { createLoopbackTestnet, type Testnet } from '../../src/stack/index.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'
import { waitFor } from '../harness/wait.js'
import type { LedgerAudit } from './audit.js'
import { RelProc, show, type ProcConfig } from './harness.js'
import { Admission } from '../../src/ledger/index.js'

export const REL_PARAMS: Partial<NetworkParams> = {
  epochSeconds: 3600,
  attestors: 2,
  samples: 8,
  unvettedEpochs: 0,
  failingEpochsToRepair: 3,
  heldBackEpochs: 4,
  // explicit genesis choices (as TEST_PARAMS): nodes join without invites, publishers start with credit
  admission: Admission.open,
  welcomeCreditMicro: 10_000_000n,
  // One indexer (the node added with `indexer: true`): the crash test kills *the* indexer between its
  // commit and its reveal; the contract's own liveness rules (3 indexers, a silent one removed) are tested
  // in test/ledger/liveness.test.ts and test/node/indexer-liveness.test.ts.
  indexerTarget: 1
}

export const MiB = 1024 * 1024

export interface ProcSpec {
  name: string
  hoster?: { capacityBytes: number; group?: string }
  indexer?: boolean
  attestor?: boolean
}

export class ProcNet {
  readonly testnet: Testnet
  readonly root: string
  readonly procs = new Map<string, RelProc>()
  readonly epochMs: number
  readonly params: Partial<NetworkParams>
  /** Address the testnet and (by default) every node bind: 127.0.0.1, or a veth address (netns.test.ts). */
  host: string | undefined = undefined
  /** Whether nodes send `assigned` events (see ProcConfig). */
  assignedEvents = false
  networkKey = ''
  private closing: Promise<void> | null = null

  private constructor(testnet: Testnet, root: string, epochMs: number, params: Partial<NetworkParams>) {
    this.testnet = testnet
    this.root = root
    this.epochMs = epochMs
    this.params = params
  }

  static async create(label: string, opts: { epochMs?: number; params?: Partial<NetworkParams>; host?: string; assignedEvents?: boolean } = {}): Promise<ProcNet> {
    const testnet = await createLoopbackTestnet(3, opts.host !== undefined ? { host: opts.host } : {})
    const net = new ProcNet(testnet, await makeTempDir(label), opts.epochMs ?? 2000, opts.params ?? REL_PARAMS)
    net.host = opts.host
    net.assignedEvents = opts.assignedEvents === true
    return net
  }

  config(spec: ProcSpec, extra: Partial<ProcConfig> = {}): ProcConfig {
    return {
      name: spec.name,
      dataDir: path.join(this.root, spec.name),
      bootstrap: this.testnet.bootstrap,
      networkKey: this.networkKey === '' ? null : this.networkKey,
      params: this.params,
      ...(spec.hoster ? { hoster: spec.hoster } : {}),
      indexer: spec.indexer === true,
      attestor: spec.attestor !== false,
      epochMs: this.epochMs,
      deadlineMs: 1500,
      connectTimeoutMs: 1500,
      ...(this.host !== undefined ? { host: this.host } : {}),
      ...(this.assignedEvents ? { assignedEvents: true } : {}),
      ...extra
    }
  }

  /** Starts a node process; the first one creates the network, the others are admitted by it. */
  async add(spec: ProcSpec, extra: Partial<ProcConfig> = {}): Promise<RelProc> {
    const first = this.procs.size === 0
    const p = await RelProc.start(this.config(spec, extra))
    this.procs.set(spec.name, p)
    if (first) {
      this.networkKey = p.hello.networkKey
      return p
    }
    await this.get(this.firstName).call('admit', { account: p.hello.account })
    await p.call('waitWritable', { timeoutMs: 30_000 }, 35_000)
    return p
  }

  private get firstName(): string {
    return [...this.procs.keys()][0] ?? ''
  }

  get(name: string): RelProc {
    const p = this.procs.get(name)
    if (p === undefined) throw new Error(`no process ${name}`)
    return p
  }

  byAccount(account: string): RelProc | undefined {
    return [...this.procs.values()].find((p) => p.hello.account === account)
  }

  /** kill -9 then start again on the same directory (same account, same network). */
  async crashAndRestart(name: string): Promise<RelProc> {
    const p = this.get(name)
    await p.kill()
    const q = await RelProc.start({ ...p.config, networkKey: this.networkKey })
    this.procs.set(name, q)
    return q
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const p of [...this.procs.values()].reverse()) await p.close()
      await this.testnet.destroy()
      await removeDir(this.root)
    })()
    return this.closing
  }
}

/**
 * Waits until every live process has the reference's final version signed, then audits each there:
 * returns the audits (one digest per node at ONE version).
 */
export async function auditAll(procs: RelProc[], timeoutMs = 60_000): Promise<{ version: number; audits: Map<string, LedgerAudit> }> {
  const ref = procs[0]
  if (ref === undefined) throw new Error('no process')
  const first = await ref.call<LedgerAudit>('audit')
  const version = first.version
  const audits = new Map<string, LedgerAudit>()
  for (const p of procs) {
    let info: LedgerInfo | null = null
    await waitFor(async () => {
      info = await p.call<LedgerInfo>('ledgerInfo')
      return info.finalVersion >= version
    }, timeoutMs, `${p.name} reaching final version ${version}`, 200).catch(async (err: unknown) => {
      const refInfo = await ref.call<LedgerInfo>('ledgerInfo').catch((e: unknown) => String(e))
      const diag = await p.call('diag').catch((e: unknown) => String(e))
      const refDiag = await ref.call('diag').catch((e: unknown) => String(e))
      throw new Error(`${err instanceof Error ? err.message : String(err)}: ${p.name} ${show(info)}, ${ref.name} ${show(refInfo)}; diag ${p.name} ${show(diag)}; diag ${ref.name} ${show(refDiag)}`)
    })
    audits.set(p.name, await p.call<LedgerAudit>('audit', { version }))
  }
  if (new Set([...audits.values()].map((a) => a.digest)).size > 1) throw new Error(await explainDigests(procs, version, audits))
  return { version, audits }
}

/**
 * Why nodes disagree at one final version (docs/reliability.md, F5): each node's finality figures now,
 * the digests at that version again once the reference's final version has moved on (a node whose
 * digest changed had read a state that was not final yet), and the first view block where the odd
 * nodes differ from the majority, whole, from both sides.
 */
async function explainDigests(procs: RelProc[], version: number, audits: Map<string, LedgerAudit>): Promise<string> {
  const lines = [`two or more digests at final version ${version}: ${show([...audits].map(([n, a]) => [n, a.digest.slice(0, 12)]))}`]
  try {
    const counts = new Map<string, number>()
    for (const a of audits.values()) counts.set(a.digest, (counts.get(a.digest) ?? 0) + 1)
    const majority = [...counts].sort((x, y) => y[1] - x[1])[0]?.[0]
    const ref = procs.find((p) => audits.get(p.name)?.digest === majority)
    const odd = procs.filter((p) => audits.get(p.name)?.digest !== majority)
    for (const p of procs) lines.push(`${p.name} now: ${show(await p.call<LedgerInfo>('ledgerInfo'))}`)
    if (ref !== undefined) {
      const moved = (await ref.call<LedgerInfo>('ledgerInfo')).finalVersion + 1
      await waitFor(async () => (await ref.call<LedgerInfo>('ledgerInfo')).finalVersion >= moved, 30_000, `${ref.name}'s final version passing ${moved}`, 200).catch(() => undefined)
      const refBlocks = await ref.call<string[]>('viewBlocks', { from: 0, to: version })
      for (const p of odd) {
        const again = await p.call<LedgerAudit>('audit', { version })
        lines.push(`${p.name} at ${version} again: ${again.digest.slice(0, 12)} (${again.digest === audits.get(p.name)?.digest ? 'unchanged' : 'CHANGED: the first read was not final'})`)
        const blocks = await p.call<string[]>('viewBlocks', { from: 0, to: version })
        const first = blocks.findIndex((b, i) => b !== refBlocks[i])
        if (first < 0) {
          lines.push(`${p.name}'s view blocks 0..${version} equal ${ref.name}'s`)
          continue
        }
        const [mine] = await p.call<string[]>('viewBlocks', { from: first, to: first + 1, raw: true })
        const [theirs] = await ref.call<string[]>('viewBlocks', { from: first, to: first + 1, raw: true })
        const around = { from: Math.max(1, first - 30), to: first + 12 }
        lines.push(`${p.name}'s entries ${around.from}..${around.to}:\n  ${(await p.call<string[]>('viewEntries', around)).join('\n  ')}`)
        lines.push(`${ref.name}'s entries ${around.from}..${around.to}:\n  ${(await ref.call<string[]>('viewEntries', around)).join('\n  ')}`)
        lines.push(`first differing view block ${first} (${blocks.slice(first).filter((b, i) => b !== refBlocks[first + i]).length} of the ${blocks.length - first} from there differ); ${p.name}: ${mine ?? '-'}; ${ref.name}: ${theirs ?? '-'}`)
      }
    }
    for (const p of procs) lines.push(`diag ${p.name}: ${show(await p.call('diag'))}`)
  } catch (err) {
    lines.push(`(diagnosis failed: ${err instanceof Error ? err.message : String(err)})`)
  }
  return lines.join('\n')
}

/** Which nodes repaired a ledger view that differed from the signed one (F5), for a test's summary line. */
export async function repairsOf(procs: RelProc[]): Promise<string> {
  const done: string[] = []
  for (const p of procs) {
    const r = (await p.call<LedgerInfo>('ledgerInfo')).repairs ?? 0
    if (r > 0) done.push(`${p.name} ${r}`)
  }
  return done.length === 0 ? 'no view repaired' : `views repaired: ${done.join(', ')}`
}

/** node-proc's `ledgerInfo`: finality figures of one node. */
export interface LedgerInfo {
  finalVersion: number
  viewLength: number
  viewSigned?: number
  indexedLength: number
  fastForwards?: number
  repairs?: number
  writable: boolean
  isIndexer: boolean
  connections: number
}

export function summarise(a: LedgerAudit): string {
  return show({ version: a.version, epoch: a.epoch, conserved: a.conserved, passed: a.summaryPassed, paid: a.summaryPaid, violations: a.violations })
}
