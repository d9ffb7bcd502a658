// A small Favor network of in-process FavorNodes on a loopback testnet, for the end-to-end tests.
import { createLoopbackTestnet, type Testnet } from '../../src/stack/index.js'
import { FavorNode, type FavorNodeOptions } from '../../src/node.js'
import type { NetworkParams } from '../../src/ledger/index.js'
import { Admission } from '../../src/ledger/index.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'
import { waitFor } from '../harness/wait.js'

export const TEST_PARAMS: Partial<NetworkParams> = {
  epochSeconds: 3600, // bill each (short) epoch as one hour so small cores move visible amounts
  attestors: 2,
  samples: 8,
  unvettedEpochs: 0,
  failingEpochsToRepair: 2,
  heldBackEpochs: 100,
  // explicit genesis choices: nodes join over favor/join/1 without invites, and publishers start with credit
  admission: Admission.open,
  welcomeCreditMicro: 10_000_000n
}

/** Real epoch length in the e2e tests; challenge timeouts (600 ms) stay well inside it. */
export const E2E_EPOCH_MS = 2000

export interface NodeSpec {
  name: string
  hoster?: { capacityBytes: number; group?: string }
  indexer?: boolean
}

export class E2ENet {
  readonly testnet: Testnet
  readonly nodes: FavorNode[] = []
  readonly dirs: string[] = []
  private closing: Promise<void> | null = null

  protected constructor(testnet: Testnet) {
    this.testnet = testnet
  }

  static async create(): Promise<E2ENet> {
    return new E2ENet(await createLoopbackTestnet(3))
  }

  /** Opens a node with the tests' params and timings; the first one creates the network. */
  protected async open(name: string, extra: Partial<FavorNodeOptions>, dir?: string): Promise<FavorNode> {
    const first = this.nodes[0]
    const dataDir = dir ?? (await makeTempDir(name))
    if (!this.dirs.includes(dataDir)) this.dirs.push(dataDir)
    const node = await FavorNode.create({
      dataDir,
      name,
      bootstrap: this.testnet.bootstrap,
      networkKey: first === undefined ? null : first.networkKey,
      params: TEST_PARAMS,
      epochMs: E2E_EPOCH_MS,
      challenge: { deadlineMs: 600, connectTimeoutMs: 600 },
      ...extra
    })
    this.nodes.push(node)
    return node
  }

  /** A node admitted by hand by the first one. */
  async addNode(spec: NodeSpec, extra: Partial<FavorNodeOptions> = {}, dir?: string): Promise<FavorNode> {
    const first = this.nodes[0]
    const node = await this.open(spec.name, { ...(spec.hoster ? { hoster: spec.hoster } : {}), ...extra }, dir)
    if (first !== undefined) {
      await first.admit(node.account, { indexer: false })
      await node.waitWritable(20_000)
    }
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
