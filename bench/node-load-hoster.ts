// The hoster of bench/node-load.ts, in a process of its own (forked with an IPC channel): one FavorNode
// whose event-loop delay (perf_hooks monitorEventLoopDelay), CPU time and RSS are measured inside this
// process and sent to the driver on request. Nothing here runs unless the driver forks it.
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { FavorNode } from '../src/node.js'
import type { BootstrapNode } from '../src/stack/index.js'

export interface HosterStart {
  type: 'start'
  dataDir: string
  bootstrap: BootstrapNode[]
  networkKey: string
  epochMs: number
  capacityBytes: number
}

export type HosterRequest = HosterStart | { type: 'sample'; reset: boolean } | { type: 'close' }

export interface HosterSample {
  type: 'sample'
  /** Event-loop delay over the window, ms (resolution 10 ms: the histogram's timer). */
  p50: number
  p99: number
  max: number
  mean: number
  /** CPU time of this process over the window, ms, and the window's wall time, ms. */
  cpuMs: number
  wallMs: number
  rss: number
  heapUsed: number
  /** Cores this hoster holds in full. */
  held: number
}

export type HosterReply = { type: 'opened'; account: string } | { type: 'writable' } | HosterSample | { type: 'closed' } | { type: 'error'; message: string }

const send = (m: HosterReply): void => { process.send?.(m) }
const NS = 1e6

let node: FavorNode | null = null
const eld = monitorEventLoopDelay({ resolution: 10 })
eld.enable()
let cpu = process.cpuUsage()
let since = performance.now()

async function handle(m: HosterRequest): Promise<void> {
  if (m.type === 'start') {
    node = await FavorNode.create({
      dataDir: m.dataDir,
      name: 'load-hoster',
      bootstrap: m.bootstrap,
      networkKey: m.networkKey,
      epochMs: m.epochMs,
      autoJoin: false,
      roles: { attestor: false, publisher: false },
      hoster: { capacityBytes: m.capacityBytes }
    })
    send({ type: 'opened', account: node.account })
    await node.waitWritable(60_000)
    send({ type: 'writable' })
  } else if (m.type === 'sample') {
    const c = process.cpuUsage(cpu)
    const mem = process.memoryUsage()
    send({
      type: 'sample',
      p50: eld.percentile(50) / NS,
      p99: eld.percentile(99) / NS,
      max: eld.max / NS,
      mean: eld.mean / NS,
      cpuMs: (c.user + c.system) / 1000,
      wallMs: performance.now() - since,
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      held: node === null ? 0 : node.mirrors().filter((x) => x.have >= x.length && x.length > 0).length
    })
    if (m.reset) {
      eld.reset()
      cpu = process.cpuUsage()
      since = performance.now()
    }
  } else {
    await node?.close()
    eld.disable()
    send({ type: 'closed' })
    process.disconnect()
  }
}

process.on('message', (m: HosterRequest) => {
  handle(m).catch((err: unknown) => { send({ type: 'error', message: err instanceof Error ? err.stack ?? err.message : String(err) }) })
})
// the driver went away without a close: do not linger
process.on('disconnect', () => { void node?.close().finally(() => process.exit(0)) })
