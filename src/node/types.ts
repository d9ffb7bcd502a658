// The node's public types: its options (the init the config resolves to), its events and its status.
// Plain types only, so the API (src/api/service.ts) and the CLI can name them without the implementation.
import type { Balance, LedgerEvent, LedgerStoppedError, NetworkParams, Offer } from '../ledger/index.js'
import type { ResponderTestHooks } from '../protocol/index.js'
import type { Logger } from '../runtime/index.js'
import type { BootstrapNode } from '../stack/index.js'
import type { RuntimeStatus } from '../node-runtime.js'
import type { ChallengeRecord, MirrorProgress, OfferOptions } from '../roles/types.js'
import type { JoinProgressEvent, JoinSettings } from './admission.js'

export type RoleName = 'publisher' | 'hoster' | 'attestor' | 'indexer'

export interface FavorNodeOptions {
  /** The node's directory (created if missing). One corestore lives in `<dataDir>/store`. */
  dataDir: string
  /** Readable name for logs and the demo. Default: basename of dataDir. */
  name?: string
  /**
   * DHT bootstrap nodes (a loopback @hyperswarm/testnet in tests and the demo); null: the public
   * HyperDHT bootstrap (a real network; never used by the tests).
   */
  bootstrap: BootstrapNode[] | null
  /** Address this node's DHT binds and announces. Default 127.0.0.1 (e.g. a veth address in a network namespace). */
  host?: string
  /**
   * The network to join (hex). null or undefined: reuse the key saved in dataDir, else create a new
   * network with this node as admin and sole indexer.
   */
  networkKey?: string | null
  /** Genesis parameters when this node creates the network. */
  params?: Partial<NetworkParams>
  /**
   * Roles this node plays. Default: publisher and attestor; hoster when `hoster` is set. There is no
   * switch for the indexer role: the contract promotes and demotes indexers (`indexerTarget`), and a node
   * ticks exactly while the ledger lists it as one — a promoted node that did not tick would halt epochs.
   */
  roles?: Partial<Record<Exclude<RoleName, 'indexer'>, boolean>>
  /** Offer this capacity automatically once writable (if no offer is on the ledger yet). */
  hoster?: OfferOptions & {
    /** Keep an ended agreement's core this long before clearing it. Default 5000 ms. */
    gcGraceMs?: number
  }
  /**
   * Real time between this indexer's ticks: a compressed clock for tests and the demo. Default: the
   * network's `epochSeconds`, counted from each epoch's recorded start (one epoch length for every node).
   */
  epochMs?: number
  challenge?: {
    /** A valid answer later than this (net of the measured round trip) is `slow`. Default 1000 ms. */
    deadlineMs?: number
    /** Cap on the round trip subtracted from the response time, so slow pongs buy no time. Default 500 ms. */
    maxRttAllowanceMs?: number
    /** How long to wait for an answer after the nonce. Default max(3 × deadline, deadline + 1000 ms) + round trip. */
    hardTimeoutMs?: number
    /** No connection within this is `unreachable`. Default 2000 ms. */
    connectTimeoutMs?: number
    /** Parallel challenges per epoch (challenge tasks running at once). Default 4. */
    concurrency?: number
  }
  limits?: {
    /** Mirrors fetched at once (mirror tasks running at once). Default 8. */
    transfers?: number
    /** Peer connections the swarm keeps at most. Default 64 (hyperswarm's). */
    connections?: number
  }
  /**
   * Tests only (never from a configuration file): injected misbehaviour of this node's challenge
   * responder — a stale, prefetching, silent or closing hoster (src/protocol/responder.ts).
   */
  testing?: { responder?: ResponderTestHooks }
  /**
   * When this node opens a network it cannot write to yet (it joined by key, or was not admitted yet),
   * ask a writer to admit it over `favor/join/1` in the background (progress: the `join` event;
   * failure: a `warning`). Default true. `join()` does the same on demand.
   */
  autoJoin?: boolean
  join?: JoinSettings
  /** Entries of the store-wide Hyperbee node cache (bounds its memory). Default 8192. */
  beeCacheEntries?: number
  /** Autobase ack interval. Default 1000 ms. */
  ackIntervalMs?: number
  /** Period of the background reconcile task (roles also react to ledger updates). Default 500 ms. */
  pollMs?: number
  log?: Logger
}

export interface EpochInfo {
  epoch: number
  /** Median tick time (ms). */
  time: number
}

export interface FavorNodeEvents {
  /** Contract events of accepted ops (optimistic; the view is the truth). */
  'ledger-event': [LedgerEvent]
  /** A new epoch started on the ledger (as this node saw it). */
  epoch: [EpochInfo]
  /** An attestor challenge this node ran. */
  challenge: [ChallengeRecord]
  /** Mirroring progress of a hosted core. */
  'mirror-progress': [MirrorProgress]
  /** Progress of this node's admission over `favor/join/1` (automatic or `join()`). */
  join: [JoinProgressEvent]
  /** Something went wrong that did not stop the node. */
  warning: [Error]
  /**
   * The ledger stopped applying (LedgerStoppedError): `upgradeRequired` when the network runs a contract
   * version this Favor does not know (upgrade Favor), else its store failed. The node keeps serving reads
   * of the state it had; it appends nothing more.
   */
  stopped: [LedgerStoppedError]
  /** The ledger view changed. */
  update: []
}

export interface StorageStatus {
  capacityBytes: number
  reservedBytes: number
  usedBytes: number
  freeBytes: number
}

export interface NodeStatus {
  name: string
  account: string
  nodeKey: string
  networkKey: string
  roles: RoleName[]
  epoch: number
  writable: boolean
  indexer: boolean
  peers: number
  storage: StorageStatus
  mirrors: MirrorProgress[]
  balance: Balance | null
  offer: Offer | null
  /**
   * The ledger view here: its version, the final (indexer-signed, checked) version, and how often it was
   * repaired because this node had applied another state than the indexers (`diverged`: now).
   */
  ledger: { version: number; finalVersion: number; repairs: number; diverged: boolean }
  /** Set when the ledger stopped applying (E_UPGRADE_REQUIRED: upgrade Favor; E_LEDGER_STORE), else null. */
  stopped: { code: string; message: string; upgradeRequired: boolean } | null
  /** The task queue (depth per kind, running tasks) and the resources held (open cores, quota). */
  runtime: RuntimeStatus
}
