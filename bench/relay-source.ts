// The relay's source for the relay benchmark: a holder that makes block proofs for whoever asks, over a
// plain TCP socket on 127.0.0.1 (which the benchmark puts behind a delay line), and the relay's client.
//
// This is the most favourable path a relay can have: ONE round trip per challenge (indices in, a ready
// proof bundle out), nothing kept between challenges, no replication handshake, no per-block requests.
// A relay that fetched the blocks over hypercore replication instead would pay at least this round trip.
//
// Frames: u32 length (of what follows) ‖ u8 type ‖ u32 id ‖ payload
//   1 ping  (empty)                                   → 2 pong (empty)
//   3 prove coreKey(32) ‖ u16 count ‖ count × u32 index → 4 u32 fork ‖ u32 length ‖ bundle (src/proof bundle
//                                                          bytes, every proof against that head) | 5 error (utf8)
import net from 'node:net'
import type { AddressInfo } from 'node:net'
import { decodeBundle, encodeBundle, makeBlockProofs } from '../src/proof/index.js'
import type { BlockProofBundle } from '../src/proof/index.js'
import type { Core } from '../src/stack/index.js'

const PING = 1
const PONG = 2
const PROVE = 3
const BUNDLE = 4
const ERROR = 5
const MAX_FRAME = 80 * 1024 * 1024

function frame(type: number, id: number, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9)
  head.writeUInt32BE(5 + payload.byteLength, 0)
  head.writeUInt8(type, 4)
  head.writeUInt32BE(id, 5)
  return Buffer.concat([head, payload])
}

/** Splits a byte stream into frames; calls `onFrame` for each complete one. */
function frameReader(socket: net.Socket, onFrame: (type: number, id: number, payload: Buffer) => void): void {
  let buf: Buffer = Buffer.alloc(0)
  socket.on('data', (chunk: Buffer) => {
    buf = buf.byteLength === 0 ? chunk : Buffer.concat([buf, chunk])
    while (buf.byteLength >= 4) {
      const len = buf.readUInt32BE(0)
      if (len < 5 || len > MAX_FRAME) {
        socket.destroy(new Error(`bad frame length ${len}`))
        return
      }
      if (buf.byteLength < 4 + len) break
      onFrame(buf.readUInt8(4), buf.readUInt32BE(5), buf.subarray(9, 4 + len))
      buf = buf.subarray(4 + len)
    }
  })
}

export interface ProofSource {
  readonly port: number
  close(): Promise<void>
}

/** The holder's side: proves blocks of the cores `lookup` finds (hex core key → core). */
export async function startProofSource(lookup: (coreKeyHex: string) => Core | undefined): Promise<ProofSource> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    socket.setNoDelay(true)
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', (err) => { console.error(`relay source: socket error: ${err.message}`) })
    frameReader(socket, (type, id, payload) => {
      if (type === PING) {
        socket.write(frame(PONG, id))
        return
      }
      if (type !== PROVE || payload.byteLength < 34) {
        socket.write(frame(ERROR, id, Buffer.from(`bad request type ${type}`)))
        return
      }
      const core = lookup(payload.subarray(0, 32).toString('hex'))
      const count = payload.readUInt16BE(32)
      const indices = Array.from({ length: count }, (_, i) => payload.readUInt32BE(34 + 4 * i))
      if (!core) {
        socket.write(frame(ERROR, id, Buffer.from('core not held')))
        return
      }
      makeBlockProofs(core, indices).then(
        (bundle) => {
          const head = Buffer.alloc(8)
          head.writeUInt32BE(core.fork, 0)
          head.writeUInt32BE(core.length, 4)
          if (!socket.destroyed) socket.write(frame(BUNDLE, id, Buffer.concat([head, encodeBundle(bundle)])))
        },
        (err: unknown) => { if (!socket.destroyed) socket.write(frame(ERROR, id, Buffer.from((err as Error).message))) }
      )
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  return {
    port: (server.address() as AddressInfo).port,
    close: async (): Promise<void> => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

/** Proofs of the requested indices, in order, all against the holder's head at (fork, length). */
export interface FetchedProofs {
  bundle: BlockProofBundle
  fork: number
  length: number
}

export interface ProofClient {
  /** One round trip: ms from sending a ping to its pong. */
  ping(timeoutMs?: number): Promise<number>
  prove(coreKey: Uint8Array, indices: readonly number[], timeoutMs?: number): Promise<FetchedProofs>
  close(): void
}

/** The relay's side: one long-lived connection to the source (through whatever sits at `port`). */
export async function connectProofSource(port: number): Promise<ProofClient> {
  const socket = net.connect({ host: '127.0.0.1', port })
  socket.setNoDelay(true)
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  const pending = new Map<number, { resolve: (f: { type: number; payload: Buffer }) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>()
  let nextId = 1
  const failAll = (err: Error): void => {
    for (const p of pending.values()) {
      clearTimeout(p.timer)
      p.reject(err)
    }
    pending.clear()
  }
  socket.on('error', (err) => failAll(err))
  socket.on('close', () => failAll(new Error('relay source connection closed')))
  frameReader(socket, (type, id, payload) => {
    const p = pending.get(id)
    if (!p) return
    pending.delete(id)
    clearTimeout(p.timer)
    p.resolve({ type, payload })
  })
  const call = (type: number, payload: Uint8Array | undefined, timeoutMs: number): Promise<{ type: number; payload: Buffer }> =>
    new Promise((resolve, reject) => {
      const id = nextId++
      const timer = setTimeout(() => {
        pending.delete(id)
        reject(new Error(`relay source: no answer within ${timeoutMs} ms`))
      }, timeoutMs)
      pending.set(id, { resolve, reject, timer })
      socket.write(frame(type, id, payload))
    })
  return {
    async ping(timeoutMs = 5000): Promise<number> {
      const t = performance.now()
      await call(PING, undefined, timeoutMs)
      return performance.now() - t
    },
    async prove(coreKey, indices, timeoutMs = 10_000): Promise<FetchedProofs> {
      const payload = Buffer.alloc(34 + 4 * indices.length)
      Buffer.from(coreKey).copy(payload, 0)
      payload.writeUInt16BE(indices.length, 32)
      indices.forEach((x, i) => payload.writeUInt32BE(x, 34 + 4 * i))
      const r = await call(PROVE, payload, timeoutMs)
      if (r.type !== BUNDLE) throw new Error(`relay source refused: ${r.payload.toString('utf8')}`)
      if (r.payload.byteLength < 8) throw new Error('relay source: truncated answer')
      return { fork: r.payload.readUInt32BE(0), length: r.payload.readUInt32BE(4), bundle: decodeBundle(r.payload.subarray(8)) }
    },
    close(): void {
      socket.destroy()
    }
  }
}
