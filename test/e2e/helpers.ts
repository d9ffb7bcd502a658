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

/**
 * Real epoch length in the e2e tests, and the challenge timings (well inside it). Every node of an e2e
 * network shares the test's one event loop, so with a CPU hog on each core an honest answer took up to
 * ~850 ms and reports missed the 2 s epochs they were due in (measured under `npm run test:stress`):
 * these tests are about verdicts, not speed, so the budgets leave room for a loaded machine.
 */
export const E2E_EPOCH_MS = 4000
// (a silent hoster holds its attestors until the hard timeout: it must end well inside the epoch, or
// every report of that epoch lands late; 2.25 s of 3 s epochs left no epoch judged under load)
export const E2E_CHALLENGE = { deadlineMs: 1500, connectTimeoutMs: 1500, hardTimeoutMs: 1800 }

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
      challenge: E2E_CHALLENGE,
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
