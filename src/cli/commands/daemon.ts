// Commands that set up and run a node: init, start, stop, config, network.
import { isErrno } from '../../errors.js'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { loadOrCreateToken } from '../../api/index.js'
import {
  CONFIG_FILE_NAME, ConfigError, configFieldNames, createLogger, createStreamSink, openLogFile, processAlive, resolveConfig
} from '../../runtime/index.js'
import type { LogSink } from '../../runtime/index.js'
import { CliError, EXIT, UsageError, connect } from '../client.js'
import { JSON_FLAG, amountArg, hexArg, intFlag, needPositionals, sleep } from '../command.js'
import { favor } from '../format.js'
import type { Command } from '../command.js'
import { CONFIG_FLAGS, flagsAsUserConfig, loadConfig } from '../config-flags.js'
import { out, printJson } from '../output.js'

const say = out
/** Set in the environment of a daemon started by `start --detach`. */
const DETACHED_ENV = 'FAVOR_DETACHED'

type Obj = Record<string, unknown>

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

async function readConfigObject(dir: string): Promise<Obj> {
  const path = join(dir, CONFIG_FILE_NAME)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw new CliError(`cannot read ${path}: ${(err as Error).message}`)
  }
  try {
    const v = JSON.parse(text) as unknown
    if (isObj(v)) return v
  } catch { /* reported below */ }
  throw new CliError(`${path} is not a JSON object: fix or remove it`)
}

/** Writes config.json after resolving it as `start` will (nothing invalid is ever written). */
async function writeConfigObject(dir: string, obj: Obj): Promise<void> {
  await mkdir(dir, { recursive: true })
  const path = join(dir, CONFIG_FILE_NAME)
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, `${JSON.stringify(obj, null, 2)}\n`, { mode: 0o600 })
  try {
    await resolveConfig({ file: tmp, env: {}, flags: { dataDir: dir }, cwd: process.cwd() })
  } catch (err) {
    await rm(tmp, { force: true })
    if (err instanceof ConfigError) throw new UsageError(err.message.split(`${tmp}: `).join(''))
    throw err
  }
  await rename(tmp, path)
}

function merge(base: Obj, add: Obj): Obj {
  const outObj: Obj = { ...base }
  for (const [k, v] of Object.entries(add)) outObj[k] = isObj(v) && isObj(base[k]) ? { ...base[k], ...v } : v
  return outObj
}

/** The network key saved in node.json by an earlier start, if any. */
async function savedNetworkKey(dir: string): Promise<string | null> {
  try {
    const id = JSON.parse(await readFile(join(dir, 'node.json'), 'utf8')) as { networkKey?: unknown }
    return typeof id.networkKey === 'string' ? id.networkKey : null
  } catch (err) {
    // no node.json yet (or a torn one: the node itself reports that clearly when it starts)
    if (!(isErrno(err, 'ENOENT') || err instanceof SyntaxError)) throw err
    return null
  }
}

const init: Command = {
  usage: 'favor init [--dir DIR] [config flags]',
  summary: 'create (or update) the node directory: config.json from the flags, and the API token',
  flags: { ...CONFIG_FLAGS, ...JSON_FLAG },
  async run({ values, positionals, dir }) {
    needPositionals(positionals, 0, 'no positional arguments (flags only, e.g. favor init --name alice)')
    const { config: _c, ...rest } = values
    const existing = await readConfigObject(dir)
    // Without --name, the node is named after its directory (when that is a valid name).
    const dirName = basename(dir)
    if (rest.name === undefined && existing.name === undefined && /^[A-Za-z0-9._-]{1,64}$/.test(dirName) && dirName !== '.favor') rest.name = dirName
    const merged = merge(existing, flagsAsUserConfig(rest) as Obj)
    await writeConfigObject(dir, merged)
    await loadOrCreateToken(dir)
    if (values.json === true) return printJson({ dir, configFile: join(dir, CONFIG_FILE_NAME), config: merged })
    out(`initialised ${dir}`)
    const network = isObj(merged.network) ? merged.network : {}
    if (typeof network.key !== 'string' && network.create !== true && await savedNetworkKey(dir) === null) {
      out('next: choose a network —')
      out(`  favor network create --dir ${dir}        start a new one (this node becomes its admin)`)
      out(`  favor network join <key> --dir ${dir}    join an existing one`)
      out(`then: favor start --dir ${dir}`)
    } else {
      out(`next: favor start --dir ${dir}`)
    }
  }
}

const start: Command = {
  usage: 'favor start [--dir DIR] [--detach] [config flags]',
  summary: 'run the daemon (node + HTTP API + dashboard) in the foreground, or in the background with --detach; `favor stop` ends it',
  flags: { ...CONFIG_FLAGS, detach: { type: 'boolean', desc: 'run in the background: return once the daemon is up (its output goes to <dir>/favor.log)' }, ...JSON_FLAG },
  async run({ values, positionals, dir, dirFlag }) {
    needPositionals(positionals, 0, 'no positional arguments')
    const { config, sources } = await loadConfig(values, dir, dirFlag)
    if (config.network.key === null && !config.network.create && await savedNetworkKey(config.dataDir) === null) {
      throw new UsageError(`${config.dataDir} is in no network yet: run \`favor network create --dir ${config.dataDir}\` to start one, or \`favor network join <key> --dir ${config.dataDir}\``)
    }
    if (values.detach === true) return startDetached(config.dataDir, values.json === true)
    const json = values.json === true
    // Detached (see startDetached): stdout and stderr are the log file already; only the logger writes.
    const quiet = process.env[DETACHED_ENV] === '1'
    const out = quiet ? (): void => {} : say
    const logFile = openLogFile(config.dataDir)
    const stderr = createStreamSink(process.stderr)
    const sink: LogSink = (r) => { logFile.sink(r); if (!json && !quiet) stderr(r) }
    const log = createLogger({ prefix: config.name, level: config.logLevel, sink })
    const { startDaemon, DaemonError } = await import('../../daemon.js')
    if (!json) out(`starting ${config.name} in ${config.dataDir} (${config.network.bootstrap.length === 0 ? 'public HyperDHT' : `bootstrap ${config.network.bootstrap.map((b) => `${b.host}:${b.port}`).join(',')}`}; joining the DHT, opening the ledger)…`)
    let daemon
    try {
      daemon = await startDaemon(config, { log, apiPortExplicit: sources['api.port']?.source !== 'default' })
    } catch (err) {
      logFile.close()
      if (err instanceof DaemonError) throw new CliError(err.message, EXIT.error, err.code)
      throw err
    }
    log.info('daemon started', { url: daemon.url, pid: process.pid })
    if (json && !quiet) printJson({ ...daemon.info, dataDir: config.dataDir, logFile: logFile.path })
    else {
      out(`favor daemon ${config.name} running (pid ${process.pid})`)
      out(`  api        ${daemon.url}`)
      out(`  dashboard  ${daemon.api.loginUrl()}`)
      out('             (open this link to log in; it works once, for 5 minutes; favor dashboard prints a new one)')
      out(`  account    ${daemon.info.account}`)
      out(`  network    ${daemon.info.networkKey}`)
      out(`  log        ${logFile.path}`)
      if (!daemon.node.writable) {
        out('not a writer of the ledger yet: asking the network\'s writers to admit this node…')
        daemon.node.on('join', (p) => {
          if (p.stage === 'writable') out('admitted: this node can now write to the ledger')
          else if (p.stage === 'failed') out(`not admitted: ${p.message ?? p.code ?? 'unknown reason'} (see favor logs)`)
        })
      }
    }
    await new Promise<void>((resolveStop) => {
      const stop = (sig: string): void => {
        log.info(`${sig}: closing`)
        if (!json) out(`${sig}: closing…`)
        process.off('SIGINT', onInt)
        process.off('SIGTERM', onTerm)
        daemon.close().then(resolveStop, (e: unknown) => {
          log.error('close failed', { err: (e as Error).message })
          resolveStop()
        })
      }
      const onInt = (): void => { stop('SIGINT') }
      const onTerm = (): void => { stop('SIGTERM') }
      process.on('SIGINT', onInt)
      process.on('SIGTERM', onTerm)
    })
    log.info('stopped')
    logFile.close()
    if (!json) out('stopped')
  }
}

/**
 * `start --detach`: the same command without --detach in a new session with no terminal, its output
 * appended to the log file; returns once its api.json names it (bounded), or reports how it ended.
 */
async function startDetached(dataDir: string, json: boolean): Promise<void> {
  const { spawn } = await import('node:child_process')
  const { openSync, closeSync } = await import('node:fs')
  const { readDaemonInfo } = await import('../../daemon.js')
  const running = await readDaemonInfo(dataDir)
  if (running !== null && typeof running.pid === 'number' && processAlive(running.pid)) {
    throw new CliError(`a daemon is already running on ${dataDir} (pid ${running.pid}${typeof running.url === 'string' ? `, ${running.url}` : ''}); stop it with: favor stop --dir ${dataDir}`, EXIT.error, 'ALREADY_RUNNING')
  }
  const entry = process.argv[1]
  if (entry === undefined) throw new CliError('cannot find the favor program to run in the background')
  const args = process.argv.slice(2).filter((a) => a !== '--detach')
  await mkdir(dataDir, { recursive: true })
  const logPath = join(dataDir, 'favor.log')
  const fd = openSync(logPath, 'a', 0o600)
  const child = spawn(process.execPath, [...process.execArgv, entry, ...args], { detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, [DETACHED_ENV]: '1' } })
  closeSync(fd)
  let exited: number | null = null
  child.once('exit', (code) => { exited = code ?? 1 })
  child.unref()
  const pid = child.pid
  const deadline = Date.now() + 120_000
  for (;;) {
    const info = await readDaemonInfo(dataDir)
    if (info !== null && info.pid === pid) {
      if (json) printJson({ ...info, dataDir, logFile: logPath })
      else out(`favor daemon running in the background (pid ${String(pid)}): ${String(info.url)}   logs: favor logs -f --dir ${dataDir}   stop: favor stop --dir ${dataDir}`)
      return
    }
    if (exited !== null) throw new CliError(`the daemon exited with ${String(exited)} before it was up; see ${logPath} (favor logs --dir ${dataDir})`)
    if (Date.now() > deadline) throw new CliError(`the daemon (pid ${String(pid)}) is not up after 120 s; see favor logs --dir ${dataDir}`)
    await sleep(200)
  }
}

const stop: Command = {
  usage: 'favor stop [--dir DIR] [--timeout SECONDS] [--json]',
  summary: 'stop the daemon running on the node directory and wait until it has closed',
  flags: { timeout: { type: 'string', arg: 'SECONDS', desc: 'how long to wait for it to close (default 30)' }, ...JSON_FLAG },
  async run({ values, positionals, dir }) {
    needPositionals(positionals, 0, 'no positional arguments')
    const timeoutS = intFlag(values, 'timeout', 1, 3600) ?? 30
    const { readDaemonInfo } = await import('../../daemon.js')
    const info = await readDaemonInfo(dir)
    if (info === null || typeof info.pid !== 'number') throw new CliError(`no daemon is running on ${dir} (no api.json)`, EXIT.noDaemon)
    const pid = info.pid
    if (!processAlive(pid)) {
      await rm(join(dir, 'api.json'), { force: true })
      throw new CliError(`no daemon is running on ${dir} (pid ${pid} is gone; removed its stale api.json)`, EXIT.noDaemon)
    }
    process.kill(pid, 'SIGTERM')
    const deadline = Date.now() + timeoutS * 1000
    while (processAlive(pid)) {
      if (Date.now() > deadline) throw new CliError(`pid ${pid} is still closing after ${timeoutS} s (see favor logs --dir ${dir}); to force: kill -9 ${pid}`)
      await sleep(100)
    }
    if (values.json === true) printJson({ stopped: true, pid })
    else out(`stopped the daemon on ${dir} (pid ${pid})`)
  }
}

const config: Command = {
  usage: 'favor config [--dir DIR] [config flags] [--json]',
  summary: 'print the configuration `favor start` would use, and where each value comes from',
  flags: { ...CONFIG_FLAGS, ...JSON_FLAG },
  async run({ values, positionals, dir, dirFlag }) {
    needPositionals(positionals, 0, 'no positional arguments')
    const { config: c, sources } = await loadConfig(values, dir, dirFlag)
    if (values.json === true) return printJson({ config: c, sources })
    const flat: [string, unknown][] = configFieldNames().map(({ field }) => [field, field.split('.').reduce<unknown>((o, k) => isObj(o) ? o[k] : undefined, c)])
    const show = (v: unknown): string => {
      if (Array.isArray(v)) return v.length === 0 ? '(public HyperDHT)' : v.map((b: { host: string, port: number }) => `${b.host}:${b.port}`).join(',')
      if (typeof v === 'string') return v
      if (typeof v === 'number' || typeof v === 'boolean') return `${v}`
      return v === null || v === undefined ? '-' : JSON.stringify(v)
    }
    const rows = flat.map(([k, v]) => [k, show(v), sources[k]?.location ?? 'default'] as const)
    const w0 = Math.max(...rows.map((r) => r[0].length))
    const w1 = Math.min(70, Math.max(...rows.map((r) => r[1].length)))
    out(`config file: ${c.configFile ?? '(none)'}`)
    for (const [k, v, s] of rows) out(`${k.padEnd(w0)}  ${v.padEnd(w1)}  ${s}`)
    out('')
    out('precedence: flags > FAVOR_* environment > config file > defaults (docs/config.md)')
  }
}

const network: Command = {
  usage: 'favor network create | favor network join <networkKey> [--invite CODE] | favor network invite [--credit AMOUNT] [--expires EPOCHS]   [--dir DIR] [--json]',
  summary: 'choose the network the node runs in (takes effect at the next `favor start`), or invite someone into it',
  flags: {
    invite: { type: 'string', arg: 'CODE', desc: 'join: the invite code a member gave you (favor network invite)' },
    credit: { type: 'string', arg: 'AMOUNT', desc: 'invite: starting credit line escrowed from your balance (favor, or micro-favor with u), default 0' },
    expires: { type: 'string', arg: 'EPOCHS', desc: 'invite: epochs until the invite expires (default 168)' },
    ...JSON_FLAG
  },
  async run({ values, positionals, dir }) {
    const sub = positionals[0]
    const cfg = await readConfigObject(dir)
    const net = isObj(cfg.network) ? cfg.network : {}
    const saved = await savedNetworkKey(dir)
    if (sub === 'create') {
      needPositionals(positionals, 1, 'no arguments after `network create`')
      if (saved !== null) throw new UsageError(`${dir} already belongs to network ${saved}; use another --dir for a new network`)
      await writeConfigObject(dir, { ...cfg, network: { ...net, key: null, create: true } })
      if (values.json === true) return printJson({ dir, network: { key: null, create: true } })
      out(`the node will create a new network (as its admin and sole indexer) at the next start: favor start --dir ${dir}`)
      out('favor start prints the network key; others join with: favor network join <key>')
    } else if (sub === 'join') {
      needPositionals(positionals, 2, 'the network key: favor network join <key>')
      const key = hexArg(positionals[1], 'network key')
      if (saved !== null && saved !== key) throw new UsageError(`${dir} already belongs to network ${saved}; use another --dir to join ${key}`)
      const invite = typeof values.invite === 'string' ? values.invite.trim().toLowerCase() : null
      if (invite !== null && !/^([0-9a-f]{2}){1,64}$/.test(invite)) throw new UsageError('--invite: expected the hex code printed by `favor network invite`')
      await writeConfigObject(dir, { ...cfg, network: { ...net, key, create: false, ...(invite !== null ? { invite } : {}) } })
      if (values.json === true) return printJson({ dir, network: { key, create: false, ...(invite !== null ? { invite } : {}) } })
      out(`the node will join network ${key} at the next start (favor start --dir ${dir}); it asks the network's writers to admit it${invite === null ? ' (an invite-only network needs --invite CODE)' : ' with your invite'}`)
    } else if (sub === 'invite') {
      needPositionals(positionals, 1, 'no arguments after `network invite` (flags: --credit, --expires)')
      const body: Record<string, unknown> = {}
      if (typeof values.credit === 'string') body.credit = String(amountArg(values.credit, true))
      if (typeof values.expires === 'string') {
        const n = Number(values.expires)
        if (!Number.isSafeInteger(n) || n < 1) throw new UsageError('--expires: a whole number of epochs ≥ 1')
        body.expiresEpochs = n
      }
      const res = await (await connect(dir)).request<{ code: string, expiresEpoch: number, credit: string }>('POST', '/invites', body)
      if (values.json === true) return printJson(res)
      out(`invite code: ${res.code}`)
      out(`single use, valid through epoch ${res.expiresEpoch}; starting line ${favor(BigInt(res.credit))} favor from your balance (escrowed when redeemed)`)
      out('the newcomer runs: favor network join <networkKey> --invite <code>, then favor start')
    } else {
      throw new UsageError("expected 'create', 'join <key>' or 'invite'")
    }
  }
}

const dashboard: Command = {
  usage: 'favor dashboard [--json]',
  summary: 'print a fresh one-time link that logs a browser in to the running daemon\'s dashboard',
  flags: { ...JSON_FLAG },
  async run({ values, positionals, dir }) {
    needPositionals(positionals, 0, 'no positional arguments')
    const res = await (await connect(dir)).request<{ url: string, expiresAt: string }>('POST', '/login-codes')
    if (values.json === true) printJson(res)
    else out(`${res.url}\n(open it in a browser on this machine; it works once, until ${res.expiresAt})`)
  }
}

export const daemonCommands: Record<string, Command> = { init, start, stop, config, network, dashboard }
