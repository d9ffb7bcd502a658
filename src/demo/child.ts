// Parent side of a FavorNode running in its own process (src/demo/node-process.ts), driven over IPC.
// Uses Node's advanced serialization so bigint amounts cross the boundary as they are.
import type { BootstrapNode } from '../stack/index.js'
import { IpcChild, forkSibling } from '../runtime/index.js'
import type { NetworkParams } from '../ledger/index.js'
import type { ChallengeRecord, MirrorProgress } from '../roles/types.js'

export interface ChildNodeConfig {
  name: string
  dataDir: string
  bootstrap: BootstrapNode[]
  networkKey: string | null
  params?: Partial<NetworkParams>
  hoster?: { capacityBytes: number; group?: string }
  indexer?: boolean
  epochMs: number
  deadlineMs?: number
  connectTimeoutMs?: number
  /** How long a challenge waits for the answer after the nonce (default: runChallenge's). */
  hardTimeoutMs?: number
  /** Serve the HTTP API and dashboard from this node (127.0.0.1, a free port). */
  api?: boolean
}

export interface ChildHello {
  pid: number
  account: string
  nodeKey: string
  networkKey: string
  /** The node's API and dashboard, when `api` was asked for. */
  apiUrl: string | null
  /** A one-time link that logs a browser in to that dashboard. */
  loginUrl: string | null
}

export interface ChildEvents {
  challenge: [ChallengeRecord]
  'mirror-progress': [MirrorProgress]
  epoch: [{ epoch: number; time: number }]
  warning: [string]
  exit: [number | null]
}

/** A FavorNode in its own process (node-process.ts). */
export class ChildNode extends IpcChild<ChildEvents> {
  hello: ChildHello | null = null

  /** Forks node-process (.js with plain node, .ts through tsx) and waits for its node to open. */
  static async start(config: ChildNodeConfig, timeoutMs = 30_000): Promise<ChildNode> {
    const node = new ChildNode(config.name, forkSibling('node-process', import.meta.url, { advanced: true }))
    try {
      node.hello = await node.call<ChildHello>('open', { config }, timeoutMs)
    } catch (err) {
      await node.kill()
      throw err
    }
    return node
  }
}
