// Real FavorNodes on a loopback testnet for the node-level tests. Unlike E2ENet, nodes are not admitted
// by hand: a joiner becomes a writer through `favor/join/1` (or the test admits it explicitly).
import { createLoopbackTestnet } from '../../src/stack/index.js'
import type { FavorNode, FavorNodeOptions } from '../../src/node.js'
import { createLogger, createMemorySink, type MemorySink } from '../../src/runtime/index.js'
import { E2ENet } from '../e2e/helpers.js'

export { TEST_PARAMS, E2E_EPOCH_MS, waitEpoch } from '../e2e/helpers.js'

export class NodeNet extends E2ENet {
  readonly logs = new Map<string, MemorySink>()

  static override async create(): Promise<NodeNet> {
    return new NodeNet(await createLoopbackTestnet(3))
  }

  /** The first node creates the network; later ones open it by key (and auto-join unless told not to). */
  async add(name: string, extra: Partial<FavorNodeOptions> = {}, dir?: string): Promise<FavorNode> {
    const sink = this.logs.get(name) ?? createMemorySink()
    this.logs.set(name, sink)
    return this.open(name, { log: createLogger({ prefix: name, level: 'info', sink: sink.sink }), ...extra }, dir)
  }

  /** Adds a node and admits it by hand (no join protocol), like E2ENet. */
  async addAdmitted(name: string, extra: Partial<FavorNodeOptions> = {}): Promise<FavorNode> {
    const node = await this.add(name, { autoJoin: false, ...extra })
    await (this.nodes[0] as FavorNode).admit(node.account)
    await node.waitWritable(20_000)
    return node
  }
}
