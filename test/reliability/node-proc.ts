// A FavorNode in its own process for the reliability tests and the soak, driven over IPC (see
// harness.ts). Compared with src/demo/node-process.ts it also answers ledger audits, digests, raw
// appends, memory/fd figures, and it tells the parent which agreements it must attest each epoch (so a
// test can kill it, or the hoster it is about to challenge, at that moment).
import { readdirSync } from 'node:fs'
import { FavorNode } from '../../src/node.js'
import { assignmentsFor, getAccount, getEpoch, listAgreements } from '../../src/ledger/index.js'
import { createLogger } from '../../src/runtime/index.js'
import { auditLedger, coreDigestLocal } from './audit.js'
import type { ProcConfig } from './harness.js'

let node: FavorNode | null = null

function send(msg: unknown): void {
  if (process.connected) process.send?.(msg)
}

async function open(c: ProcConfig): Promise<unknown> {
  const n = await FavorNode.create({
    dataDir: c.dataDir,
    name: c.name,
    bootstrap: c.bootstrap,
    networkKey: c.networkKey,
    ...(c.params ? { params: c.params } : {}),
    ...(c.hoster ? { hoster: c.hoster } : {}),
    roles: { indexer: c.indexer === true, attestor: c.attestor !== false },
    epochMs: c.epochMs,
    challenge: { deadlineMs: c.deadlineMs ?? 1500, connectTimeoutMs: c.connectTimeoutMs ?? 1500, concurrency: c.concurrency ?? 4 },
    log: createLogger({ prefix: c.name, level: 'error' })
  })
  node = n
  n.on('challenge', (data) => send({ event: 'challenge', data }))
  n.on('warning', (err) => send({ event: 'warning', data: err.message }))
  n.on('epoch', (info) => {
    send({ event: 'epoch', data: info })
    if (info.epoch < 1) return
    void (async () => {
      const mine = await assignmentsFor(n.ledger.kv, n.account, info.epoch)
      const rec = await getEpoch(n.ledger.kv, info.epoch)
      send({
        event: 'assigned',
        data: { epoch: info.epoch, agreements: mine.map((a) => a.agreement.id), hosters: mine.map((a) => a.agreement.hoster), ticked: rec?.ticks.map((t) => t.indexer) ?? [] }
      })
    })().catch(() => undefined)
  })
  return { pid: process.pid, account: n.account, nodeKey: n.nodeKey, networkKey: n.networkKey }
}

async function handle(cmd: string, args: Record<string, unknown>): Promise<unknown> {
  if (cmd === 'open') return open(args.config as ProcConfig)
  if (cmd === 'mem') {
    const m = process.memoryUsage()
    return { rss: m.rss, heapUsed: m.heapUsed, fds: readdirSync('/proc/self/fd').length }
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
      if (core.length === 0) {
        const batch: Buffer[] = []
        for (let i = 0; i < Number(args.blocks); i++) batch.push(Buffer.alloc(Number(args.blockSize), `${String(args.name)}-${i}|`))
        await core.append(batch)
      }
      const { requestId } = await n.publishCore(core, { replicas: Number(args.replicas) })
      return { requestId, coreKey: core.key.toString('hex'), length: core.length, digest: await coreDigestLocal(n, core.key.toString('hex')) }
    }
    case 'coreDigest':
      return coreDigestLocal(n, String(args.coreKey))
    case 'audit':
      await n.ledger.update()
      return auditLedger(n.ledger, typeof args.version === 'number' ? args.version : undefined)
    case 'verify':
      return n.verifyLedger(Number(args.timeoutMs ?? 60_000))
    case 'agreements':
      return listAgreements(n.ledger.kv)
    case 'account':
      return { balance: await n.balance(String(args.account)), account: await getAccount(n.ledger.kv, String(args.account)) }
    case 'mirrors':
      return n.mirrors()
    case 'withdraw':
      await n.withdraw()
      return true
    case 'close':
      await n.close()
      setImmediate(() => process.exit(0))
      return true
    default:
      throw new Error(`unknown command ${cmd}`)
  }
}

process.on('message', (msg: { id: number; cmd: string; args?: Record<string, unknown> }) => {
  handle(msg.cmd, msg.args ?? {}).then(
    (result) => send({ id: msg.id, ok: true, result }),
    (err: unknown) => send({ id: msg.id, ok: false, error: err instanceof Error ? err.message : String(err) })
  )
})
process.on('disconnect', () => {
  void (node?.close() ?? Promise.resolve()).finally(() => process.exit(0))
})
