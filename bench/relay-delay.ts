// A user-space delay line for the relay benchmark: a TCP proxy on 127.0.0.1 that holds every chunk
// `oneWayMs` before forwarding it, in each direction, in order. A round trip through it costs
// 2 × oneWayMs more than the direct path; bandwidth is not limited (a chunk is never held longer
// because of the chunks before it, only never overtakes them). These kernels have no `netem`
// (notes/hypercore-stack.md, "Network emulation"), so the distance is made here.
import net from 'node:net'
import type { AddressInfo } from 'node:net'

/** Forwards `from` → `to`, each chunk released `oneWayMs` after it arrived, order preserved. */
function delayedPipe(from: net.Socket, to: net.Socket, oneWayMs: number): void {
  if (oneWayMs <= 0) {
    from.pipe(to)
    return
  }
  const queue: { at: number; chunk: Buffer }[] = []
  let timer: NodeJS.Timeout | null = null
  let ended = false
  const flush = (): void => {
    timer = null
    const now = performance.now()
    while (queue.length > 0 && (queue[0] as { at: number }).at <= now) {
      const head = queue.shift() as { chunk: Buffer }
      if (!to.destroyed) to.write(head.chunk)
    }
    if (queue.length > 0) arm()
    else if (ended && !to.destroyed) to.end()
  }
  const arm = (): void => {
    if (timer !== null || queue.length === 0) return
    const wait = Math.max(0, (queue[0] as { at: number }).at - performance.now())
    timer = setTimeout(flush, wait)
  }
  from.on('data', (chunk: Buffer) => {
    queue.push({ at: performance.now() + oneWayMs, chunk })
    arm()
  })
  from.on('end', () => {
    ended = true
    if (queue.length === 0 && !to.destroyed) to.end()
  })
  from.on('close', () => {
    if (timer !== null) clearTimeout(timer)
  })
}

export interface DelayProxy {
  /** Connect here (127.0.0.1) to reach the target through the delay. */
  readonly port: number
  readonly oneWayMs: number
  close(): Promise<void>
}

/** A proxy on 127.0.0.1 in front of `target` (also on 127.0.0.1), adding `oneWayMs` each way. */
export async function startDelayProxy(targetPort: number, oneWayMs: number): Promise<DelayProxy> {
  const sockets = new Set<net.Socket>()
  const track = (s: net.Socket): void => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.on('error', () => s.destroy()) // the peer side is closed with it below; nothing to report
  }
  const server = net.createServer((inbound) => {
    inbound.setNoDelay(true)
    track(inbound)
    const outbound = net.connect({ host: '127.0.0.1', port: targetPort })
    outbound.setNoDelay(true)
    track(outbound)
    inbound.on('close', () => outbound.destroy())
    outbound.on('close', () => inbound.destroy())
    delayedPipe(inbound, outbound, oneWayMs)
    delayedPipe(outbound, inbound, oneWayMs)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  return {
    port: (server.address() as AddressInfo).port,
    oneWayMs,
    close: async (): Promise<void> => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}
