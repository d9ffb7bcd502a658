// Real FavorNodes on a loopback testnet for the node-level tests. Unlike E2ENet, nodes are not admitted
// by hand: a joiner becomes a writer through `favor/join/1` (or the test admits it explicitly).
import { createLoopbackTestnet, type Testnet } from '../../src/stack/index.js'
import { FavorNode, type FavorNodeOptions } from '../../src/node.js'
import { createLogger, createMemorySink, type MemorySink } from '../../src/runtime/index.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'
import { waitFor } from '../harness/wait.js'
import { TEST_PARAMS, E2E_EPOCH_MS } from '../e2e/helpers.js'

export { TEST_PARAMS, E2E_EPOCH_MS }

export class NodeNet {
  readonly testnet: Testnet
  readonly nodes: FavorNode[] = []
  readonly dirs: string[] = []
  readonly logs = new Map<string, MemorySink>()
  private closing: Promise<void> | null = null

  private constructor(testnet: Testnet) {
    this.testnet = testnet
  }

  static async create(): Promise<NodeNet> {
    return new NodeNet(await createLoopbackTestnet(3))
  }

  /** The first node creates the network; later ones open it by key (and auto-join unless told not to). */
  async add(name: string, extra: Partial<FavorNodeOptions> = {}, dir?: string): Promise<FavorNode> {
    const first = this.nodes[0]
    const dataDir = dir ?? (await makeTempDir(name))
    if (!this.dirs.includes(dataDir)) this.dirs.push(dataDir)
    const sink = this.logs.get(name) ?? createMemorySink()
    this.logs.set(name, sink)
    const node = await FavorNode.create({
      dataDir,
      name,
      bootstrap: this.testnet.bootstrap,
      networkKey: first === undefined ? null : first.networkKey,
      params: TEST_PARAMS,
      epochMs: E2E_EPOCH_MS,
      challenge: { deadlineMs: 600, connectTimeoutMs: 600 },
      log: createLogger({ prefix: name, level: 'info', sink: sink.sink }),
      ...extra
    })
    this.nodes.push(node)
    return node
  }

  /** Adds a node and admits it by hand (no join protocol), like E2ENet. */
  async addAdmitted(name: string, extra: Partial<FavorNodeOptions> = {}): Promise<FavorNode> {
    const node = await this.add(name, { autoJoin: false, ...extra })
    await (this.nodes[0] as FavorNode).admit(node.account)
    await node.waitWritable(20_000)
    return node
  }

  async closeNode(node: FavorNode): Promise<void> {
    await node.close()
    const i = this.nodes.indexOf(node)
    if (i >= 0) this.nodes.splice(i, 1)
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const n of [...this.nodes].reverse()) await n.close()
      await this.testnet.destroy()
      for (const d of this.dirs) await removeDir(d)
    })()
    return this.closing
  }
}

export async function waitEpoch(node: FavorNode, epoch: number, ms: number): Promise<void> {
  await waitFor(async () => (await node.epoch()) >= epoch, ms, `epoch ${epoch} on ${node.name}`, 50)
}
