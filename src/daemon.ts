// `favor start`: one FavorNode and its HTTP API from a ResolvedConfig. Writes `<dataDir>/api.json`
// ({ url, pid, account, networkKey }) so the CLI finds the daemon, and the token file (0600) on first start.
// Before anything slow it refuses a directory another live daemon runs on (pid from api.json) and an
// API port it cannot bind; the default port, when taken, gives way to a free one.
import { FavorError } from './errors.js'
import { describeError, isErrno } from './errors.js'
import { rm, writeFile, rename, readFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { apiServer, API_INFO_FILE_NAME, type ApiServer } from './api/index.js'
import { FavorNode } from './node.js'
import { nodeInitFromConfig } from './node/init.js'
import { StoreLockedError } from './stack/index.js'
import { CONFIG_FILE_NAME, ComponentStartError, Composition, component, processAlive, silentLogger } from './runtime/index.js'
import type { Logger, ResolvedConfig } from './runtime/index.js'

export interface DaemonInfo {
  readonly url: string
  readonly pid: number
  readonly name: string
  readonly account: string
  readonly networkKey: string
  readonly startedAt: string
}

export interface Daemon {
  readonly node: FavorNode
  readonly api: ApiServer
  readonly url: string
  readonly info: DaemonInfo
  /** Closes the API (ending SSE clients), then the node; removes api.json. Safe to call twice. */
  close(): Promise<void>
}

export interface DaemonOptions {
  readonly log?: Logger
  /**
   * The API port was chosen by the user: when it is taken, fail (DaemonError PORT_IN_USE) instead of
   * using a free port. Default false.
   */
  readonly apiPortExplicit?: boolean
}

/** Why a daemon did not start, with a stable code. */
export class DaemonError extends FavorError {
  declare readonly code: 'ALREADY_RUNNING' | 'PORT_IN_USE' | 'DIR_LOCKED'
  constructor(code: DaemonError['code'], message: string, options: { cause?: unknown } = {}) {
    super(message, code, options)
  }
}

/** The daemon recorded in `<dir>/api.json`, when that file exists and parses. */
export async function readDaemonInfo(dir: string): Promise<Partial<DaemonInfo> | null> {
  try {
    const info = JSON.parse(await readFile(join(dir, API_INFO_FILE_NAME), 'utf8')) as unknown
    return typeof info === 'object' && info !== null ? info : null
  } catch (err) {
    // no daemon recorded, or a file cut short by a crash: nothing to read
    if (!(isErrno(err, 'ENOENT') || err instanceof SyntaxError)) throw err
    return null
  }
}

/** Throws ALREADY_RUNNING when api.json names a live process; removes a stale api.json. */
async function checkNotRunning(dir: string): Promise<void> {
  const info = await readDaemonInfo(dir)
  if (info === null) return
  if (typeof info.pid === 'number' && info.pid !== process.pid && processAlive(info.pid)) {
    throw new DaemonError('ALREADY_RUNNING', `a daemon is already running on ${dir} (pid ${info.pid}${typeof info.url === 'string' ? `, ${info.url}` : ''}); stop it with: favor stop --dir ${dir}`)
  }
  await rm(join(dir, API_INFO_FILE_NAME), { force: true })
}

/** The port to listen on: `port` when free, else 0 (any free port) unless the user chose it. */
export async function choosePort(host: string, port: number, explicit: boolean): Promise<number> {
  if (port === 0) return 0
  const free = await new Promise<boolean>((resolve, reject) => {
    const srv = createServer()
    srv.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') resolve(false)
      else reject(err)
    })
    srv.listen(port, host, () => { srv.close(() => { resolve(true) }) })
  })
  if (free) return port
  if (explicit) throw new DaemonError('PORT_IN_USE', `the API port ${host}:${port} is in use (another daemon?); choose another with --api-port N, or 0 for any free port`)
  return 0
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, text, { mode: 0o600 })
  await rename(tmp, path)
}

/** Remembers a newly created network's key in config.json so a restart rejoins it. */
async function rememberNetworkKey(config: ResolvedConfig, key: string): Promise<void> {
  if (config.network.key !== null) return
  const path = config.configFile ?? join(config.dataDir, CONFIG_FILE_NAME)
  let obj: Record<string, unknown>
  try {
    obj = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>
  } catch (err) {
    // only a missing file starts empty: rewriting a file that did not parse would lose the user's settings
    if (!isErrno(err, 'ENOENT')) throw err
    obj = {}
  }
  const network = (typeof obj.network === 'object' && obj.network !== null ? obj.network : {}) as Record<string, unknown>
  if (network.key === key) return
  obj.network = { ...network, key }
  await writeAtomic(path, `${JSON.stringify(obj, null, 2)}\n`)
}

/** The node from the one resolved config (flags, environment, config.json → node init → components). */
function openNode(config: ResolvedConfig, log: Logger): Promise<FavorNode> {
  return FavorNode.create(nodeInitFromConfig(config, log))
}

export async function startDaemon(config: ResolvedConfig, opts: DaemonOptions = {}): Promise<Daemon> {
  const log = opts.log ?? silentLogger()
  await checkNotRunning(config.dataDir)
  const port = await choosePort(config.api.host, config.api.port, opts.apiPortExplicit === true)
  if (port !== config.api.port) log.info('the default API port is taken: using a free one (see api.json)', { port: config.api.port })
  let node: FavorNode
  try {
    node = await openNode(config, log)
  } catch (err) {
    // a component's failed start names the component; the store's lock is its cause
    if (err instanceof StoreLockedError || (err instanceof ComponentStartError && err.cause instanceof StoreLockedError)) {
      throw new DaemonError('DIR_LOCKED', `another process holds ${join(config.dataDir, 'store')} (a daemon or demo on the same directory?)`)
    }
    throw err
  }
  // node → api, stopped in reverse (the API first, ending its streams, then the node), each failure logged
  const parts = new Composition(log.child('daemon'))
  await parts.start(component('node', { stop: () => node.close() }))
  const api = apiServer({ dataDir: config.dataDir, host: config.api.host, port, logger: log.child('api') })({ service: node })
  const infoPath = join(config.dataDir, API_INFO_FILE_NAME)
  try {
    await parts.start(api)
    const url = api.url
    await rememberNetworkKey(config, node.networkKey)
    const info: DaemonInfo = { url, pid: process.pid, name: node.name, account: node.account, networkKey: node.networkKey, startedAt: new Date().toISOString() }
    await writeAtomic(infoPath, `${JSON.stringify(info, null, 2)}\n`)
    let closing: Promise<void> | null = null
    return {
      node, api, url, info,
      close: () => {
        closing ??= (async () => {
          await rm(infoPath, { force: true }).catch((err: unknown) => { log.warn('daemon: removing api.json failed', { component: 'daemon', path: infoPath, ...describeError(err) }) })
          await parts.stop()
        })()
        return closing
      }
    }
  } catch (err) {
    // a failed API start stopped the node already (rollback); a later failure stops both here
    await parts.stop()
    throw err
  }
}
