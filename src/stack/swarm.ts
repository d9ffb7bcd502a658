// Typed view of hyperdht and hyperswarm, always bound to loopback-capable options given by the caller.
import DHT from 'hyperdht'
import Hyperswarm from 'hyperswarm'
import createTestnet from '@hyperswarm/testnet'
import type { Duplex } from 'node:stream'
import type { EventEmitter } from 'node:events'
import type { KeyPair } from './crypto.js'

export interface BootstrapNode {
  host: string
  port: number
}

/** An encrypted, authenticated connection (@hyperswarm/secret-stream) over a UDX stream. */
export interface Connection extends Duplex {
  readonly publicKey: Buffer
  readonly remotePublicKey: Buffer
  /** The UDX stream underneath; its remote address is known once connected. */
  readonly rawStream: { readonly remoteHost: string | null; readonly remotePort: number | null } | null
}

export interface DhtServer extends EventEmitter {
  readonly publicKey: Buffer
  listen(keyPair?: KeyPair): Promise<void>
  close(): Promise<void>
}

export interface Dht extends EventEmitter {
  readonly defaultKeyPair: KeyPair
  readonly destroyed: boolean
  fullyBootstrapped(): Promise<void>
  connect(remotePublicKey: Uint8Array, opts?: { keyPair?: KeyPair }): Connection
  createServer(onconnection?: (conn: Connection) => void): DhtServer
  /** The DHT nodes in this node's routing table. */
  toArray(): { host: string; port: number }[]
  destroy(opts?: { force?: boolean }): Promise<void>
}

export interface DhtOptions {
  /** null: the public HyperDHT bootstrap nodes (a real network; then `host` defaults to every interface). */
  bootstrap: BootstrapNode[] | null
  keyPair?: KeyPair
  /** Defaults to 127.0.0.1: Favor's tests and demo never leave loopback. */
  host?: string
}

export function createDht(opts: DhtOptions): Dht {
  // The public DHT: hyperdht's own defaults (its bootstrap list, all interfaces, NAT detection).
  if (opts.bootstrap === null) {
    return new DHT({ keyPair: opts.keyPair, ...(opts.host !== undefined ? { host: opts.host } : {}) }) as Dht
  }
  // firewalled: false — otherwise connections between processes stall ~13 s (see notes/hypercore-stack.md §1).
  return new DHT({
    bootstrap: opts.bootstrap,
    keyPair: opts.keyPair,
    host: opts.host ?? '127.0.0.1',
    firewalled: false
  }) as Dht
}

export interface PeerDiscovery {
  flushed(): Promise<void>
  destroy(): Promise<void>
}

export interface PeerInfo {
  readonly publicKey: Buffer
}

export interface Swarm extends EventEmitter {
  readonly keyPair: KeyPair
  readonly dht: Dht
  readonly connections: Set<Connection>
  readonly destroyed: boolean
  join(topic: Uint8Array, opts?: { server?: boolean; client?: boolean }): PeerDiscovery
  leave(topic: Uint8Array): Promise<void>
  flush(): Promise<void>
  listen(): Promise<void>
  destroy(): Promise<void>
  on(event: 'connection', listener: (conn: Connection, info: PeerInfo) => void): this
}

/** `maxPeers`: connections the swarm keeps at most (hyperswarm's default, 64, when unset). */
export function createSwarm(opts: { dht: Dht; keyPair?: KeyPair; maxPeers?: number }): Swarm {
  return new Hyperswarm({ dht: opts.dht, keyPair: opts.keyPair, ...(opts.maxPeers !== undefined ? { maxPeers: opts.maxPeers } : {}) }) as Swarm
}

export interface Testnet {
  readonly bootstrap: BootstrapNode[]
  destroy(): Promise<void>
}

interface TestnetNode {
  fullyBootstrapped(): Promise<void>
  address(): { host: string; port: number }
  destroy(): Promise<void>
}

/**
 * A DHT bootstrap network of `size` nodes bound to 127.0.0.1, or to `host` (an address of this machine,
 * e.g. the root end of a test's veth pair, so that nodes in other network namespaces can reach it).
 * Every node binds exactly that address (@hyperswarm/testnet would bind 0.0.0.0 for any host but
 * 127.0.0.1).
 */
export async function createLoopbackTestnet(size = 3, opts: { port?: number; host?: string } = {}): Promise<Testnet> {
  const host = opts.host ?? '127.0.0.1'
  if (host === '127.0.0.1') return (await createTestnet(size, { host, port: opts.port ?? 0 })) as Testnet
  const nodes: TestnetNode[] = []
  const bootstrap: BootstrapNode[] = []
  const destroy = async (): Promise<void> => {
    for (const n of nodes.reverse()) await n.destroy()
  }
  try {
    while (nodes.length < size) {
      const first = nodes.length === 0
      const n = new DHT({ ephemeral: false, firewalled: false, bootstrap, host, ...(first ? { port: opts.port ?? 0 } : {}) }) as TestnetNode
      nodes.push(n)
      await n.fullyBootstrapped()
      if (first) bootstrap.push({ host, port: n.address().port })
    }
  } catch (err) {
    await destroy()
    throw err
  }
  return { bootstrap, destroy }
}
