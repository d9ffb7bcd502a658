// What every role gets from the node: the ledger, the store, the network, the node's identity, the
// resource manager (cores the roles open, with reference counts, and the disk quota), the task
// scheduler's surface, a logger, and a way to report events upward. Roles never open or close these;
// the node owns them. Every part is an interface (the stack's are interfaces already; the ledger and
// the resource manager are narrowed to what the roles call), so a role depends on no concrete class.
import type { Ledger, LedgerEvent, Op } from '../ledger/index.js'
import type { Dht, KeyPair, Store, Swarm } from '../stack/index.js'
import type { DiskQuota, Logger, ResourceManager } from '../runtime/index.js'
import type { RoleTasks } from './tasks.js'
import type { ChallengeRecord, MirrorProgress } from './types.js'

/** The ledger as the roles use it: the view, writability, finality and its `update` event. */
export type RoleLedger = Pick<Ledger, 'kv' | 'view' | 'writable' | 'readFinal' | 'update' | 'ack' | 'on' | 'off'>

/** The disk quota as the hoster uses it. */
export type RoleQuota = Pick<DiskQuota, 'capacityBytes' | 'setCapacity' | 'canReserve' | 'reserve' | 'grow' | 'release' | 'setUsed' | 'get' | 'usage'>

/** The resource manager as the roles use it: reference-counted cores and the quota. */
export interface RoleResources extends Pick<ResourceManager, 'acquire' | 'peek' | 'refs'> {
  readonly quota: RoleQuota
}

export interface RoleContext {
  readonly ledger: RoleLedger
  readonly store: Store
  readonly swarm: Swarm
  readonly dht: Dht
  /** The DHT key pair: node key for challenges. */
  readonly nodeKeyPair: KeyPair
  /** Cores opened by the roles (reference-counted) and the disk quota (`resources.quota`). */
  readonly resources: RoleResources
  readonly tasks: RoleTasks
  readonly log: Logger
  /** This node's account (writer key hex). */
  readonly account: string
  append(op: Op | Op[]): Promise<void>
  emitWarning(err: Error): void
  emitChallenge(rec: ChallengeRecord): void
  emitMirrorProgress(p: MirrorProgress): void
  emitLedgerEvent(e: LedgerEvent): void
  /** Ask the node to reconcile all roles soon (coalesced). */
  kick(): void
}

export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}
