// Typed adapter for Holepunch's blind-peer (server) 3.8.1 and blind-peering (client) 2.0.1.
//
// NOT re-exported from src/stack/index.ts, on purpose: blind-peer and blind-peering are devDependencies,
// used only by the mirroring benchmark (bench/mirror.ts) as the baseline Favor is measured against.
// Nothing in src/ may import this file; a production install (`npm ci --omit=dev`) does not have them.
//
// Both modules are loaded lazily (dynamic import) because importing blind-peer has a process-wide side
// effect: it calls `Hypercore.enable(Hypercore.SMALL_WANTS)`, which changes how every hypercore in the
// process batches its `want` messages. startBlindPeer() turns that flag on explicitly (as blind-peer
// does in its own process) and close() restores hypercore's default, so whatever runs in the same
// process before or after the blind-peer baseline replicates with hypercore's defaults.
//
// Loopback only: the server never builds a DHT of its own. It is given a Hyperswarm over the caller's
// DHT (from createDht, bound to 127.0.0.1); without `{ swarm }` blind-peer would build a swarm on the
// public bootstrap nodes (see notes/hypercore-stack.md §5).
import Hypercore from 'hypercore'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Core } from './hypercore.js'
import type { Store } from './corestore.js'
import { createSwarm, type Dht, type Swarm } from './swarm.js'

export interface BlindPeerServer {
  /** The key clients connect to (the server swarm's public key). */
  readonly publicKey: Buffer
  /** The blind peer's own corestore (RocksDB in `dir`). */
  readonly store: Store
  /**
   * Resolves once the blind peer holds blocks [0, length) of the core `key` contiguously, i.e. after a
   * client added it (its 'add-core' event) and the download finished. Call it before `addCore` so the
   * event is not missed. Polls every `intervalMs` (default 10 ms); rejects after `timeoutMs`.
   */
  waitHeld(key: Uint8Array, length: number, opts?: { timeoutMs?: number; intervalMs?: number }): Promise<void>
  /** Closes the blind peer, its swarm and its store; restores hypercore's default wants. Safe twice. */
  close(): Promise<void>
  /** Failures to close the read-only sessions waitHeld opened (they change no result). */
  readonly closeFailures: unknown[]
}

export interface BlindPeeringClient {
  /**
   * Asks the blind peer(s) to mirror `core` (never announced: `announce: false`). Resolves once the
   * connection to the blind peer is up and the request is sent; the blind peer then pulls the blocks
   * over that same connection, so the client must stay open until the mirror is complete.
   */
  addCore(core: Core): Promise<void>
  /** Closes the client's connections. Safe twice. */
  close(): Promise<void>
}

interface BlindPeerInstance {
  readonly publicKey: Buffer
  readonly store: Store
  readonly opened: boolean
  ready(): Promise<void>
  listen(): Promise<void>
  close(): Promise<void>
  on(event: 'add-core', listener: (record: { key: Buffer }) => void): unknown
  off(event: 'add-core', listener: (record: { key: Buffer }) => void): unknown
}

interface HypercoreStatic {
  SMALL_WANTS: number
  enable(flags: number): void
}

let smallWantsUsers = 0

/**
 * Starts a blind peer with its own corestore in `dir` (a directory the caller creates and removes),
 * listening on a Hyperswarm built over `dht`. The caller keeps ownership of `dht` (destroy it after
 * close()).
 */
export async function startBlindPeer(opts: { dir: string; dht: Dht }): Promise<BlindPeerServer> {
  const { default: BlindPeer } = await import('blind-peer')
  const H = Hypercore as HypercoreStatic
  H.enable(H.SMALL_WANTS)
  smallWantsUsers++
  const swarm: Swarm = createSwarm({ dht: opts.dht })
  let bp: BlindPeerInstance | null = null
  let closed = false
  const close = async (): Promise<void> => {
    if (closed) return
    closed = true
    try {
      // The swarm is ours (passed in), so blind-peer does not destroy it: close it first so no new
      // connection arrives, then the blind peer (db, store, rocks).
      await swarm.destroy()
      if (bp !== null) await bp.close()
    } finally {
      if (--smallWantsUsers === 0) H.enable(0)
    }
  }
  try {
    bp = new BlindPeer(opts.dir, { swarm }) as BlindPeerInstance
    await bp.listen()
  } catch (err) {
    try {
      await close()
    } catch (closeErr) {
      throw new AggregateError([err, closeErr], 'the blind peer failed to start, and closing it failed too', { cause: closeErr })
    }
    throw err
  }
  const server = bp
  const closeFailures: unknown[] = []
  return {
    publicKey: server.publicKey,
    store: server.store,
    close,
    closeFailures,
    async waitHeld(key, length, o = {}) {
      const timeoutMs = o.timeoutMs ?? 300_000
      const intervalMs = o.intervalMs ?? 10
      const deadline = Date.now() + timeoutMs
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          server.off('add-core', onadd)
          reject(new Error(`blind peer: no add-core for ${Buffer.from(key).toString('hex').slice(0, 16)}… within ${timeoutMs} ms`))
        }, timeoutMs)
        const onadd = (record: { key: Buffer }): void => {
          if (!Buffer.from(record.key).equals(key)) return
          clearTimeout(timer)
          server.off('add-core', onadd)
          resolve()
        }
        server.on('add-core', onadd)
      })
      // A passive session on the blind peer's copy: only reads its contiguous length.
      const session = server.store.get({ key })
      try {
        await session.ready()
        while (session.contiguousLength < length) {
          if (closed) throw new Error('blind peer closed while mirroring')
          if (Date.now() > deadline) throw new Error(`blind peer holds ${session.contiguousLength}/${length} blocks after ${timeoutMs} ms`)
          await sleep(intervalMs)
        }
      } finally {
        // a failed close of this read-only session changes no result; it is counted for the caller
        await session.close().catch((err: unknown) => { closeFailures.push(err) })
      }
    }
  }
}

/**
 * A blind-peering client that replicates `store` to the blind peers `keys` over connections made with
 * `dht` (the caller keeps ownership of both).
 */
export async function blindPeeringClient(opts: { dht: Dht; store: Store; keys: Uint8Array[] }): Promise<BlindPeeringClient> {
  const { default: BlindPeering } = await import('blind-peering')
  const peering = new BlindPeering(opts.dht, opts.store, { keys: opts.keys.map((k) => Buffer.from(k)) })
  let closed = false
  return {
    async addCore(core) {
      await peering.addCore(core, { announce: false })
    },
    async close() {
      if (closed) return
      closed = true
      await peering.close()
    }
  }
}
