// The node's base components, in start order: the corestore, the ledger (Autobase over it), the DHT node
// and the swarm. Each is a `Resource` with a name (src/runtime/components.ts): the node starts them in
// this order and stops them in reverse (swarm, DHT, ledger, store), so the network stops before the
// ledger and the store close under it. Each one's object exists only once it started.
import path from 'node:path'
import { describeError } from '../errors.js'
import { Ledger, LedgerStoppedError, defaultParams, type NetworkParams } from '../ledger/index.js'
import { NotStartedError, Resource, saveIdentity, type Identity, type Logger } from '../runtime/index.js'
import {
  createDht, createSwarm, openStore, readyStore,
  type BootstrapNode, type Connection, type Dht, type KeyPair, type Store, type Swarm
} from '../stack/index.js'

function started<T>(value: T | null, name: string): T {
  if (value === null) throw new NotStartedError(name)
  return value
}

export interface StoreInit {
  dataDir: string
  /** Entries of the store-wide Hyperbee node cache (bounds its memory). */
  beeCacheEntries: number
}

/** `<dataDir>/store`: one corestore for the ledger, the hosted cores and the node's own cores. */
export class StoreComponent extends Resource {
  readonly name = 'store'
  #store: Store | null = null
  constructor(private readonly init: StoreInit) {
    super()
  }

  get store(): Store { return started(this.#store, this.name) }

  protected override async onopen(): Promise<void> {
    const dir = path.join(this.init.dataDir, 'store')
    this.#store = openStore(dir, { beeCacheEntries: this.init.beeCacheEntries })
    await readyStore(this.#store, dir)
  }

  protected override async onclose(): Promise<void> {
    await this.#store?.close()
  }
}

export interface LedgerInit {
  dataDir: string
  /** node.json's content; its network key is set (and the file written) once the ledger is open. */
  identity: Identity
  /** Genesis parameters when this node creates the network (its identity names none). */
  params: Partial<NetworkParams>
  ackIntervalMs: number
}

export interface LedgerComponents {
  store: Store
  log: Logger
  /** The ledger's warnings (from open until it closed). */
  onWarning(err: Error): void
  /** The ledger stopped applying (also called at start when it opened stopped). */
  onStopped(err: LedgerStoppedError): void
}

/** The ledger: opens the network of node.json (or creates one, appending its genesis). */
export class LedgerComponent extends Resource {
  readonly name = 'ledger'
  #ledger: Ledger | null = null
  /** True when this start created the network (this node is its admin and first indexer). */
  created = false
  private readonly onWarning = (err: Error): void => { this.components.onWarning(err) }
  private readonly onStopped = (err: LedgerStoppedError): void => { this.components.onStopped(err) }

  constructor(private readonly init: LedgerInit, private readonly components: LedgerComponents) {
    super()
  }

  get ledger(): Ledger { return started(this.#ledger, this.name) }

  protected override async onopen(): Promise<void> {
    const id = this.init.identity
    this.created = id.networkKey === null
    const ledger = await Ledger.open({
      store: this.components.store,
      bootstrap: id.networkKey === null ? null : Buffer.from(id.networkKey, 'hex'),
      ackIntervalMs: this.init.ackIntervalMs
    })
    this.#ledger = ledger
    ledger.on('warning', this.onWarning)
    ledger.on('stopped', this.onStopped)
    id.networkKey = ledger.key.toString('hex')
    await saveIdentity(this.init.dataDir, id)
    if (this.created) await ledger.append({ type: 'init-network', time: Date.now(), params: defaultParams(this.init.params) })
    if (ledger.stopped !== null) this.onStopped(ledger.stopped)
  }

  protected override async onclose(): Promise<void> {
    const ledger = this.#ledger
    if (ledger === null) return
    try {
      await ledger.close()
    } finally {
      ledger.off('warning', this.onWarning)
      ledger.off('stopped', this.onStopped)
    }
  }
}

export interface DhtInit {
  /** null: the public HyperDHT bootstrap (never in tests). */
  bootstrap: BootstrapNode[] | null
  host?: string
  keyPair: KeyPair
}

/** The node's DHT node: its key is the node key (challenges reach the hoster there). */
export class DhtComponent extends Resource {
  readonly name = 'dht'
  #dht: Dht | null = null
  constructor(private readonly init: DhtInit) {
    super()
  }

  get dht(): Dht { return started(this.#dht, this.name) }

  protected override onopen(): void {
    this.#dht = createDht({ bootstrap: this.init.bootstrap, keyPair: this.init.keyPair, ...(this.init.host !== undefined ? { host: this.init.host } : {}) })
  }

  protected override async onclose(): Promise<void> {
    await this.#dht?.destroy()
  }
}

export interface SwarmInit {
  keyPair: KeyPair
  /** Peer connections kept at most (`limits.connections`); hyperswarm's default (64) when unset. */
  maxPeers?: number
  /** The topic joined at start (the ledger's discovery key). */
  topic: Buffer
}

export interface SwarmComponents {
  dht: Dht
  store: Store
  log: Logger
  /**
   * Called synchronously for each new connection, after replication: protocols that must pair their
   * channel before the remote opens it attach here (favor/join/1).
   */
  onConnection(conn: Connection): void
}

/** The swarm: replicates the store on every connection and joins the ledger's topic. */
export class SwarmComponent extends Resource {
  readonly name = 'swarm'
  #swarm: Swarm | null = null
  constructor(private readonly init: SwarmInit, private readonly components: SwarmComponents) {
    super()
  }

  get swarm(): Swarm { return started(this.#swarm, this.name) }

  protected override onopen(): void {
    const { store, log } = this.components
    const swarm = createSwarm({ dht: this.components.dht, keyPair: this.init.keyPair, ...(this.init.maxPeers !== undefined ? { maxPeers: this.init.maxPeers } : {}) })
    this.#swarm = swarm
    swarm.on('connection', (conn: Connection) => {
      // expected: a peer going away errors its connection; the swarm reconnects when it can
      conn.on('error', (err: Error) => { log.debug('swarm: connection error', { component: 'swarm', ...describeError(err) }) })
      store.replicate(conn)
      this.components.onConnection(conn)
    })
    swarm.join(this.init.topic, { server: true, client: true })
  }

  protected override async onclose(): Promise<void> {
    await this.#swarm?.destroy()
  }
}
