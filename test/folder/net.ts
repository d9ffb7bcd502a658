// Folder members on a loopback testnet: each its own store, DHT node and swarm; every connection
// replicates the whole store and carries the folder join channel. `offline()` / `online()` cut a
// member off the network and bring it back (same store, new swarm).
import { createDht, createLoopbackTestnet, createSwarm, openStore, type Store, type Swarm, type Testnet } from '../../src/stack/index.js'
import { FolderPeers } from '../../src/folder/peers.js'
import { SharedFolder } from '../../src/folder/shared-folder.js'
import { CoreTopics } from '../../src/folder/topics.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'

export class Member {
  swarm: Swarm | null = null
  private topics: CoreTopics | null = null
  readonly peers = new FolderPeers()
  folder: SharedFolder | null = null
  private constructor(readonly name: string, readonly dir: string, readonly store: Store, private readonly net: { readonly testnet: Testnet }) {}

  static async start(name: string, net: { readonly testnet: Testnet }): Promise<Member> {
    const dir = await makeTempDir(`folder-${name}`)
    const store = openStore(dir)
    await store.ready()
    const m = new Member(name, dir, store, net)
    await m.online()
    return m
  }

  get f(): SharedFolder {
    if (this.folder === null) throw new Error(`${this.name} has no folder`)
    return this.folder
  }

  async create(name: string): Promise<SharedFolder> {
    this.folder = await SharedFolder.create(this.store.namespace('folder'), name, { ackIntervalMs: 200, blobTimeoutMs: 5000 })
    await this.attach()
    return this.folder
  }

  async open(key: Buffer): Promise<SharedFolder> {
    this.folder = await SharedFolder.open(this.store.namespace('folder'), key, { ackIntervalMs: 200, blobTimeoutMs: 5000 })
    await this.attach()
    return this.folder
  }

  private async attach(): Promise<void> {
    this.peers.addFolder(this.f)
    // like a node: look up every core the view names on its own topic (hosters announce each core there)
    this.f.on('update', () => { void this.topics?.sync(this.f).catch(() => undefined) })
    if (this.swarm !== null) await this.swarm.join(this.f.discoveryKey, { server: true, client: true }).flushed()
  }

  async online(): Promise<void> {
    const swarm = createSwarm({ dht: createDht({ bootstrap: this.net.testnet.bootstrap }) })
    swarm.on('connection', (conn) => {
      this.store.replicate(conn)
      this.peers.addConnection(conn)
    })
    this.swarm = swarm
    this.topics = new CoreTopics(swarm)
    if (this.folder !== null) await swarm.join(this.folder.discoveryKey, { server: true, client: true }).flushed()
  }

  async offline(): Promise<void> {
    const s = this.swarm
    this.swarm = null
    this.topics = null
    if (s !== null) {
      await s.destroy()
      await s.dht.destroy()
    }
  }

  async close(): Promise<void> {
    await this.offline()
    if (this.folder !== null) await this.folder.close()
    await this.store.close()
    await removeDir(this.dir)
  }
}

export class FolderNet {
  readonly members: Member[] = []
  private constructor(readonly testnet: Testnet) {}

  static async start(): Promise<FolderNet> {
    return new FolderNet(await createLoopbackTestnet(3))
  }

  async member(name: string): Promise<Member> {
    const m = await Member.start(name, this)
    this.members.push(m)
    return m
  }

  async close(): Promise<void> {
    for (const m of this.members) await m.close().catch(() => undefined)
    await this.testnet.destroy()
  }
}
