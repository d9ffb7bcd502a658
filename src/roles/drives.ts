// Folders as Hyperdrives: `publishFolder` imports a folder (or one file) into a drive in the node's
// corestore and asks the network to host ALL of the drive's cores — its metadata core (the file index,
// whose key is the drive key) and its blobs core (the file contents) — as one request. Running it again
// on a changed folder updates the drive in one batch: the cores grow, the publisher posts `grow`, and
// the hosters follow. `getDrive` and `listDrive` read any drive from the network.
// `encrypt` makes the drive blind to its hosters: both cores use hypercore block encryption with a key
// kept in the node's key file (never on the network); readers need the drive key and that key.
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import { dirname, join, resolve, sep } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { describeError } from '../errors.js'
import { openRequests } from '../ledger/index.js'
import type { Core, CoreOpts, Drive, DriveEntry } from '../stack/index.js'
import { ENCRYPTION_KEY_BYTES, isDriveHeader, openDrive, storedByteLength } from '../stack/index.js'
import type { RoleContext } from './context.js'
import { toError } from './context.js'
import { FolderError, scanFolder } from './folder-scan.js'
import type { ScannedFile } from './folder-scan.js'
import { Resource } from '../runtime/index.js'
import type { Publisher } from './publisher.js'
import type { PublishOptions } from './types.js'

export type DriveErrorCode = 'NOT_FOUND' | 'NOT_A_DRIVE' | 'OUT_EXISTS' | 'INVALID_ARGUMENT' | 'TIMEOUT' | 'WRONG_KEY' | 'NOT_ENCRYPTED'

/** Why a drive could not be read or written out, with a stable code. */
export class DriveError extends Error {
  override name = 'DriveError'
  constructor(readonly code: DriveErrorCode, message: string) {
    super(message)
  }
}

export interface DriveProgress {
  phase: 'scan' | 'import' | 'publish' | 'download'
  doneBytes: number
  totalBytes: number
  doneFiles: number
  totalFiles: number
}

export interface PublishFolderOptions extends PublishOptions {
  /**
   * Encrypt the drive (a new drive, separate from a plain one of the same folder). A folder once
   * published encrypted stays encrypted: re-running without this flag updates the encrypted drive.
   */
  encrypt?: boolean
  onProgress?: (p: DriveProgress) => void
  /** Called before each file is read (tests change the folder here to show an import refuses it). */
  beforeFile?: (file: ScannedFile) => Promise<void> | void
}

export interface PublishedDrive {
  driveKey: string
  requestId: number
  /** The drive's version (its metadata core's length) after the import. */
  version: number
  files: number
  bytes: number
  /** Files written, deleted and left as they were by this run. */
  added: number
  deleted: number
  unchanged: number
  /** Whether a new request was made (false: the live one follows the drive through `grow`). */
  newRequest: boolean
  /** byteLength: as stored by hosters (an encrypted core's 8 bytes of padding per block included). */
  cores: { kind: 'metadata' | 'blobs'; key: string; length: number; byteLength: number }[]
  /** Whether the drive's blocks are encrypted (hosters cannot read them). */
  encrypted: boolean
  /** The encryption key (hex), on the first publish only: it is shown once, then kept in `keyFile`. */
  encryptionKey: string | null
  /** Where the node keeps the key (encrypted drives), else null. */
  keyFile: string | null
}

export interface ReadDriveOptions {
  timeoutMs?: number
  /** The drive's encryption key (32 bytes), for an encrypted drive. */
  encryptionKey?: Uint8Array
}

export interface DriveFile {
  path: string
  size: number
  executable: boolean
}

/** How long reading a drive waits for a peer to serve it, ms. */
export const DEFAULT_DRIVE_FIND_MS = 15_000

/** Counts bytes through a stream. */
function counter(onBytes: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      onBytes(chunk.byteLength)
      cb(null, chunk)
    }
  })
}

function errCode(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : ''
}

async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<undefined>((res) => { timer = setTimeout(() => res(undefined), ms) })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** A drive path as a relative file path under `out`, or null when it would leave `out`. */
export function safeOutPath(out: string, drivePath: string): string | null {
  const parts = drivePath.split('/').filter((p) => p !== '')
  if (parts.length === 0 || parts.some((p) => p === '.' || p === '..' || p.includes('\\') || p.includes('\0'))) return null
  const full = resolve(out, ...parts)
  return full.startsWith(resolve(out) + sep) ? full : null
}

/** The publisher as the drives use it: the key file, serving cores and one request for a drive's cores. */
export type DrivesPublisher = Pick<Publisher, 'keys' | 'serve' | 'publishCores'>

/** What the drives need from the node: interfaces only (src/roles/context.ts) and the publisher's surface. */
export interface DrivesComponents extends Pick<RoleContext, 'ledger' | 'store' | 'swarm' | 'log' | 'account' | 'append' | 'kick'> {
  readonly publisher: DrivesPublisher
}

/** The drives' factory (they have no init of their own). */
export function drives(): (components: DrivesComponents) => Drives {
  return (components) => new Drives(components)
}

/** A component (src/runtime/components.ts): nothing to start; stop closes the drives this node writes. */
export class Drives extends Resource {
  readonly name = 'drives'
  /** Writable drives this node published, by the real path of their folder. */
  private readonly own = new Map<string, Drive>()
  /** The same drives by key: reads of them go through these (a second Hyperdrive on a drive open for writing never gets ready). */
  private readonly ownByKey = new Map<string, Drive>()
  private readonly busy = new Set<string>()
  private readonly ctx: DrivesComponents
  private readonly publisher: DrivesPublisher

  constructor(components: DrivesComponents) {
    super()
    this.ctx = components
    this.publisher = components.publisher
  }

  /** Where `own` keeps a folder's drive: an encrypted drive is another drive than the plain one. */
  private static slot(root: string, encrypted: boolean): string {
    return encrypted ? `encrypted:${root}` : root
  }

  private async ownDrive(root: string, encryptionKey: Buffer | null): Promise<Drive> {
    const slot = Drives.slot(root, encryptionKey !== null)
    const open = this.own.get(slot)
    if (open !== undefined) return open
    // Its own namespace: the plain drive of the same folder holds plaintext blocks and keeps them.
    const drive = encryptionKey === null
      ? openDrive(this.ctx.store.namespace('favor/drive').namespace(root))
      : openDrive(this.ctx.store.namespace('favor/drive-encrypted').namespace(root), undefined, { encryptionKey })
    await drive.ready()
    this.own.set(slot, drive)
    this.ownByKey.set(drive.key.toString('hex'), drive)
    return drive
  }

  private async liveRequest(driveKey: string): Promise<{ id: number; cores: string[] } | null> {
    const mine = await openRequests(this.ctx.ledger.kv, this.ctx.account)
    const live = mine.filter((r) => (r.state === 'queued' || r.state === 'active') && r.cores.some((c) => c.key === driveKey))
    const last = live[live.length - 1]
    return last === undefined ? null : { id: last.id, cores: last.cores.map((c) => c.key) }
  }

  async publishFolder(path: string, opts: PublishFolderOptions): Promise<PublishedDrive> {
    if (this.closing) throw new DriveError('INVALID_ARGUMENT', 'the node is closing')
    const progress = opts.onProgress ?? ((): void => undefined)
    progress({ phase: 'scan', doneBytes: 0, totalBytes: 0, doneFiles: 0, totalFiles: 0 })
    const scan = await scanFolder(path)
    if (this.busy.has(scan.root)) throw new DriveError('INVALID_ARGUMENT', `${scan.root} is being published already`)
    this.busy.add(scan.root)
    try {
      return await this.importAndPublish(scan.root, scan.files, scan.bytes, opts, progress)
    } finally {
      this.busy.delete(scan.root)
    }
  }

  private async importAndPublish(
    root: string, files: ScannedFile[], bytes: number, opts: PublishFolderOptions, progress: (p: DriveProgress) => void
  ): Promise<PublishedDrive> {
    const keys = await this.publisher.keys()
    // Encryption is sticky per folder; a new key is on disk before the drive writes a block with it.
    const recorded = keys.driveOfRoot(root)
    const encryptionKey = recorded !== null ? Buffer.from(recorded.key, 'hex') : opts.encrypt === true ? await keys.createForRoot(root) : null
    const slot = Drives.slot(root, encryptionKey !== null)
    const fresh = !this.own.has(slot)
    const drive = await this.ownDrive(root, encryptionKey)
    const blobs = await drive.getBlobs()
    if (blobs === null) throw new Error('a writable drive has no blobs core')
    const driveKey = drive.key.toString('hex')
    if (encryptionKey !== null) await keys.setDriveCores(root, driveKey, [driveKey, blobs.core.key.toString('hex')])
    const live = await this.liveRequest(driveKey)
    const blobsBefore = blobs.core.length
    const counts = { added: 0, deleted: 0, unchanged: 0 }
    const batch = drive.batch()
    let doneBytes = 0
    let doneFiles = 0
    let filesBytes = 0
    const report = (phase: DriveProgress['phase']): void => progress({ phase, doneBytes, totalBytes: bytes, doneFiles, totalFiles: files.length })
    try {
      const wanted = new Set(files.map((f) => f.path))
      for (const file of files) {
        report('import')
        const old = await drive.entry(file.path)
        const meta = old?.value.metadata as { mtimeMs?: unknown } | null | undefined
        if (old !== null && old.value.blob?.byteLength === file.size && meta?.mtimeMs === file.mtimeMs && old.value.executable === file.executable) {
          counts.unchanged++
        } else {
          await opts.beforeFile?.(file)
          await this.importFile(batch, file, (n) => { doneBytes += n; report('import') })
          counts.added++
        }
        doneFiles++
        filesBytes += file.size
        doneBytes = filesBytes
      }
      for await (const entry of drive.list('/')) {
        if (wanted.has(entry.key)) continue
        await batch.del(entry.key)
        counts.deleted++
      }
      report('import')
      await batch.flush()
    } catch (err) {
      await batch.close().catch((e: unknown) => { this.ctx.log.warn('closing a failed drive batch', { err: toError(e).message }) })
      // Blocks appended to a blobs core no one has yet can go; a published one keeps them (a truncation
      // would rewrite the hosted core), unreferenced by any file.
      if (live === null && blobs.core.length > blobsBefore) await blobs.core.truncate(blobsBefore)
      if (fresh && live === null) {
        this.own.delete(slot)
        this.ownByKey.delete(driveKey)
        await drive.close()
      }
      throw err
    }
    const cores: Core[] = blobs.core.length > 0 ? [drive.core, blobs.core] : [drive.core]
    const info = cores.map((c, i) => ({ kind: i === 0 ? 'metadata' as const : 'blobs' as const, key: c.key.toString('hex'), length: c.length, byteLength: storedByteLength(c) }))
    const result = { driveKey, version: drive.version, files: files.length, bytes, ...counts, cores: info }
    // The key is shown once: handed out (and marked shown) only once the publish went through.
    const encryption = async (): Promise<Pick<PublishedDrive, 'encrypted' | 'encryptionKey' | 'keyFile'>> => encryptionKey === null
      ? { encrypted: false, encryptionKey: null, keyFile: null }
      : { encrypted: true, encryptionKey: await keys.reveal(driveKey), keyFile: keys.path }
    for (const core of cores) this.publisher.serve(core)
    report('publish')
    if (live !== null && cores.every((c) => live.cores.includes(c.key.toString('hex')))) {
      // The live request follows the drive: the publisher posts `grow` for the cores that grew.
      this.ctx.kick()
      return { ...result, requestId: live.id, newRequest: false, ...(await encryption()) }
    }
    const { requestId } = await this.publisher.publishCores(cores, { ...opts, kind: 'drive' })
    // A drive first published without contents (only empty files) is re-requested with its blobs core.
    if (live !== null) await this.ctx.append({ type: 'cancel', time: Date.now(), requestId: live.id })
    return { ...result, requestId, newRequest: true, ...(await encryption()) }
  }

  private async importFile(batch: Drive, file: ScannedFile, onBytes: (n: number) => void): Promise<void> {
    let read = 0
    const source = createReadStream(file.abs)
    const opened = new Promise<void>((res, rej) => {
      source.once('open', () => res())
      source.once('error', rej)
    })
    try {
      await opened
    } catch (err) {
      source.destroy()
      if (errCode(err) === 'ENOENT') throw new FolderError('FILE_VANISHED', `${file.abs} vanished during the import`)
      if (errCode(err) === 'EACCES' || errCode(err) === 'EPERM') throw new FolderError('UNREADABLE', `${file.abs}: permission denied`)
      throw err
    }
    await pipeline(source, counter((n) => { read += n; onBytes(n) }), batch.createWriteStream(file.path, { executable: file.executable, metadata: { mtimeMs: file.mtimeMs } }))
    let after: Awaited<ReturnType<typeof stat>>
    try {
      after = await stat(file.abs)
    } catch (err) {
      if (errCode(err) === 'ENOENT') throw new FolderError('FILE_VANISHED', `${file.abs} vanished during the import`)
      throw err
    }
    if (read !== file.size || Number(after.size) !== file.size || Number(after.mtimeMs) !== file.mtimeMs) {
      throw new FolderError('FILE_CHANGED', `${file.abs} changed during the import (${file.size} bytes when scanned, ${read} read): run publish again once it is stable`)
    }
  }

  /**
   * A drive by key, found on the network (bounded): NOT_FOUND when no peer serves it, NOT_A_DRIVE when
   * its core is not one; with an encryption key, WRONG_KEY when it does not decrypt the drive and
   * NOT_ENCRYPTED when the drive is plain.
   */
  private async openRemote(key: string, timeoutMs: number, encryptionKey?: Uint8Array): Promise<{ drive: Drive; release: () => Promise<void> }> {
    if (!/^[0-9a-f]{64}$/i.test(key)) throw new DriveError('INVALID_ARGUMENT', `not a 32-byte hex drive key: '${key}'`)
    if (encryptionKey !== undefined && encryptionKey.byteLength !== ENCRYPTION_KEY_BYTES) {
      throw new DriveError('INVALID_ARGUMENT', `an encryption key is ${ENCRYPTION_KEY_BYTES} bytes (64 hex characters), got ${encryptionKey.byteLength}`)
    }
    const own = this.ownByKey.get(key.toLowerCase())
    if (own !== undefined) {
      const ownKey = (await this.publisher.keys()).keyForCore(key)
      if (encryptionKey !== undefined && ownKey === null) throw new DriveError('NOT_ENCRYPTED', `drive ${key} is not encrypted: read it without a key`)
      if (encryptionKey !== undefined && ownKey !== null && !ownKey.equals(encryptionKey)) throw new DriveError('WRONG_KEY', `the key given does not decrypt drive ${key}`)
      return { drive: own, release: () => Promise.resolve() }
    }
    // The plain core first: found on the network (bounded), and its first block checked to be a drive's.
    const opts: CoreOpts = encryptionKey === undefined ? { key: Buffer.from(key, 'hex') } : { key: Buffer.from(key, 'hex'), encryption: { key: encryptionKey } }
    const core = this.ctx.store.get(opts)
    try {
      await core.ready()
      this.ctx.swarm.join(core.discoveryKey, { server: false, client: true })
      const deadline = Date.now() + timeoutMs
      while (core.length === 0 && Date.now() < deadline) {
        await within(core.update({ wait: true }), Math.min(1000, Math.max(1, deadline - Date.now())))
      }
      if (core.length === 0) throw new DriveError('NOT_FOUND', `no peer serves drive ${key} within ${Math.round(timeoutMs / 1000)} s`)
      const block0 = await core.get(0, { timeout: timeoutMs })
      if (block0 === null || !isDriveHeader(block0)) {
        if (encryptionKey === undefined) {
          throw new DriveError('NOT_A_DRIVE', `${key} is a hypercore but not a hyperdrive (its first block is not a file index header), or an encrypted drive: pass its key (favor get --key)`)
        }
        // Hypercore cannot tell a wrong key (it decrypts to noise); the drive header can.
        const raw = await core.get(0, { timeout: timeoutMs, raw: true })
        if (raw !== null && isDriveHeader(raw)) throw new DriveError('NOT_ENCRYPTED', `drive ${key} is not encrypted: read it without a key`)
        throw new DriveError('WRONG_KEY', `the key given does not decrypt ${key}: a wrong key for this drive (or not a drive at all)`)
      }
    } finally {
      await core.close()
    }
    const drive = openDrive(this.ctx.store, Buffer.from(key, 'hex'), encryptionKey === undefined ? {} : { encryptionKey })
    try {
      await drive.ready()
      await within(drive.core.update({ wait: true }), Math.min(timeoutMs, 3000))
      const blobs = await within(drive.getBlobs(), timeoutMs) ?? null
      // Only empty files: a drive may have no blobs core yet.
      if (blobs !== null) this.ctx.swarm.join(blobs.core.discoveryKey, { server: false, client: true })
      return { drive, release: () => drive.close() }
    } catch (err) {
      await drive.close().catch((e: unknown) => { this.ctx.log.debug('closing a drive', { err: toError(e).message }) })
      throw err
    }
  }

  private async entries(drive: Drive, key: string): Promise<DriveEntry[]> {
    const list: DriveEntry[] = []
    try {
      for await (const e of drive.list('/')) list.push(e)
    } catch (err) {
      throw new DriveError('NOT_A_DRIVE', `${key} is not a hyperdrive: ${toError(err).message}`)
    }
    return list
  }

  async listDrive(key: string, opts: ReadDriveOptions = {}): Promise<{ version: number; files: DriveFile[] }> {
    const { drive, release } = await this.openRemote(key, opts.timeoutMs ?? DEFAULT_DRIVE_FIND_MS, opts.encryptionKey)
    try {
      const files = (await this.entries(drive, key)).map((e) => ({ path: e.key, size: e.value.blob?.byteLength ?? 0, executable: e.value.executable }))
      return { version: drive.version, files }
    } finally {
      await release()
    }
  }

  /**
   * Downloads a drive into `out` (which must not exist, or be an empty folder). The files go to a
   * temporary folder beside `out` first, renamed into place at the end: nothing half-written is left.
   */
  async getDrive(key: string, out: string, opts: ReadDriveOptions & { onProgress?: (p: DriveProgress) => void } = {}): Promise<{ version: number; files: number; bytes: number }> {
    const target = resolve(out)
    const existing = await stat(target).catch((err: unknown) => { if (errCode(err) === 'ENOENT') return null; throw err })
    if (existing !== null && (!existing.isDirectory() || (await readdir(target)).length > 0)) {
      throw new DriveError('OUT_EXISTS', `${target} exists and is not an empty folder`)
    }
    const progress = opts.onProgress ?? ((): void => undefined)
    const { drive, release } = await this.openRemote(key, opts.timeoutMs ?? DEFAULT_DRIVE_FIND_MS, opts.encryptionKey)
    const partial = join(dirname(target), `.${Date.now()}-${process.pid}.favor-partial`)
    try {
      const list = (await this.entries(drive, key)).filter((e) => e.value.blob !== null || e.value.linkname === null)
      const totalBytes = list.reduce((s, e) => s + (e.value.blob?.byteLength ?? 0), 0)
      let doneBytes = 0
      let doneFiles = 0
      const report = (): void => progress({ phase: 'download', doneBytes, totalBytes, doneFiles, totalFiles: list.length })
      await mkdir(partial, { recursive: true })
      for (const e of list) {
        const dest = safeOutPath(partial, e.key)
        if (dest === null) throw new DriveError('NOT_A_DRIVE', `drive ${key} holds a path that would leave the output folder: ${JSON.stringify(e.key)}`)
        await mkdir(dirname(dest), { recursive: true })
        report()
        const source = drive.createReadStream(e.key, { wait: true, timeout: opts.timeoutMs ?? DEFAULT_DRIVE_FIND_MS })
        await pipeline(source, counter((n) => { doneBytes += n; report() }), createWriteStream(dest, { mode: e.value.executable ? 0o755 : 0o644 }))
        doneFiles++
      }
      report()
      if (existing !== null) await rm(target, { recursive: true })
      await rename(partial, target)
      return { version: drive.version, files: list.length, bytes: totalBytes }
    } catch (err) {
      await rm(partial, { recursive: true, force: true })
      throw err
    } finally {
      await release()
    }
  }

  protected override async onclose(): Promise<void> {
    for (const [root, drive] of this.own) {
      await drive.close().catch((err: unknown) => { this.ctx.log.warn('drives: closing a drive failed', { component: 'drives', folder: root, ...describeError(err) }) })
    }
    this.own.clear()
    this.ownByKey.clear()
  }
}
