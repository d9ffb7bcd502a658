// `favor start`: one FavorNode and its HTTP API from a ResolvedConfig. Writes `<dataDir>/api.json`
// ({ url, pid, account, networkKey }) so the CLI finds the daemon, and the token file (0600) on first start.
import { rm, writeFile, rename, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ApiServer, API_INFO_FILE_NAME } from './api/index.js'
import { FavorNode } from './node.js'
import { CONFIG_FILE_NAME, silentLogger } from './runtime/index.js'
import type { Logger, ResolvedConfig } from './runtime/index.js'

export interface DaemonInfo {
  readonly url: string
  readonly pid: number
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
  } catch {
    obj = {}
  }
  const network = (typeof obj.network === 'object' && obj.network !== null ? obj.network : {}) as Record<string, unknown>
  if (network.key === key) return
  obj.network = { ...network, key }
  await writeAtomic(path, `${JSON.stringify(obj, null, 2)}\n`)
}

export async function startDaemon(config: ResolvedConfig, opts: DaemonOptions = {}): Promise<Daemon> {
  const log = opts.log ?? silentLogger()
  const node = await FavorNode.create({
    dataDir: config.dataDir,
    name: config.name,
    bootstrap: [...config.network.bootstrap],
    networkKey: config.network.key,
    params: { epochSeconds: config.epochSeconds },
    epochMs: config.epochSeconds * 1000,
    ...(config.hoster.capacityBytes > 0 ? { hoster: { capacityBytes: config.hoster.capacityBytes, group: config.hoster.group ?? '' } } : {}),
    log
  })
  const api = new ApiServer({ service: node, dataDir: config.dataDir, host: config.api.host, port: config.api.port, logger: log.child('api') })
  const infoPath = join(config.dataDir, API_INFO_FILE_NAME)
  try {
    const url = await api.listen()
    await rememberNetworkKey(config, node.networkKey)
    const info: DaemonInfo = { url, pid: process.pid, account: node.account, networkKey: node.networkKey, startedAt: new Date().toISOString() }
    await writeAtomic(infoPath, `${JSON.stringify(info, null, 2)}\n`)
    let closing: Promise<void> | null = null
    return {
      node, api, url, info,
      close: () => {
        closing ??= (async () => {
          await rm(infoPath, { force: true })
          await api.close()
          await node.close()
        })()
        return closing
      }
    }
  } catch (err) {
    await api.close()
    await node.close()
    throw err
  }
}
