#!/usr/bin/env node
// The `favor` command. Parses argv with node:util parseArgs and talks to the running daemon over its
// HTTP API (base URL from `<dir>/api.json`, token from `<dir>/api-token`). `init`, `start`, `network`
// and `demo` work without a daemon. Exit codes: 0 ok, 1 error, 2 usage, 3 daemon not running,
// 4 refused by the ledger/API (e.g. 409 not enough favor).
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { ParseArgsConfig } from 'node:util'
import { loadOrCreateToken } from '../api/index.js'
import { CONFIG_FILE_NAME, ConfigError, createLogger, resolveConfig } from '../runtime/index.js'
import type { InlineConfig } from '../runtime/index.js'
import { CliError, connect, EXIT, UsageError } from './client.js'
import type { Client } from './client.js'
import { bytes, favor, parseFavor, progressBar, short, table } from './format.js'

type Options = NonNullable<ParseArgsConfig['options']>
type Values = Record<string, string | boolean | undefined>

interface Command {
  readonly usage: string
  readonly summary: string
  readonly options: Options
  readonly read?: boolean
  run(args: { values: Values, positionals: string[], dir: string }): Promise<void>
}

const COMMON: Options = {
  dir: { type: 'string', short: 'd' },
  help: { type: 'boolean', short: 'h' }
}
const JSON_OPT: Options = { json: { type: 'boolean' } }

const out = (line = ''): void => { process.stdout.write(`${line}\n`) }
const printJson = (v: unknown): void => { out(JSON.stringify(v, null, 2)) }
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

function dataDir(values: Values): string {
  const flag = values.dir
  if (typeof flag === 'string' && flag !== '') return resolve(flag)
  const env = process.env.FAVOR_DIR ?? process.env.FAVOR_DATA_DIR
  if (env !== undefined && env !== '') return resolve(env)
  return join(homedir(), '.favor')
}

async function readConfigFile(dir: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await readFile(join(dir, CONFIG_FILE_NAME), 'utf8')) as Record<string, unknown>
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw new CliError(`cannot read ${join(dir, CONFIG_FILE_NAME)}: ${(err as Error).message}`)
  }
}

async function writeConfigFile(dir: string, obj: Record<string, unknown>): Promise<void> {
  await mkdir(dir, { recursive: true })
  const path = join(dir, CONFIG_FILE_NAME)
  await writeFile(`${path}.tmp`, `${JSON.stringify(obj, null, 2)}\n`, { mode: 0o600 })
  await rename(`${path}.tmp`, path)
}

function str(values: Values, key: string): string | undefined {
  const v = values[key]
  return typeof v === 'string' ? v : undefined
}

function intFlag(values: Values, key: string, min: number, max: number): number | undefined {
  const v = str(values, key)
  if (v === undefined) return undefined
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new UsageError(`--${key}: expected an integer from ${min} to ${max}, got '${v}'`)
  return Number(v)
}

function needPositionals(positionals: string[], n: number, what: string): void {
  if (positionals.length !== n) throw new UsageError(`expected ${what}`)
}

function hexArg(v: string | undefined, what: string): string {
  if (v === undefined || !/^[0-9a-fA-F]{64}$/.test(v)) throw new UsageError(`${what}: expected a 32-byte key as 64 hex characters, got '${v ?? ''}'`)
  return v.toLowerCase()
}

function amountArg(v: string | undefined): string {
  const n = v === undefined ? null : parseFavor(v)
  if (n === null || n <= 0n) throw new UsageError(`amount: expected a positive amount of favor such as 2.5 (or micro-favor such as 2500000u), got '${v ?? ''}'`)
  return n.toString()
}

const CONFIG_FLAGS: Options = {
  name: { type: 'string' },
  'api-host': { type: 'string' },
  'api-port': { type: 'string' },
  bootstrap: { type: 'string' },
  'network-key': { type: 'string' },
  capacity: { type: 'string' },
  group: { type: 'string' },
  'epoch-seconds': { type: 'string' },
  'log-level': { type: 'string' },
  config: { type: 'string' }
}

function inlineConfig(values: Values, dir: string): InlineConfig {
  const flags: Record<string, unknown> = { dataDir: dir }
  const set = (path: string, v: string | undefined): void => {
    if (v === undefined) return
    const [a, b] = path.split('.') as [string, string | undefined]
    if (b === undefined) flags[a] = v
    else flags[a] = { ...(flags[a] as Record<string, unknown> | undefined), [b]: v }
  }
  set('name', str(values, 'name'))
  set('api.host', str(values, 'api-host'))
  set('api.port', str(values, 'api-port'))
  set('network.bootstrap', str(values, 'bootstrap'))
  set('network.key', str(values, 'network-key'))
  set('hoster.capacityBytes', str(values, 'capacity'))
  set('hoster.group', str(values, 'group'))
  set('epochSeconds', str(values, 'epoch-seconds'))
  set('logLevel', str(values, 'log-level'))
  if (str(values, 'config') !== undefined) flags.configFile = str(values, 'config')
  return flags
}

// --- commands ------------------------------------------------------------------------------------

interface StatusBody {
  account: string
  networkKey: string | null
  epoch: number
  balance: { balance: string, credit: string, available: string, heldBack: string, reputationPpm: number } | null
  mirrors: { agreementId: number, coreKey: string, have: number, length: number, state: string }[]
  node: { name?: string, roles?: string[], peers?: number, writable?: boolean, storage?: { capacityBytes: number, usedBytes: number, reservedBytes: number } }
}

function printStatus(s: StatusBody, url: string): void {
  out(`node       ${s.node.name ?? '-'}  (${(s.node.roles ?? []).join(', ')})`)
  out(`account    ${s.account}`)
  out(`network    ${s.networkKey ?? '-'}`)
  out(`epoch      ${s.epoch}    peers ${s.node.peers ?? '-'}    writable ${s.node.writable === true ? 'yes' : 'no'}`)
  if (s.balance !== null) out(`balance    ${favor(s.balance.balance)} favor  (available ${favor(s.balance.available)}, held back ${favor(s.balance.heldBack)}, reputation ${(s.balance.reputationPpm / 10_000).toFixed(1)}%)`)
  const st = s.node.storage
  if (st !== undefined && st.capacityBytes > 0) out(`storage    ${bytes(st.usedBytes)} used, ${bytes(st.reservedBytes)} reserved of ${bytes(st.capacityBytes)}`)
  out(`dashboard  ${url}/`)
  for (const m of s.mirrors) out(`mirror #${m.agreementId} ${short(m.coreKey, 12)} ${progressBar(m.have, m.length)} ${m.state}`)
}

const commands: Record<string, Command> = {
  init: {
    usage: 'favor init [--dir DIR] [--name NAME] [--capacity 10GiB] [--group G] [--bootstrap host:port,...] [--api-port N] [--epoch-seconds N]',
    summary: 'create the node directory, its config.json and its API token',
    options: CONFIG_FLAGS,
    async run({ values, dir }) {
      const existing = await readConfigFile(dir)
      const inline = inlineConfig(values, dir)
      // Validate what we are about to write by resolving it.
      try {
        await resolveConfig({ flags: { ...inline, configFile: false }, cwd: process.cwd() })
      } catch (err) {
        if (err instanceof ConfigError) throw new UsageError(err.message)
        throw err
      }
      const { dataDir: _d, configFile: _c, ...rest } = inline
      const merged: Record<string, unknown> = { ...existing }
      for (const [k, v] of Object.entries(rest)) {
        merged[k] = typeof v === 'object' && v !== null ? { ...(existing[k] as Record<string, unknown> | undefined), ...(v as Record<string, unknown>) } : v
      }
      await writeConfigFile(dir, merged)
      await loadOrCreateToken(dir)
      out(`initialised ${dir}`)
      out(`next: favor start --dir ${dir}`)
    }
  },
  start: {
    usage: 'favor start [--dir DIR] [config flags as for init]',
    summary: 'run the daemon (node + HTTP API) in the foreground; Ctrl-C stops it cleanly',
    options: CONFIG_FLAGS,
    async run({ values, dir }) {
      let config
      try {
        config = await resolveConfig({ env: process.env, flags: inlineConfig(values, dir), cwd: process.cwd() })
      } catch (err) {
        if (err instanceof ConfigError) throw new UsageError(err.message)
        throw err
      }
      const log = createLogger({ prefix: config.name, level: config.logLevel })
      const { startDaemon } = await import('../daemon.js')
      out(`starting ${config.name} in ${config.dataDir} (joining the DHT, opening the ledger)…`)
      const daemon = await startDaemon(config, { log })
      out(`favor daemon ${config.name} running`)
      out(`  api        ${daemon.url}`)
      out(`  dashboard  ${daemon.url}/`)
      out(`  account    ${daemon.info.account}`)
      out(`  network    ${daemon.info.networkKey}`)
      await new Promise<void>((resolveStop) => {
        const stop = (sig: string): void => {
          out(`${sig}: closing…`)
          process.off('SIGINT', onInt)
          process.off('SIGTERM', onTerm)
          daemon.close().then(resolveStop, (err: unknown) => {
            process.stderr.write(`close failed: ${(err as Error).message}\n`)
            resolveStop()
          })
        }
        const onInt = (): void => { stop('SIGINT') }
        const onTerm = (): void => { stop('SIGTERM') }
        process.on('SIGINT', onInt)
        process.on('SIGTERM', onTerm)
      })
      out('stopped')
    }
  },
  network: {
    usage: 'favor network create | favor network join <networkKey>   [--dir DIR]',
    summary: 'choose the network the node runs in (takes effect at the next `favor start`)',
    options: {},
    async run({ positionals, dir }) {
      const sub = positionals[0]
      const cfg = await readConfigFile(dir)
      const network = (typeof cfg.network === 'object' && cfg.network !== null ? cfg.network : {}) as Record<string, unknown>
      if (sub === 'create') {
        needPositionals(positionals, 1, 'no arguments after `network create`')
        await writeConfigFile(dir, { ...cfg, network: { ...network, key: null } })
        out('the node will create a new network (admin and sole indexer) at the next start: favor start')
        out('its key is then printed and saved in config.json; share it with: favor network join <key>')
      } else if (sub === 'join') {
        needPositionals(positionals, 2, 'the network key: favor network join <key>')
        const key = hexArg(positionals[1], 'network key')
        await writeConfigFile(dir, { ...cfg, network: { ...network, key } })
        out(`the node will join network ${key} at the next start; ask a writer to admit your account (printed by favor start)`)
      } else {
        throw new UsageError("expected 'create' or 'join <key>'")
      }
    }
  },
  publish: {
    usage: 'favor publish <coreKey> [--replicas N] [--name NAME] [--until EPOCH] [--wait] [--json]',
    summary: 'ask the network to host a hypercore (a pin); --wait shows progress until it is pinned',
    options: { replicas: { type: 'string', short: 'r' }, name: { type: 'string' }, until: { type: 'string' }, wait: { type: 'boolean' }, ...JSON_OPT },
    async run({ values, positionals, dir }) {
      needPositionals(positionals, 1, 'one hypercore key: favor publish <coreKey>')
      const cid = hexArg(positionals[0], 'coreKey')
      const body: Record<string, unknown> = { cid }
      const replicas = intFlag(values, 'replicas', 1, 16)
      if (replicas !== undefined) body.replicas = replicas
      const until = intFlag(values, 'until', 0, Number.MAX_SAFE_INTEGER)
      if (until !== undefined) body.until = until
      if (str(values, 'name') !== undefined) body.name = str(values, 'name')
      const client = await connect(dir)
      if (values.json !== true) out(`publishing ${cid} (opening the core and appending a request)…`)
      let pin = await client.request<PinStatus>('POST', '/pins', body)
      if (values.wait === true) pin = await waitPinned(client, pin, values.json === true)
      if (values.json === true) printJson(pin)
      else out(`request ${pin.requestid}: ${pin.status}${pin.info.reason !== undefined ? ` (${String(pin.info.reason)})` : ''}`)
      if (pin.status === 'failed') throw new CliError(`pin ${pin.requestid} failed: ${String(pin.info.reason)}`, EXIT.refused)
    }
  },
  offer: {
    usage: 'favor offer --capacity 10GiB [--group G]',
    summary: 'offer storage to the network as a hoster',
    options: { capacity: { type: 'string', short: 'c' }, group: { type: 'string', short: 'g' }, ...JSON_OPT },
    async run({ values, positionals, dir }) {
      needPositionals(positionals, 0, 'no positional arguments')
      const capacity = str(values, 'capacity')
      if (capacity === undefined) throw new UsageError('--capacity is required, e.g. --capacity 10GiB')
      const body: Record<string, unknown> = { capacity }
      if (str(values, 'group') !== undefined) body.group = str(values, 'group')
      const res = await (await connect(dir)).request<{ capacityBytes: number }>('POST', '/offer', body)
      if (values.json === true) printJson(res)
      else out(`offered ${bytes(res.capacityBytes)}`)
    }
  },
  withdraw: {
    usage: 'favor withdraw',
    summary: 'withdraw the offer: hosted cores are handed over gracefully',
    options: { ...JSON_OPT },
    async run({ values, dir }) {
      const res = await (await connect(dir)).request('POST', '/withdraw', {})
      if (values.json === true) printJson(res)
      else out('offer withdrawn; this node keeps serving until replacements are ready')
    }
  },
  status: {
    usage: 'favor status [--json] [--watch]',
    summary: "this node: account, network, epoch, balance, storage, mirroring progress",
    options: { ...JSON_OPT, watch: { type: 'boolean', short: 'w' } },
    read: true,
    async run({ values, dir }) {
      const client = await connect(dir)
      if (values.watch === true) {
        const stop = new AbortController()
        const onInt = (): void => { stop.abort() }
        process.once('SIGINT', onInt)
        try {
          while (!stop.signal.aborted) {
            const s = await client.request<StatusBody>('GET', '/status')
            process.stdout.write('\x1b[2J\x1b[H')
            printStatus(s, client.url)
            out('\n(watching; Ctrl-C to stop)')
            await sleep(1000)
          }
        } finally {
          process.off('SIGINT', onInt)
        }
        return
      }
      const s = await client.request<StatusBody>('GET', '/status')
      if (values.json === true) printJson(s)
      else printStatus(s, client.url)
    }
  },
  balance: {
    usage: 'favor balance [account] [--json]',
    summary: 'balance, credit, given/received and reputation of an account (default: this node)',
    options: { ...JSON_OPT },
    read: true,
    async run({ values, positionals, dir }) {
      if (positionals.length > 1) throw new UsageError('at most one account')
      const id = positionals[0] === undefined ? 'me' : hexArg(positionals[0], 'account')
      const a = await (await connect(dir)).request<Record<string, string | number>>('GET', `/accounts/${id}`)
      if (values.json === true) return printJson(a)
      out(`account     ${String(a.id)}`)
      out(`balance     ${favor(a.balance)} favor`)
      out(`available   ${favor(a.available)} (credit ${favor(a.credit)}, sponsor lines ${favor(a.lines)})`)
      out(`held back   ${favor(a.heldBack)}`)
      out(`given       ${String(a.given)} byte-seconds    received ${String(a.received)} byte-seconds`)
      out(`reputation  ${((a.reputationPpm as number) / 10_000).toFixed(1)}%`)
    }
  },
  agreements: {
    usage: 'favor agreements [--state active,pinning,paused,ended] [--mine] [--json]',
    summary: 'hosting agreements and their states',
    options: { ...JSON_OPT, state: { type: 'string' }, mine: { type: 'boolean' } },
    read: true,
    async run({ values, dir }) {
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
  },
  pins: {
    usage: 'favor pins [--status queued,pinning,pinned,failed] [--name N] [--limit N] [--json]',
    summary: "this node's pins (hosting requests), all statuses unless --status",
    options: { ...JSON_OPT, status: { type: 'string' }, name: { type: 'string' }, limit: { type: 'string' } },
    read: true,
    async run({ values, dir }) {
      const qs = new URLSearchParams({ status: str(values, 'status') ?? 'queued,pinning,pinned,failed', limit: String(intFlag(values, 'limit', 1, 1000) ?? 1000) })
      if (str(values, 'name') !== undefined) qs.set('name', str(values, 'name') as string)
      const res = await (await connect(dir)).request<{ count: number, results: PinStatus[] }>('GET', `/pins?${qs.toString()}`)
      if (values.json === true) return printJson(res)
      if (res.results.length === 0) return out('no pins')
      out(table(['requestid', 'status', 'core', 'name', 'replicas', 'created'],
        res.results.map((p) => [p.requestid, p.status, short(p.pin.cid, 12), p.pin.name ?? '', String(p.info.replicas ?? ''), p.created])))
    }
  },
  transfer: {
    usage: 'favor transfer <toAccount> <amount>      (amount in favor, e.g. 2.5, or micro-favor, e.g. 2500000u)',
    summary: 'move favor from this node\'s balance to another account',
    options: { ...JSON_OPT },
    async run({ values, positionals, dir }) {
      needPositionals(positionals, 2, 'favor transfer <toAccount> <amount>')
      const res = await (await connect(dir)).request('POST', '/transfer', { to: hexArg(positionals[0], 'toAccount'), amount: amountArg(positionals[1]) })
      if (values.json === true) printJson(res)
      else out(`transfer of ${positionals[1] ?? ''} favor to ${short(positionals[0])} appended to the ledger`)
    }
  },
  sponsor: {
    usage: 'favor sponsor <toAccount> <amount>',
    summary: 'escrow favor as a sponsor line another account may spend',
    options: { ...JSON_OPT },
    async run({ values, positionals, dir }) {
      needPositionals(positionals, 2, 'favor sponsor <toAccount> <amount>')
      const res = await (await connect(dir)).request('POST', '/sponsor', { to: hexArg(positionals[0], 'toAccount'), amount: amountArg(positionals[1]) })
      if (values.json === true) printJson(res)
      else out(`sponsor line of ${positionals[1] ?? ''} favor for ${short(positionals[0])} appended to the ledger`)
    }
  },
  admit: {
    usage: 'favor admit <writerKey> [--indexer]',
    summary: 'admit another node (its account) as a writer of the ledger',
    options: { ...JSON_OPT, indexer: { type: 'boolean' } },
    async run({ values, positionals, dir }) {
      needPositionals(positionals, 1, 'favor admit <writerKey>')
      const res = await (await connect(dir)).request('POST', '/writers', { key: hexArg(positionals[0], 'writerKey'), indexer: values.indexer === true })
      if (values.json === true) printJson(res)
      else out(`admission of ${short(positionals[0])} appended to the ledger`)
    }
  },
  ledger: {
    usage: 'favor ledger verify [--json]',
    summary: "replay every writer's log from scratch and compare with this node's state",
    options: { ...JSON_OPT },
    read: true,
    async run({ values, positionals, dir }) {
      if (positionals[0] !== 'verify' || positionals.length !== 1) throw new UsageError("expected 'verify'")
      const client = await connect(dir)
      if (values.json !== true) out('replaying the ledger from the writers\' logs (this may take a while)…')
      const r = await client.request<{ ok: boolean, version: number, entries: number, claimedDigest: string, replayDigest: string, firstDifference: string | null, ms: number }>('POST', '/ledger/verify', {})
      if (values.json === true) printJson(r)
      else out(r.ok ? `ok: ${r.entries} entries at version ${r.version} match (digest ${short(r.replayDigest, 16)}, ${r.ms} ms)` : `MISMATCH at version ${r.version}: first difference at ${r.firstDifference ?? '?'}`)
      if (!r.ok) throw new CliError('the replayed ledger differs from this node\'s state', EXIT.error)
    }
  },
  statement: {
    usage: 'favor statement <account|me> [--out FILE] [--json]\n       favor statement verify FILE [--network KEY] [--max-age 1h] [--indexers KEY,KEY] [--json]',
    summary: "an account's balance statement (via the daemon), or check one offline (no daemon, no network)",
    options: { out: { type: 'string', short: 'o' }, network: { type: 'string' }, 'max-age': { type: 'string' }, indexers: { type: 'string' }, ...JSON_OPT },
    read: true,
    async run({ values, positionals, dir }) {
      const st = await import('../statement/index.js')
      if (positionals[0] === 'verify') {
        needPositionals(positionals, 2, 'verify FILE')
        const file = positionals[1] as string
        const maxAgeText = str(values, 'max-age')
        const maxAgeMs = maxAgeText === undefined ? undefined : st.parseDuration(maxAgeText)
        if (maxAgeMs === null) throw new UsageError(`--max-age: expected a duration such as 90s, 15m, 1h or 2d, got '${maxAgeText ?? ''}'`)
        const indexers = (str(values, 'indexers') ?? '').split(',').filter((k) => k !== '').map((k) => hexArg(k, '--indexers'))
        let bytes: Buffer
        try {
          bytes = await readFile(file)
        } catch (err) {
          throw new CliError(`cannot read ${file}: ${(err as Error).message}`)
        }
        const given = str(values, 'network')
        const network = given === undefined ? null : hexArg(given, '--network')
        let v: ReturnType<typeof st.verifyStatement>
        try {
          // Without --network the file's own network key is used: the proof still holds, but only for the
          // network the file names — say so.
          const key = network ?? st.decodeStatement(bytes).networkKey
          v = st.verifyStatement(bytes, { networkKey: key, ...(maxAgeMs !== undefined ? { maxAgeMs } : {}), indexers })
        } catch (err) {
          if (st.isStatementError(err)) {
            if (values.json === true) printJson({ ok: false, code: err.code, message: err.message })
            throw new CliError(err.message, EXIT.error)
          }
          throw err
        }
        if (values.json === true) return printJson({ ok: true, networkFromFile: network === null, ...st.valuesToJSON(v) })
        out('ok: the ledger\'s indexers signed these values')
        for (const line of st.describeStatement(v)) out(line)
        if (network === null) out('note: the network key was taken from the file; pass --network KEY to check it is the network you mean')
        return
      }
      needPositionals(positionals, 1, 'an account (or me), or verify FILE')
      const id = positionals[0] === 'me' ? 'me' : hexArg(positionals[0], 'account')
      const r = await (await connect(dir)).request<{ account: string, network: string, bytes: number, statement: string }>('GET', `/statements/${id}`)
      const bytes = Buffer.from(r.statement, 'base64')
      const file = str(values, 'out') ?? `favor-statement-${r.account.slice(0, 12)}.bin`
      const v = st.verifyStatement(bytes, { networkKey: r.network })
      await writeFile(file, bytes)
      if (values.json === true) return printJson({ file, ...st.valuesToJSON(v) })
      out(`wrote ${file} (${bytes.byteLength} bytes); check it anywhere with: favor statement verify ${file} --network ${r.network}`)
      for (const line of st.describeStatement(v)) out(line)
    }
  },
  demo: {
    usage: 'favor demo [--cheat] [--follow] [--nodes N] [--epochs N] [--epoch-ms MS]',
    summary: 'run a local network of real nodes on loopback and show it epoch by epoch',
    options: { cheat: { type: 'boolean' }, follow: { type: 'boolean' }, nodes: { type: 'string' }, epochs: { type: 'string' }, 'epoch-ms': { type: 'string' }, ...JSON_OPT },
    async run({ values }) {
      const { runDemo } = await import('../demo/index.js')
      const nodes = intFlag(values, 'nodes', 4, 32)
      const epochs = intFlag(values, 'epochs', 1, 1_000_000)
      const epochMs = intFlag(values, 'epoch-ms', 200, 3_600_000)
      const ac = new AbortController()
      const onInt = (): void => { ac.abort() }
      process.once('SIGINT', onInt)
      try {
        const summary = await runDemo({
          ...(nodes !== undefined ? { nodes } : {}),
          ...(epochs !== undefined ? { epochs } : {}),
          ...(epochMs !== undefined ? { epochMs } : {}),
          cheat: values.cheat === true,
          follow: values.follow === true,
          signal: ac.signal,
          out: values.json === true ? () => {} : (line) => { out(line) }
        })
        if (values.json === true) printJson(summary)
      } finally {
        process.off('SIGINT', onInt)
      }
    }
  }
}

interface PinStatus {
  requestid: string
  status: 'queued' | 'pinning' | 'pinned' | 'failed'
  created: string
  pin: { cid: string, name?: string }
  info: { reason?: string, waiting?: string, replicas?: number, slots?: number, slotsFilled?: number, agreements?: { id: number, state: string }[] }
}

async function waitPinned(client: Client, first: PinStatus, quiet: boolean): Promise<PinStatus> {
  let pin = first
  let lastLine = ''
  const tty = process.stdout.isTTY
  while (pin.status === 'queued' || pin.status === 'pinning') {
    if (!quiet) {
      const agreements = pin.info.agreements ?? []
      const active = agreements.filter((a) => a.state === 'active').length
      const slots = pin.info.slots ?? 0
      const line = `${pin.status.padEnd(8)} ${progressBar(active, slots, 24)} replicas active — ${String(pin.info.waiting ?? '')}`
      if (tty) process.stdout.write(`\r\x1b[2K${line}`)
      else if (line !== lastLine) out(line)
      lastLine = line
    }
    await sleep(500)
    pin = await client.request<PinStatus>('GET', `/pins/${pin.requestid}`)
  }
  if (!quiet && tty) process.stdout.write('\n')
  return pin
}

function globalHelp(): string {
  const lines = ['favor — keep each other\'s hypercores online, prove it, keep score', '', 'usage: favor <command> [options]   (favor <command> --help for details)', '']
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(11)} ${c.summary}`)
  lines.push('', 'common options: --dir DIR (or FAVOR_DIR; default ~/.favor), --json on every read command, -h/--help',
    'exit codes: 0 ok, 1 error, 2 usage, 3 daemon not running, 4 refused by the ledger/API')
  return lines.join('\n')
}

export async function main(argv: string[]): Promise<number> {
  const name = argv[0]
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    out(globalHelp())
    return name === undefined ? EXIT.usage : EXIT.ok
  }
  if (name === '--version') {
    out('favor 0.1.0')
    return EXIT.ok
  }
  const cmd = commands[name]
  if (cmd === undefined) {
    process.stderr.write(`favor: unknown command '${name}'\n\n${globalHelp()}\n`)
    return EXIT.usage
  }
  let parsed: { values: Values, positionals: string[] }
  try {
    parsed = parseArgs({ args: argv.slice(1), options: { ...COMMON, ...cmd.options }, allowPositionals: true, strict: true }) as { values: Values, positionals: string[] }
  } catch (err) {
    process.stderr.write(`favor ${name}: ${(err as Error).message}\nusage: ${cmd.usage}\n`)
    return EXIT.usage
  }
  if (parsed.values.help === true) {
    out(`${cmd.usage}\n\n${cmd.summary}\n\noptions: --dir DIR (or FAVOR_DIR), -h/--help${cmd.options.json !== undefined ? ', --json' : ''}`)
    return EXIT.ok
  }
  try {
    await cmd.run({ values: parsed.values, positionals: parsed.positionals, dir: dataDir(parsed.values) })
    return EXIT.ok
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`favor ${name}: ${err.message}\n`)
      if (err instanceof UsageError) process.stderr.write(`usage: ${cmd.usage}\n`)
      return err.exitCode
    }
    process.stderr.write(`favor ${name}: ${err instanceof Error ? err.message : String(err)}\n`)
    return EXIT.error
  }
}

const isEntry = process.argv[1] !== undefined && /[\\/]cli[\\/]main\.(js|ts)$/.test(process.argv[1])
if (isEntry) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code }, (err: unknown) => {
    process.stderr.write(`favor: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
    process.exitCode = EXIT.error
  })
}
