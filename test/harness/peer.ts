// A test peer: its own corestore in a temp dir, its own DHT node and hyperswarm, all on loopback.
import {
  createDht, createSwarm, keyPair, openStore, seedFromName,
  type BootstrapNode, type Core, type Dht, type KeyPair, type Store, type Swarm
} from '../../src/stack/index.js'
import { makeTempDir, removeDir } from './tmp.js'
import { withTimeout } from './wait.js'

export class TestPeer {
  readonly name: string
  readonly dir: string
  readonly keyPair: KeyPair
  readonly store: Store
  readonly dht: Dht
  readonly swarm: Swarm
  private closing: Promise<void> | null = null

  private constructor(name: string, dir: string, bootstrap: BootstrapNode[]) {
    this.name = name
    this.dir = dir
    // Deterministic identity from the readable name: the same test always sees the same keys.
    this.keyPair = keyPair(seedFromName(name))
    this.store = openStore(dir)
    this.dht = createDht({ bootstrap, keyPair: this.keyPair })
    this.swarm = createSwarm({ dht: this.dht, keyPair: this.keyPair })
    // One connection carries every core the two stores share.
    this.swarm.on('connection', (conn) => { this.store.replicate(conn) })
  }

  static async create(name: string, bootstrap: BootstrapNode[], dir?: string): Promise<TestPeer> {
    const peer = new TestPeer(name, dir ?? (await makeTempDir(name)), bootstrap)
    await peer.store.ready()
    return peer
  }

  /** Creates (or reopens) a writable core named `name` in this peer's store. */
  async writableCore(name: string): Promise<Core> {
    const core = this.store.get({ name })
    await core.ready()
    return core
  }

  /** Makes a core findable on its discovery key and waits until the announce is flushed. */
  async announce(core: Core): Promise<void> {
    await withTimeout(this.swarm.join(core.discoveryKey, { server: true, client: true }).flushed(), 10_000, `${this.name} announcing`)
  }

  /** Opens a remote core by key, joins its topic and waits until its signed length is known. */
  async openRemote(key: Uint8Array, timeoutMs = 15_000): Promise<Core> {
    const core = this.store.get({ key })
    await core.ready()
    this.swarm.join(core.discoveryKey, { server: false, client: true })
    await withTimeout(this.swarm.flush(), timeoutMs, `${this.name} finding peers`)
    await withTimeout(core.update({ wait: true }), timeoutMs, `${this.name} learning the length of the core`)
    return core
  }

  /** Closes swarm, DHT and store in that order, then removes the directory unless `keepDir`. Safe twice. */
  close(opts: { keepDir?: boolean } = {}): Promise<void> {
    this.closing ??= (async () => {
      await this.swarm.destroy()
      await this.dht.destroy()
      await this.store.close()
      if (!opts.keepDir) await removeDir(this.dir)
    })()
    return this.closing
  }
}
