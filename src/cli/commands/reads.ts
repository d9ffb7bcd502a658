// Read commands: status, balance, agreements, pins, ledger verify. Each has --json.
import { CliError, connect, EXIT, UsageError } from '../client.js'
import type { Client } from '../client.js'
import { JSON_FLAG, hexArg, intFlag, needPositionals, sleep, str } from '../command.js'
import type { Command } from '../command.js'
import { describeNext, epochTiming } from '../epoch.js'
import type { EpochTiming } from '../epoch.js'
import { bytes, favor, FAVOR_UNIT, gibHours, progressBar, short, table } from '../format.js'
import { clearScreen, out, printJson } from '../output.js'
import { activeReplicas } from './publish.js'
import type { PinStatus } from './publish.js'

interface StatusBody {
  account: string
  networkKey: string | null
  epoch: number
  balance: { balance: string, credit: string, available: string, heldBack: string, reputationPpm: number } | null
  offer: { capacityBytes: number, withdrawn: boolean } | null
  mirrors: { agreementId: number, coreKey: string, have: number, length: number, state: string }[]
  node: {
    name?: string, roles?: string[], peers?: number, writable?: boolean, storage?: { capacityBytes: number, usedBytes: number, reservedBytes: number }
    stopped?: { code: string, message: string, upgradeRequired: boolean } | null
    ledger?: { version: number, finalVersion: number, repairs: number, diverged: boolean }
    runtime?: RuntimeBody
  }
}

interface RuntimeBody {
  tasks: { kinds: Record<string, { queued: number, running: number }>, counters: { succeeded: number, failed: number, retried: number } }
  resources: { open: number, users: number, kinds?: Record<string, { open: number, users: number }>, quota: { reservations: number } }
}

/** One line for the task queue (kinds with work, `reconcile` left out: it is always there) and one for resources. */
function printRuntime(r: RuntimeBody): void {
  const kinds = Object.entries(r.tasks.kinds).filter(([k, d]) => k !== 'reconcile' && d.queued + d.running > 0)
  const work = kinds.length === 0 ? 'idle' : kinds.map(([k, d]) => `${k} ${d.running} running, ${d.queued} queued`).join(' · ')
  const c = r.tasks.counters
  out(`tasks      ${work}    (done ${c.succeeded}, retried ${c.retried}, failed ${c.failed})`)
  const cores = r.resources.kinds?.core ?? { open: 0, users: 0 }
  out(`resources  ${cores.open} cores open (${cores.users} references), ${r.resources.kinds?.conn?.open ?? 0} connections, ${r.resources.quota.reservations} quota reservations`)
}

function printStatus(s: StatusBody, t: EpochTiming, url: string): void {
  const stopped = s.node.stopped
  // by its code: E_UPGRADE_REQUIRED (this Favor does not know the network's contract version) or a store failure
  if (stopped !== undefined && stopped !== null) {
    out(stopped.upgradeRequired
      ? `STOPPED    the network runs a newer contract: upgrade Favor (${stopped.code}) — ${stopped.message}`
      : `STOPPED    the ledger store failed (${stopped.code}) — ${stopped.message}; see favor logs`)
  }
  out(`node       ${s.node.name ?? '-'}  (${(s.node.roles ?? []).join(', ')})`)
  out(`account    ${s.account}`)
  out(`network    ${s.networkKey ?? '-'}`)
  out(`epoch      ${s.epoch}    peers ${s.node.peers ?? '-'}    writable ${s.node.writable === true ? 'yes' : 'no (waiting to be admitted)'}`)
  out(`next       ${describeNext(t)}`)
  const l = s.node.ledger
  if (l !== undefined) {
    const repaired = l.repairs === 0 ? '' : `    repaired ${l.repairs}× (this node had applied another state than the indexers)`
    out(`ledger     version ${l.version}, final ${l.finalVersion}${l.diverged ? '    DIVERGED from the indexers\' signed view: repairing' : ''}${repaired}`)
  }
  if (s.balance !== null) out(`balance    ${favor(s.balance.balance)} favor  (available ${favor(s.balance.available)}, held back ${favor(s.balance.heldBack)}, reputation ${(s.balance.reputationPpm / 10_000).toFixed(1)}%)   ${FAVOR_UNIT}`)
  const st = s.node.storage
  if (st !== undefined && st.capacityBytes > 0) out(`storage    ${bytes(st.usedBytes)} used, ${bytes(st.reservedBytes)} reserved of ${bytes(st.capacityBytes)} offered${s.offer?.withdrawn === true ? ' (withdrawn)' : ''}`)
  if (s.node.runtime !== undefined) printRuntime(s.node.runtime)
  out(`dashboard  ${url}/  (log in with the link from: favor dashboard)`)
  for (const m of s.mirrors) out(`mirror #${m.agreementId} ${short(m.coreKey, 12)} ${progressBar(m.have, m.length)} ${m.state}`)
}

async function snapshot(client: Client): Promise<{ s: StatusBody, t: EpochTiming, open: PinStatus[] }> {
  const open = (await client.request<{ results: PinStatus[] }>('GET', '/pins?status=queued,pinning')).results
  return { s: await client.request<StatusBody>('GET', '/status'), t: await epochTiming(client), open }
}

/** This node's pins that are not pinned yet, and why. */
function printOpenPins(open: PinStatus[]): void {
  for (const p of open) {
    out(`pin #${p.requestid} ${short(p.pin.cid, 12)} ${p.status}: ${activeReplicas(p)}/${p.info.slots ?? p.info.replicas ?? '?'} replicas pinned — ${p.info.status_details ?? ''}`)
  }
}

const status: Command = {
  usage: 'favor status [--json] [--watch]',
  summary: 'this node: account, network, epoch and when the next starts, balance, storage, tasks and resources, mirroring progress, pins not pinned yet and why',
  flags: { ...JSON_FLAG, watch: { type: 'boolean', short: 'w', desc: 'redraw every second until Ctrl-C (on a pipe: one block per second)' } },
  async run({ values, positionals, dir }) {
    needPositionals(positionals, 0, 'no positional arguments')
    const client = await connect(dir)
    if (values.watch !== true) {
      const { s, t, open } = await snapshot(client)
      if (values.json === true) return printJson({ ...s, nextEpochAt: t.nextAt === null ? null : new Date(t.nextAt).toISOString() })
      printStatus(s, t, client.url)
      return printOpenPins(open)
    }
    let stopped = false
    const onInt = (): void => { stopped = true }
    process.once('SIGINT', onInt)
    try {
      while (!stopped) {
        const { s, t, open } = await snapshot(client)
        if (values.json === true) out(JSON.stringify({ ...s, nextEpochAt: t.nextAt === null ? null : new Date(t.nextAt).toISOString() }))
        else {
          clearScreen()
          printStatus(s, t, client.url)
          printOpenPins(open)
          out(process.stdout.isTTY ? '\n(watching; Ctrl-C to stop)' : '')
        }
        await sleep(1000)
      }
    } finally {
      process.off('SIGINT', onInt)
    }
  }
}

const balance: Command = {
  usage: 'favor balance [account] [--json]',
  summary: 'balance, credit, storage given/received (GiB·h) and reputation of an account (default: this node)',
  flags: { ...JSON_FLAG },
  async run({ values, positionals, dir }) {
    if (positionals.length > 1) throw new UsageError('at most one account')
    const id = positionals[0] === undefined ? 'me' : hexArg(positionals[0], 'account')
    const a = await (await connect(dir)).request<Record<string, string | number>>('GET', `/accounts/${id}`)
    if (values.json === true) return printJson(a)
    out(`account     ${String(a.id)}`)
    out(`balance     ${favor(a.balance)} favor      (${FAVOR_UNIT})`)
    out(`available   ${favor(a.available)} (credit ${favor(a.credit)}, sponsor lines ${favor(a.lines)})`)
    out(`held back   ${favor(a.heldBack)} (a hoster's earnings are paid out after a while, kept as a bond)`)
    out(`given       ${gibHours(a.given)} of storage kept for others`)
    out(`received    ${gibHours(a.received)} of storage others kept for this account`)
    out(`reputation  ${((a.reputationPpm as number) / 10_000).toFixed(1)}%`)
  }
}

const agreements: Command = {
  usage: 'favor agreements [--state active,pinning,paused,ended] [--mine] [--json]',
  summary: 'hosting agreements (one per replica of a published core) and their states',
  flags: {
    ...JSON_FLAG,
    state: { type: 'string', arg: 'S,…', desc: 'only these states: pinning, active, paused, ended' },
    mine: { type: 'boolean', desc: 'only agreements where this node hosts or publishes' }
  },
  async run({ values, positionals, dir }) {
    needPositionals(positionals, 0, 'no positional arguments')
    const client = await connect(dir)
    const qs = new URLSearchParams()
    if (str(values, 'state') !== undefined) qs.set('state', str(values, 'state') as string)
    const res = await client.request<{ count: number, results: { id: number, requestId: number, coreKey: string, hoster: string, publisher: string, state: string, endReason: string | null, passes: number, fails: number, byteLength: number }[] }>('GET', `/agreements${qs.size > 0 ? `?${qs.toString()}` : ''}`)
    let list = res.results
    if (values.mine === true) {
      const me = (await client.request<{ account: string }>('GET', '/status')).account
      list = list.filter((a) => a.hoster === me || a.publisher === me)
    }
    if (values.json === true) return printJson({ count: list.length, results: list })
    if (list.length === 0) return out('no agreements')
    out(table(['id', 'req', 'core', 'hoster', 'state', 'size', 'pass', 'fail'],
      list.map((a) => [String(a.id), String(a.requestId), short(a.coreKey), short(a.hoster), a.state + (a.endReason !== null ? ` (${a.endReason})` : ''), bytes(a.byteLength), String(a.passes), String(a.fails)])))
  }
}

const pins: Command = {
  usage: 'favor pins [--status queued,pinning,pinned,failed] [--name N] [--limit N] [--json]',
  summary: "this node's pins (hosting requests), all statuses unless --status, with why a replica is not pinned yet",
  flags: {
    ...JSON_FLAG,
    status: { type: 'string', arg: 'S,…', desc: 'only these statuses: queued, pinning, pinned, failed' },
    name: { type: 'string', arg: 'NAME', desc: 'only pins with this name' },
    limit: { type: 'string', arg: 'N', desc: 'at most N pins (default 1000)' }
  },
  async run({ values, positionals, dir }) {
    needPositionals(positionals, 0, 'no positional arguments')
    const qs = new URLSearchParams({ status: str(values, 'status') ?? 'queued,pinning,pinned,failed', limit: String(intFlag(values, 'limit', 1, 1000) ?? 1000) })
    if (str(values, 'name') !== undefined) qs.set('name', str(values, 'name') as string)
    const res = await (await connect(dir)).request<{ count: number, results: PinStatus[] }>('GET', `/pins?${qs.toString()}`)
    if (values.json === true) return printJson(res)
    if (res.results.length === 0) return out('no pins')
    out(table(['requestid', 'status', 'core', 'name', 'pinned', 'why not yet'],
      res.results.map((p) => {
        return [p.requestid, p.status, short(p.pin.cid, 12), p.pin.name ?? '', `${activeReplicas(p)}/${p.info.slots ?? p.info.replicas ?? '?'}`, p.status === 'pinned' ? '' : p.info.status_details ?? '']
      })))
  }
}

const ledger: Command = {
  usage: 'favor ledger verify [--json]',
  summary: "replay every writer's log from scratch and compare with this node's state",
  flags: { ...JSON_FLAG },
  async run({ values, positionals, dir }) {
    if (positionals[0] !== 'verify' || positionals.length !== 1) throw new UsageError("expected 'verify'")
    const client = await connect(dir)
    if (values.json !== true) out('replaying the ledger from the writers\' logs (this may take a while)…')
    const r = await client.request<{ ok: boolean, version: number, entries: number, claimedDigest: string, replayDigest: string, firstDifference: string | null, ms: number }>('POST', '/ledger/verify', {})
    if (values.json === true) printJson(r)
    else out(r.ok ? `ok: ${r.entries} entries at version ${r.version} match (digest ${short(r.replayDigest, 16)}, ${r.ms} ms)` : `MISMATCH at version ${r.version}: first difference at ${r.firstDifference ?? '?'}`)
    if (!r.ok) throw new CliError('the replayed ledger differs from this node\'s state', EXIT.error, 'LEDGER_MISMATCH')
  }
}

export const readCommands: Record<string, Command> = { status, balance, agreements, pins, ledger }
