// The narrow surface the HTTP API needs from a node. FavorNode satisfies it structurally; tests may
// run the API against a real FavorNode. Nothing here imports an implementation: the node's types come
// from src/node/types.ts, which holds types only. No member is `unknown`: the API knows what it serves.
import type { LedgerEvent, LedgerKV, VerifyReport } from '../ledger/index.js'
import type { EpochInfo, NodeStatus } from '../node/types.js'
import type { ChallengeRecord, MirrorProgress, OfferOptions, PublishOptions } from '../roles/types.js'
import type { DriveFile, DriveProgress, PublishedDrive } from '../roles/drives.js'
import type { EncryptionInfo } from '../roles/publisher.js'
import type { NodeFolders } from '../folder/node-folders.js'

export type { ChallengeRecord, DriveFile, DriveProgress, EncryptionInfo, EpochInfo, MirrorProgress, NodeStatus, OfferOptions, PublishedDrive, PublishOptions, VerifyReport }

/** Events the API forwards to SSE subscribers. */
export interface FavorServiceEvents {
  'ledger-event': [LedgerEvent]
  epoch: [EpochInfo]
  challenge: [ChallengeRecord]
  'mirror-progress': [MirrorProgress]
}

export type FavorServiceEventName = keyof FavorServiceEvents

export interface FavorService {
  /** This node's account on the ledger (writer key, hex). */
  readonly account: string
  /** This node's readable name (`favor init --name`); the dashboard shows it for this account. */
  readonly name?: string
  /** The network's key (hex) once the node is in one. */
  readonly networkKey: string | null
  /**
   * The ledger view as it is now, for the read-only queries of src/ledger/queries.ts (the API never
   * writes through it: every change is an op the node appends).
   */
  view(): LedgerKV

  /** What the node is: roles, storage, epoch, peers, the task queue and resources (JSON-able). */
  status(): Promise<NodeStatus>

  publish(coreKey: string, opts: PublishOptions): Promise<{ requestId: number }>
  cancel(requestId: number): Promise<void>
  offer(opts: OfferOptions): Promise<void>
  withdraw(): Promise<void>
  transfer(to: string, amount: bigint): Promise<void>
  sponsor(to: string, amount: bigint): Promise<void>
  /** Sets the unused part of this node's sponsor line for `to` to exactly `limit` (0 closes it). */
  setLimit?(to: string, limit: bigint): Promise<void>
  admit(writerKey: string, opts?: { indexer?: boolean }): Promise<void>
  /** A single-use ledger invite this node's account vouches with (`favor network invite`). Optional. */
  inviteMember?(opts: { creditMicro?: bigint; expiresEpochs?: number }): Promise<{ code: string; expiresEpoch: number; creditMicro: bigint }>
  verifyLedger(): Promise<VerifyReport>
  /** A balance statement (the file's bytes) for an account; see src/statement. Optional. */
  statement?(account: string): Promise<Uint8Array>
  /** The core's current size, when the node can tell without appending anything (for the 409 check). */
  coreInfo?(coreKey: string): Promise<{ length: number, byteLength: number } | null>

  /** Imports a folder or file (a path on the daemon's machine) into a drive and publishes its cores as one request. Optional. */
  publishFolder?(path: string, opts: PublishOptions & { encrypt?: boolean, onProgress?: (p: DriveProgress) => void }): Promise<PublishedDrive>
  /** Downloads a drive (decrypted with `encryptionKey` when given) into a new or empty folder on the daemon's machine. Optional. */
  getDrive?(driveKey: string, out: string, opts: { timeoutMs?: number, encryptionKey?: Uint8Array, onProgress?: (p: DriveProgress) => void }): Promise<{ version: number, files: number, bytes: number }>
  /** The files of a drive. Optional. */
  listDrive?(driveKey: string, opts: { timeoutMs?: number, encryptionKey?: Uint8Array }): Promise<{ version: number, files: DriveFile[] }>
  /** An encrypted core (or drive) of this node: with `reveal`, its key the first time, then null (NOT_ENCRYPTED otherwise). Optional. */
  revealKey?(coreKey: string, reveal?: boolean): Promise<EncryptionInfo>

  /** Shared folders (src/folder): a FavorNode's `folders`. Optional. */
  readonly folders?: NodeFolders

  /** Challenges this node ran as an attestor, most recent last (or first; the API sorts). */
  recentChallenges(): readonly ChallengeRecord[]
  /** Cores this node mirrors as a hoster. */
  mirrors(): readonly MirrorProgress[]

  on(event: 'ledger-event', listener: (e: LedgerEvent) => void): void
  on(event: 'epoch', listener: (e: EpochInfo) => void): void
  on(event: 'challenge', listener: (e: ChallengeRecord) => void): void
  on(event: 'mirror-progress', listener: (e: MirrorProgress) => void): void
  off(event: 'ledger-event', listener: (e: LedgerEvent) => void): void
  off(event: 'epoch', listener: (e: EpochInfo) => void): void
  off(event: 'challenge', listener: (e: ChallengeRecord) => void): void
  off(event: 'mirror-progress', listener: (e: MirrorProgress) => void): void
}
