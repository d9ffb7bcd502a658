// A real Favor test network on loopback: one @hyperswarm/testnet bootstrap and N named peers,
// in this process or in child processes. Teardown is ordered: peers (newest first), then the testnet.
import { createLoopbackTestnet, type BootstrapNode, type Testnet } from '../../src/stack/index.js'
import { TestPeer } from './peer.js'
import { spawnPeerProcess, type PeerProcess } from './process.js'

export class TestNetwork {
  readonly testnet: Testnet
  readonly peers: TestPeer[] = []
  readonly processes: PeerProcess[] = []
  private closing: Promise<void> | null = null

  private constructor(testnet: Testnet) {
    this.testnet = testnet
  }

  static async create(opts: { peers?: string[] } = {}): Promise<TestNetwork> {
    const net = new TestNetwork(await createLoopbackTestnet(3))
    for (const name of opts.peers ?? []) await net.addPeer(name)
    return net
  }

  get bootstrap(): BootstrapNode[] {
    return this.testnet.bootstrap
  }

  async addPeer(name: string): Promise<TestPeer> {
    const peer = await TestPeer.create(name, this.bootstrap)
    this.peers.push(peer)
    return peer
  }

  /** A peer in its own Node.js process, driven over IPC (see child-peer.ts). */
  async addProcess(name: string): Promise<PeerProcess> {
    const proc = await spawnPeerProcess(name, this.bootstrap)
    this.processes.push(proc)
    return proc
  }

  peer(name: string): TestPeer {
    const found = this.peers.find((p) => p.name === name)
    if (!found) throw new Error(`no peer named ${name}`)
    return found
  }

  /** Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const proc of [...this.processes].reverse()) await proc.close()
      for (const peer of [...this.peers].reverse()) await peer.close()
      await this.testnet.destroy()
    })()
    return this.closing
  }
}
