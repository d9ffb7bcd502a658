// A FavorNode in its own process, driven by the parent over IPC (see child.ts).
import { ApiServer } from '../api/index.js'
import { FavorNode } from '../node.js'
import { createLogger, sendIpcEvent, serveIpc } from '../runtime/index.js'
import type { ChildNodeConfig } from './child.js'
import { ledgerSnapshot } from './snapshot.js'

let node: FavorNode | null = null
const DEMO_LOGIN_TTL_MS = 3600_000
let api: ApiServer | null = null

async function shutdown(): Promise<void> {
  await api?.close()
  await node?.close()
}

async function handle(cmd: string, args: Record<string, unknown>): Promise<unknown> {
  if (cmd === 'open') {
    const c = args.config as ChildNodeConfig
    node = await FavorNode.create({
      dataDir: c.dataDir,
      name: c.name,
      bootstrap: c.bootstrap,
      networkKey: c.networkKey,
      ...(c.params ? { params: c.params } : {}),
      ...(c.hoster ? { hoster: c.hoster } : {}),
      epochMs: c.epochMs,
      challenge: { deadlineMs: c.deadlineMs ?? 1500, connectTimeoutMs: c.connectTimeoutMs ?? 1500, ...(c.hardTimeoutMs !== undefined ? { hardTimeoutMs: c.hardTimeoutMs } : {}) },
      log: createLogger({ prefix: c.name, level: 'error' })
    })
    node.on('challenge', (data) => sendIpcEvent('challenge', data))
    node.on('mirror-progress', (data) => sendIpcEvent('mirror-progress', data))
    node.on('epoch', (data) => sendIpcEvent('epoch', data))
    node.on('warning', (err) => sendIpcEvent('warning', err.message))
    let apiUrl: string | null = null
    let loginUrl: string | null = null
    if (c.api === true) {
      // The demo's throwaway network: its login link stays valid for an hour (still single use).
      api = new ApiServer({ service: node, dataDir: c.dataDir, loginCodeTtlMs: DEMO_LOGIN_TTL_MS })
      apiUrl = await api.listen()
      loginUrl = api.loginUrl()
    }
    return { pid: process.pid, account: node.account, nodeKey: node.nodeKey, networkKey: node.networkKey, apiUrl, loginUrl }
  }
  if (node === null) throw new Error('node not open')
  const n = node
  switch (cmd) {
    case 'admit':
      await n.admit(String(args.account), { indexer: args.indexer === true })
      return true
    case 'waitWritable':
      await n.waitWritable(Number(args.timeoutMs ?? 30_000))
      return true
    case 'publishSample': {
      const core = await n.localCore(String(args.name))
      const blocks = Number(args.blocks)
      const size = Number(args.blockSize)
      if (core.length === 0) {
        const batch: Buffer[] = []
        for (let i = 0; i < blocks; i++) batch.push(Buffer.alloc(size, `${String(args.name)}-${i}|`))
        await core.append(batch)
      }
      const { requestId } = await n.publishCore(core, { replicas: Number(args.replicas) })
      return { requestId, coreKey: core.key.toString('hex'), length: core.length, byteLength: core.byteLength }
    }
    case 'dropCopy':
      return n.dropCopy(String(args.coreKey))
    case 'status':
      return n.status()
    case 'tasks':
      // the scheduler's queue: every queued and running task (kind, key, state, attempts)
      return n.runtime.scheduler.list()
    case 'snapshot':
      return ledgerSnapshot(n)
    case 'withdraw':
      await n.withdraw()
      return true
    case 'close':
      await shutdown()
      setImmediate(() => process.exit(0))
      return true
    default:
      throw new Error(`unknown command ${cmd}`)
  }
}

serveIpc(handle, shutdown)
