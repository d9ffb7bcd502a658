// Shared setup of the API, CLI and browser tests: a loopback testnet, real FavorNodes, an ApiServer
// over one of them. Everything is closed and removed by `close()`.
import { mkdir } from 'node:fs/promises'
import { request } from 'node:http'
import type { IncomingHttpHeaders } from 'node:http'
import { join } from 'node:path'
import { ApiServer } from '../../src/api/index.js'
import type { FavorService } from '../../src/api/index.js'
import type { NetworkParams } from '../../src/ledger/index.js'
import { Admission } from '../../src/ledger/index.js'
import { FavorNode } from '../../src/node.js'
import { TestNetwork } from '../harness/network.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'
import { waitFor } from '../harness/wait.js'

// Compile-time check: FavorNode satisfies the API's narrow service interface.
const _fits = (n: FavorNode): FavorService => n
void _fits

export interface ApiFixture {
  readonly net: TestNetwork
  readonly nodes: FavorNode[]
  readonly node: FavorNode
  readonly api: ApiServer
  readonly url: string
  readonly token: string
  readonly dir: string
  addNode(name: string, opts?: { hoster?: number }): Promise<FavorNode>
  close(): Promise<void>
}

export interface FixtureOptions {
  params?: Partial<NetworkParams>
  /** Hosters to add besides the main node (admitted, offering 64 MiB). */
  hosters?: number
  epochMs?: number
  heartbeatMs?: number
}

export async function startFixture(opts: FixtureOptions = {}): Promise<ApiFixture> {
  const net = await TestNetwork.create()
  const root = await makeTempDir('api')
  const nodes: FavorNode[] = []
  let api: ApiServer | null = null
  const close = async (): Promise<void> => {
    await api?.close()
    for (const n of [...nodes].reverse()) await n.close()
    await net.close()
    await removeDir(root)
  }
  try {
    const dir = join(root, 'main')
    await mkdir(dir, { recursive: true })
    const main = await FavorNode.create({
      dataDir: dir, name: 'main', bootstrap: net.bootstrap, epochMs: opts.epochMs ?? 1500,
      params: { epochSeconds: 3600, attestors: 1, unvettedEpochs: 0, welcomeCreditMicro: 10_000_000n, admission: Admission.open, ...opts.params }
    })
    nodes.push(main)
    const addNode = async (name: string, o: { hoster?: number } = {}): Promise<FavorNode> => {
      // The indexer role stays on (the default) with main's tick interval: once a third member joins,
      // the contract promotes two members to indexers, and an epoch then needs two ticks. A promoted
      // node that never ticks halts epochs for good, and a queued pin is matched only at an
      // epoch start, so a pin posted before the hosters' offers landed (a loaded machine) never pinned.
      const n = await FavorNode.create({
        dataDir: join(root, name), name, bootstrap: net.bootstrap, networkKey: main.networkKey, epochMs: opts.epochMs ?? 1500,
        ...(o.hoster !== undefined ? { hoster: { capacityBytes: o.hoster } } : {})
      })
      nodes.push(n)
      await main.admit(n.account)
      await n.waitWritable(30_000)
      return n
    }
    for (let i = 0; i < (opts.hosters ?? 0); i++) await addNode(`hoster${i + 1}`, { hoster: 64 * 2 ** 20 })
    api = new ApiServer({ service: main, dataDir: dir, heartbeatMs: opts.heartbeatMs ?? 200 })
    const url = await api.listen()
    await waitFor(async () => (await main.epoch()) >= 0, 30_000, 'the ledger to initialise')
    return { net, nodes, node: main, api, url, token: api.token, dir, addNode, close }
  } catch (err) {
    await close()
    throw err
  }
}

/** A writable core of `node` with `blocks` blocks of 1 KiB. */
export async function makeCore(node: FavorNode, name: string, blocks = 8): Promise<string> {
  const core = await node.localCore(name)
  const batch: Buffer[] = []
  for (let i = 0; i < blocks; i++) batch.push(Buffer.alloc(1024, i))
  await core.append(batch)
  return core.key.toString('hex')
}

export interface Res<T = unknown> {
  status: number
  body: T
  headers: Headers
}

/** fetch + JSON, with the token when `token` is given. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read loosely typed JSON
export async function call<T = any>(url: string, method: string, path: string, opts: { token?: string, body?: unknown, raw?: string, headers?: Record<string, string> } = {}): Promise<Res<T>> {
  const headers: Record<string, string> = { ...opts.headers }
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`
  let body: string | undefined
  if (opts.raw !== undefined) body = opts.raw
  else if (opts.body !== undefined) body = JSON.stringify(opts.body)
  if (body !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json'
  const res = await fetch(url + path, { method, headers, ...(body !== undefined ? { body } : {}) })
  const text = await res.text()
  return { status: res.status, body: (text === '' ? null : JSON.parse(text)) as T, headers: res.headers }
}


export interface RawRes {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

/**
 * How long a test client waits for an answer: longer than the server's own bounds (a write waits up to
 * 15 s for the ledger's verdict, then answers), so under load the server answers before the client quits.
 */
const CLIENT_TIMEOUT_MS = 45_000

/** A request over node:http, where any Host header can be sent (fetch sets its own). */
export function raw(url: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<RawRes> {
  const u = new URL(url)
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method, path, headers, timeout: CLIENT_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }) })
      res.on('error', reject)
    })
    req.on('timeout', () => { req.destroy(new Error(`${method} ${path}: no answer in ${CLIENT_TIMEOUT_MS / 1000} s`)) })
    req.on('error', reject)
    req.end(body)
  })
}

/** Follows a dashboard login link; returns the `Cookie` header value it earned and the raw answer. */
export async function login(loginUrl: string): Promise<{ cookie: string | null, res: RawRes }> {
  const u = new URL(loginUrl)
  const res = await raw(u.origin, 'GET', u.pathname + u.search)
  const set = res.headers['set-cookie']?.[0]
  return { cookie: set === undefined ? null : (set.split(';')[0] as string), res }
}
