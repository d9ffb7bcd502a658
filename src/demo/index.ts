// The engine of `favor demo`: a loopback testnet and several real Favor nodes in separate processes.
// Node 1 creates the network (indexer + hoster), admits the others; node 2 publishes sample data and
// goes offline once it is pinned; the rest host. Prints epoch by epoch: agreements and their states,
// mirroring progress, challenge outcomes and latencies, favor balances. `cheat` makes one hoster drop
// its copy mid-run so the viewer sees it caught (`missing`), the agreement repaired and a new hoster
// take over.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { NAMES_FILE_NAME } from '../api/index.js'
import { createLoopbackTestnet, type Testnet } from '../stack/index.js'
import type { Agreement, NetworkParams } from '../ledger/index.js'
import { Admission } from '../ledger/index.js'
import type { ChallengeRecord, MirrorProgress } from '../roles/types.js'
import { ChildNode } from './child.js'
import type { LedgerSnapshot } from './snapshot.js'

export interface DemoOptions {
  /** Nodes (≥ 4). Default 5. */
  nodes?: number
  /** Epochs to show before the summary. Default 10. */
  epochs?: number
  /** Real epoch length, ms. Default 3000. */
  epochMs?: number
  /** One hoster drops its copy mid-run. */
  cheat?: boolean
  /** Keep running until `signal` aborts (SIGINT in the CLI). */
  follow?: boolean
  signal?: AbortSignal
  /** Sample data: blocks × blockSize. Default 64 × 64 KiB. */
  blocks?: number
  blockSize?: number
  out: (line: string) => void
}

export interface DemoSummary {
  epochs: number
  elapsedMs: number
  /** From demo start to the first passing challenge (ms), or null. */
  firstPassMs: number | null
  challenges: { pass: number; missing: number; slow: number; unreachable: number }
  cheater: string | null
  /** The cheater's agreement was caught (a `missing` result for it). */
  caught: boolean
  /** A replacement agreement for the same core became active after the cheater's ended. */
  repaired: boolean
  agreements: { id: number; hoster: string; state: string; endReason: string | null; passes: number; fails: number }[]
}

export const DEMO_PARAMS: Partial<NetworkParams> = {
  epochSeconds: 3600, // each short demo epoch is billed as one hour, so balances move visibly
  attestors: 3,
  samples: 16,
  unvettedEpochs: 0,
  failingEpochsToRepair: 2,
  heldBackEpochs: 100,
  // explicit genesis choices: nodes join over favor/join/1 without invites, and publishers start with credit
  admission: Admission.open,
  welcomeCreditMicro: 10_000_000n
}

const fmtFavor = (micro: bigint): string => {
  const neg = micro < 0n
  const m = neg ? -micro : micro
  return `${neg ? '-' : ''}${m / 1_000_000n}.${String(m % 1_000_000n).padStart(6, '0')}`
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

export async function runDemo(opts: DemoOptions): Promise<DemoSummary> {
  const out = opts.out
  const nNodes = Math.max(4, opts.nodes ?? 5)
  const epochMs = opts.epochMs ?? 3000
  const showEpochs = opts.epochs ?? 10
  const started = Date.now()
  const root = await mkdtemp(path.join(tmpdir(), 'favor-demo-'))
  let testnet: Testnet | null = null
  const nodes: ChildNode[] = []
  const names = new Map<string, string>() // account → name
  const byNodeKey = new Map<string, string>()
  const challenges: ChallengeRecord[] = []
  let pendingChallenges: (ChallengeRecord & { by: string })[] = []
  const progress = new Map<string, MirrorProgress & { node: string }>()
  let firstPassMs: number | null = null
  let cheater: string | null = null
  let cheatAgreement: Agreement | null = null
  /** When the cheater dropped its copy, and the agreements that existed then (a replacement is a new one). */
  let dropAt = Infinity
  let idsAtDrop = new Set<number>()
  let caught = false
  let repaired = false
  let last: LedgerSnapshot | null = null
  const summary = (): DemoSummary => ({
    epochs: last?.epoch ?? 0,
    elapsedMs: Date.now() - started,
    firstPassMs,
    challenges: {
      pass: challenges.filter((c) => c.outcome === 'pass').length,
      missing: challenges.filter((c) => c.outcome === 'missing').length,
      slow: challenges.filter((c) => c.outcome === 'slow').length,
      unreachable: challenges.filter((c) => c.outcome === 'unreachable').length
    },
    cheater,
    caught,
    repaired,
    agreements: (last?.agreements ?? []).map((a) => ({
      id: a.id, hoster: names.get(a.hoster) ?? a.hoster.slice(0, 8), state: a.state, endReason: a.endReason, passes: a.passes, fails: a.fails
    }))
  })

  try {
    testnet = await createLoopbackTestnet(3)
    out(`favor demo: ${nNodes} nodes in separate processes on a loopback testnet, epochs of ${epochMs} ms`)
    const base = {
      bootstrap: testnet.bootstrap,
      params: DEMO_PARAMS,
      epochMs,
      deadlineMs: Math.max(500, Math.floor(epochMs / 3)),
      // connecting gets more room than answering: with the whole test suite beside it, a connect to a busy
      // node process took over 500 ms and an honest cheater-catch became `unreachable`
      connectTimeoutMs: Math.max(1000, Math.floor((epochMs * 2) / 3))
    }
    const capacity = 256 * 1024 * 1024
    const first = await ChildNode.start({ ...base, name: 'node1', dataDir: path.join(root, 'node1'), networkKey: null, hoster: { capacityBytes: capacity }, api: true })
    nodes.push(first)
    const networkKey = (first.hello as { networkKey: string }).networkKey
    out(`node1 created network ${networkKey.slice(0, 16)}… (admin, indexer, hoster)`)
    if (first.hello?.apiUrl) out(`dashboard: ${first.hello.loginUrl ?? `${first.hello.apiUrl}/`}  (a one-time login link, valid for an hour; node1's HTTP API: ${first.hello.apiUrl}/openapi.json, with the token in ${path.join(root, 'node1', 'api-token')})`)
    const rest = await Promise.all(Array.from({ length: nNodes - 1 }, (_, i) => {
      const name = `node${i + 2}`
      // The indexer role stays on: the contract promotes two members to indexers at the third admission,
      // and a promoted node that never ticks would halt epochs (an epoch needs a majority of ticks).
      return ChildNode.start({
        ...base, name, dataDir: path.join(root, name), networkKey,
        ...(i === 0 ? {} : { hoster: { capacityBytes: capacity } })
      })
    }))
    nodes.push(...rest)
    for (const n of nodes) {
      if (n.hello === null) continue
      names.set(n.hello.account, n.name)
      byNodeKey.set(n.hello.nodeKey, n.name)
      n.on('challenge', (c) => {
        challenges.push(c)
        pendingChallenges.push({ ...c, by: n.name })
        if (c.outcome === 'pass' && firstPassMs === null) firstPassMs = Date.now() - started
        if (cheatAgreement !== null && c.agreementId === cheatAgreement.id && c.outcome === 'missing') caught = true
      })
      n.on('mirror-progress', (p) => progress.set(`${n.name}/${p.agreementId}`, { ...p, node: n.name }))
    }
    // node1's address book: its dashboard shows the other nodes by name (src/api/names.ts).
    await writeFile(path.join(root, 'node1', NAMES_FILE_NAME), JSON.stringify(Object.fromEntries(names), null, 2))
    for (const n of rest) {
      await first.call('admit', { account: n.hello?.account })
    }
    await Promise.all(rest.map((n) => n.call('waitWritable', { timeoutMs: 30_000 }, 35_000)))
    out(`admitted ${rest.map((n) => n.name).join(', ')}; node2 publishes, the others host`)

    const publisher = rest[0] as ChildNode
    const sample = await publisher.call<{ requestId: number; coreKey: string; length: number; byteLength: number }>('publishSample', {
      name: 'sample', blocks: opts.blocks ?? 64, blockSize: opts.blockSize ?? 64 * 1024, replicas: 2
    })
    out(`node2 published core ${sample.coreKey.slice(0, 16)}… (${sample.length} blocks, ${(sample.byteLength / 1048576).toFixed(1)} MiB), 2 replicas, request #${sample.requestId}`)
    for (const line of legend(epochMs)) out(line)

    let publisherOnline = true
    let cheatAt = -1
    let repairDeadline = -1
    let startEpoch = -1
    const snapshotNode = first
    let lastShown = -1
    // Epoch loop: poll node1's ledger; print when its epoch advances.
    for (;;) {
      if (opts.signal?.aborted) break
      await sleep(Math.min(250, Math.floor(epochMs / 6)))
      const snap = await snapshotNode.call<LedgerSnapshot>('snapshot', {}, 20_000).catch(() => null)
      if (snap === null) continue
      last = snap
      if (startEpoch < 0) startEpoch = snap.epoch
      const pinned = snap.agreements.filter((a) => a.requestId === sample.requestId && a.state === 'active')
      if (lastShown < 0) {
        lastShown = snap.epoch
        out('')
        out(`epoch ${snap.epoch} running… (each block below is printed when an epoch ends)`)
      } else if (snap.epoch !== lastShown) {
        // The epoch(s) before snap.epoch ended: show them with their own challenges; later ones wait.
        lastShown = snap.epoch
        const ended = pendingChallenges.filter((c) => c.epoch < snap.epoch)
        pendingChallenges = pendingChallenges.filter((c) => c.epoch >= snap.epoch)
        printEpoch(out, snap, names, ended, [...progress.values()], { cheater, dropAt })
      }

      if (publisherOnline && pinned.length >= 2) {
        publisherOnline = false
        out(`  node2: core pinned by ${pinned.map((a) => names.get(a.hoster)).join(' and ')} — node2 goes offline`)
        await publisher.close()
        if (opts.cheat === true) cheatAt = snap.epoch + 2
      }
      if (opts.cheat === true && cheater === null && cheatAt >= 0 && snap.epoch >= cheatAt && pinned.length > 0) {
        const victim = pinned.find((a) => names.get(a.hoster) !== 'node1') ?? pinned.at(0)
        const node = victim === undefined ? undefined : nodes.find((n) => n.hello?.account === victim.hoster)
        if (node !== undefined && victim !== undefined) {
          await node.call('dropCopy', { coreKey: victim.coreKey })
          cheater = node.name
          cheatAgreement = victim
          dropAt = Date.now()
          idsAtDrop = new Set(snap.agreements.map((a) => a.id))
          repairDeadline = snap.epoch + 6
          out(`  !! during epoch ${snap.epoch}: ${node.name} drops its whole copy of the core (agreement #${victim.id}) and keeps pretending;`)
          out(`     its challenges from now on should fail (MISSING); those of epoch ${snap.epoch} that ran before the drop still passed`)
        }
      }
      if (cheatAgreement !== null && !repaired) {
        const old = snap.agreements.find((a) => a.id === (cheatAgreement as Agreement).id)
        // The replacement is an agreement created after the drop (not the other replica, held all along).
        const replacement = snap.agreements.find((a) => !idsAtDrop.has(a.id) && a.coreKey === (cheatAgreement as Agreement).coreKey && a.state === 'active')
        if (old?.state === 'ended' && replacement !== undefined) {
          repaired = true
          out(`  ✓ repaired: agreement #${old.id} ended (${old.endReason ?? '?'}); ${names.get(replacement.hoster) ?? '?'} mirrored the core and holds the replica now, as new agreement #${replacement.id}`)
        }
      }

      const shown = snap.epoch - startEpoch
      const waitingForRepair = opts.cheat === true && !repaired && (cheater === null || snap.epoch < repairDeadline)
      if (opts.follow !== true && shown >= showEpochs && !waitingForRepair) break
    }
    const s = summary()
    out('')
    out('── summary ──')
    out(`  ${s.epochs} epochs in ${(s.elapsedMs / 1000).toFixed(1)} s; first passing challenge after ${s.firstPassMs === null ? 'n/a' : (s.firstPassMs / 1000).toFixed(1) + ' s'}`)
    out(`  challenges: ${s.challenges.pass} pass, ${s.challenges.missing} missing, ${s.challenges.slow} slow, ${s.challenges.unreachable} unreachable`)
    if (opts.cheat === true) out(`  cheater: ${s.cheater ?? 'none'}; caught: ${s.caught ? 'yes' : 'no'}; repaired: ${s.repaired ? 'yes' : 'no'}`)
    for (const a of s.agreements) out(`  agreement #${a.id} ${a.hoster}: ${a.state}${a.endReason ? ` (${a.endReason})` : ''}, ${a.passes} passed, ${a.fails} failed`)
    return s
  } finally {
    await Promise.all(nodes.map((n) => n.close()))
    await testnet?.destroy()
    await rm(root, { recursive: true, force: true, maxRetries: 3 })
  }
}

/** How to read the epoch blocks: printed once, before the first. */
function legend(epochMs: number): string[] {
  return [
    '',
    'how to read what follows:',
    '  agreement  one hoster keeping one replica of the core: pinning (mirroring) → active → ended',
    '  challenge  each epoch, attestors ask every active hoster for 16 random blocks with Merkle proofs:',
    '             PASS, MISSING (a block absent or a proof invalid), SLOW (past the deadline), UNREACHABLE',
    '  settled    when an epoch ends the ledger decides each agreement by the majority of its attestors\' reports:',
    '             passed, failed, or no outcome (no majority reported in time, or the publisher could not pay);',
    '             so a few agreements are settled from many challenge lines',
    '  warning    an agreement\'s last failure and how many epochs in a row it failed (repaired after 2)',
    `  favor      1 favor = 1 GiB kept for 1 hour; each demo epoch (${epochMs} ms) is billed as one hour, so small cores`,
    '             move small amounts. "held" is a hoster\'s earning kept back as a bond and paid out after 100 epochs'
  ]
}

function printEpoch(
  out: (line: string) => void, snap: LedgerSnapshot, names: Map<string, string>, cs: (ChallengeRecord & { by: string })[],
  progress: (MirrorProgress & { node: string })[], cheat: { cheater: string | null, dropAt: number }
): void {
  const name = (hex: string): string => names.get(hex) ?? hex.slice(0, 8)
  const ended = snap.epoch - 1
  const s = snap.lastSummary
  out('')
  out(`── epoch ${ended} ended ──`)
  const counts = ['pass', 'missing', 'slow', 'unreachable'].map((o) => [o, cs.filter((c) => c.outcome === o).length] as const).filter(([, n]) => n > 0)
  out(`  challenges: ${cs.length}${counts.length > 0 ? ` (${counts.map(([o, n]) => `${n} ${o}`).join(', ')})` : ''}`)
  for (const c of cs) {
    // A challenge answered while the copy was being dropped could still pass: say so.
    const before = cheat.cheater !== null && names.get(c.hoster) === cheat.cheater && c.at - c.latencyMs < cheat.dropAt && c.outcome === 'pass' ? ' — started before the drop' : ''
    out(`    ${c.by} → ${name(c.hoster)} #${c.agreementId}: ${c.outcome.toUpperCase()} (${c.samples} samples, ${c.latencyMs} ms total, p50 ${c.latencyP50Ms} ms, p99 ${c.latencyP99Ms} ms${c.errorCode ? `, ${c.errorCode}` : ''})${before}`)
  }
  if (s) out(`  settled: ${s.passed} of ${s.settled} agreements passed, ${s.failed} failed, ${s.noOutcome} without an outcome; ${fmtFavor(s.paidMicro)} favor paid by publishers (to hosters and attestors)`)
  for (const a of snap.agreements) {
    if (a.state === 'ended' && a.endedEpoch < snap.epoch - 2) continue
    const warn = a.warning !== null ? `, warning: ${a.warning} ×${a.failStreak}` : ''
    out(`  agreement #${a.id} core ${a.coreKey.slice(0, 8)} → ${name(a.hoster)}: ${a.state}${a.endReason ? ` (${a.endReason})` : ''}${warn}, epochs passed ${a.passes}, failed ${a.fails}, publisher paid ${fmtFavor(a.paidMicro)} favor so far`)
  }
  for (const p of progress) {
    if ((p.state !== 'mirroring' && p.state !== 'ready-posted') || p.have >= p.length) continue
    const pct = p.length > 0 ? Math.floor((100 * Math.min(p.have, p.length)) / p.length) : 0
    out(`  mirroring: ${p.node} #${p.agreementId} ${Math.min(p.have, p.length)}/${p.length} blocks (${pct} %)`)
  }
  out(`  balances (favor): ${snap.accounts.map((a) => `${name(a.id)} ${fmtFavor(a.balance)}${a.heldBack > 0n ? ` (+${fmtFavor(a.heldBack)} held)` : ''}`).join(' | ')}`)
}
