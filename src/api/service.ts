// The narrow surface the HTTP API needs from a node. FavorNode satisfies it structurally; tests may
// run the API against a real FavorNode. Nothing here imports an implementation.
import type { LedgerEvent, LedgerKV } from '../ledger/index.js'
import type { ChallengeRecord, MirrorProgress, OfferOptions, PublishOptions } from '../roles/types.js'
import type { DriveFile, DriveProgress, PublishedDrive } from '../roles/drives.js'
import type { EncryptionInfo } from '../roles/publisher.js'

export type { ChallengeRecord, DriveFile, DriveProgress, EncryptionInfo, MirrorProgress, OfferOptions, PublishedDrive, PublishOptions }

/** Events the API forwards to SSE subscribers. */
export interface FavorServiceEvents {
  'ledger-event': [LedgerEvent]
  epoch: [unknown]
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
  /** Read-only ledger state for the queries in src/ledger/queries.ts. */
  readonly ledger: { readonly kv: LedgerKV }

  /** Anything JSON-able that describes the node (roles, quota, epoch, peers). */
  status(): unknown

  publish(coreKey: string, opts: PublishOptions): Promise<{ requestId: number }>
  cancel(requestId: number): Promise<unknown>
  offer(opts: OfferOptions): Promise<unknown>
  withdraw(): Promise<unknown>
  transfer(to: string, amount: bigint): Promise<unknown>
  sponsor(to: string, amount: bigint): Promise<unknown>
  /** Sets the unused part of this node's sponsor line for `to` to exactly `limit` (0 closes it). */
  setLimit?(to: string, limit: bigint): Promise<unknown>
  admit(writerKey: string, opts?: { indexer?: boolean }): Promise<unknown>
  /** A single-use ledger invite this node's account vouches with (`favor network invite`). Optional. */
  inviteMember?(opts: { creditMicro?: bigint; expiresEpochs?: number }): Promise<{ code: string; expiresEpoch: number; creditMicro: bigint }>
  verifyLedger(): Promise<unknown>
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

  /** Challenges this node ran as an attestor, most recent last (or first; the API sorts). */
  recentChallenges(): readonly ChallengeRecord[]
  /** Cores this node mirrors as a hoster. */
  mirrors(): readonly MirrorProgress[]

  on(event: 'ledger-event', listener: (e: LedgerEvent) => void): unknown
  on(event: 'epoch', listener: (e: unknown) => void): unknown
  on(event: 'challenge', listener: (e: ChallengeRecord) => void): unknown
  on(event: 'mirror-progress', listener: (e: MirrorProgress) => void): unknown
  off(event: 'ledger-event', listener: (e: LedgerEvent) => void): unknown
  off(event: 'epoch', listener: (e: unknown) => void): unknown
  off(event: 'challenge', listener: (e: ChallengeRecord) => void): unknown
  off(event: 'mirror-progress', listener: (e: MirrorProgress) => void): unknown
}
