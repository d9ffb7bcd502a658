// A shared folder: an Autobase whose writers are the members and whose view is the file index
// (src/folder/apply.ts), plus this member's own blobs core for the bytes it adds. I/O lives here; the
// rules live in apply. Networking is the caller's: replicate the store on connections of the folder's
// discovery key and attach the join channel (src/folder/peers.ts).
import { EventEmitter } from 'node:events'
import { mkdir, rename, writeFile, rm as rmPath } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { openAutobase, randomBytes, verify, type ApplyHost, type ApplyNode, type Base, type Bee, type Core, type Store } from '../stack/index.js'
import { applyOp, joinSignable, type RefuseCode } from './apply.js'
import { BlobWriter, readBlob } from './blobs.js'
import { FolderError } from './errors.js'
import { decodeInvite, encodeInvite, makeJoinRequest, type JoinRequest } from './invite.js'
import { BeeBatchKV, BeeReadKV, type FolderReadKV } from './kv.js'
import { KEY, type Version } from './model.js'
import { decodeOp, encodeOp, normalizePath, type FolderOp } from './ops.js'
import { conflicts, folderInfo, getEntry, getInvite, getMember, history, listFiles, members } from './read.js'
import { keyPair } from '../stack/index.js'

export interface SharedFolderOptions {
  /** ms between automatic acks by indexers (every member is one). */
  ackIntervalMs?: number
  /** Wait for a file's blocks at most this long per block (ms). */
  blobTimeoutMs?: number
}

export type JoinReply = { ok: true } | { ok: false; code: RefuseCode | 'NOT_A_MEMBER' | 'BAD_REQUEST' | 'JOIN_TIMEOUT' }

/** One change this member made, as the view recorded it. */
export interface ChangeResult {
  id: string
  paths: string[]
}

/**
 * How soon a joiner asks again after a member said it knows no such invite: that member may not have
 * the invite op yet (another member registered it), so the verdict is only final at the join's timeout.
 */
const ASK_AGAIN_MS = 1000

const id = (): string => randomBytes(16).toString('hex')

export class SharedFolder extends EventEmitter {
  readonly base: Base
  readonly blobs: Core
  private readonly writer: BlobWriter
  private readonly blobTimeoutMs: number
  /** A join this (not yet writable) member is asking for; the peers module sends it to members. */
  pendingJoin: JoinRequest | null = null

  private constructor(readonly store: Store, key: Buffer | null, opts: SharedFolderOptions) {
    super()
    this.base = openAutobase(store, key, {
      apply: (nodes, view, host) => this.applyBatch(nodes, view, host),
      ackInterval: opts.ackIntervalMs ?? 1000
    })
    this.base.on('error', (err: Error) => this.emit('warning', err))
    this.base.on('update', () => this.emit('update'))
    this.blobs = store.get({ name: 'blobs' })
    this.writer = new BlobWriter(this.blobs)
    this.blobTimeoutMs = opts.blobTimeoutMs ?? 10_000
  }

  /** Creates a folder: this store's writer becomes its first member. `store` must be a namespace of its own. */
  static async create(store: Store, name: string, opts: SharedFolderOptions = {}): Promise<SharedFolder> {
    const f = new SharedFolder(store, null, opts)
    await f.ready()
    await f.append({ v: 1, t: 'init', blobs: f.blobs.key.toString('hex'), name, at: Date.now() })
    return f
  }

  /** Opens a folder by key: a member's own (again), a joiner's, or a reader's. */
  static async open(store: Store, key: Buffer, opts: SharedFolderOptions = {}): Promise<SharedFolder> {
    const f = new SharedFolder(store, key, opts)
    await f.ready()
    return f
  }

  private async ready(): Promise<void> {
    await this.base.ready()
    await this.blobs.ready()
  }

  get key(): Buffer { return this.base.key }
  get discoveryKey(): Buffer { return this.base.discoveryKey }
  get writable(): boolean { return this.base.writable }
  get writerKey(): Buffer { return this.base.local.key }
  get kv(): FolderReadKV { return new BeeReadKV(this.base.view) }

  private async applyBatch(nodes: ApplyNode[], view: Bee, host: ApplyHost): Promise<void> {
    const batch = view.batch()
    const kv = new BeeBatchKV(batch)
    for (const node of nodes) {
      if (node.value === null || node.value.byteLength === 0) continue // an ack
      const op = decodeOp(node.value)
      if (op === null) continue // not an op of ours: refused the same way on every member
      const result = await applyOp(kv, op, node.from.key.toString('hex'))
      if (result.ok && result.addWriter !== undefined) {
        // every member is an indexer: any majority of the members orders the folder's history for good
        await host.addWriter(result.addWriter, { indexer: true })
      }
    }
    await batch.flush()
  }

  private async append(op: FolderOp): Promise<void> {
    if (!this.base.writable) throw new FolderError('NOT_A_MEMBER', 'this node is not a member (writer) of the folder')
    await this.base.append(encodeOp(op))
  }

  /** Brings in what peers sent. */
  update(): Promise<void> {
    return this.base.update()
  }

  /** The current heads' ids of a path (what a change to it saw). */
  private async headsOf(path: string): Promise<Version[]> {
    return (await getEntry(this.kv, path))?.heads ?? []
  }

  /** The one live version of a path (refused when deleted, missing, or in conflict). */
  private async single(path: string): Promise<Version> {
    const heads = await this.headsOf(path)
    const live = heads.filter((h) => h.blob !== null)
    if (live.length === 0) throw new FolderError('NOT_FOUND', `no file at ${path}`)
    if (heads.length > 1) throw new FolderError('IN_CONFLICT', `${path} is in conflict (${heads.length} versions): resolve it first`)
    return live[0] as Version
  }

  /** Checks the view recorded change `cid` (apply refuses silently; this names it). */
  private async recorded(cid: string, paths: string[]): Promise<ChangeResult> {
    if ((await this.kv.get(KEY.id(cid))) === null) throw new FolderError('NOT_A_MEMBER', `change ${cid} was not accepted by the folder`)
    return { id: cid, paths }
  }

  async add(path: string, localPath: string): Promise<ChangeResult> {
    const p = normalizePath(path)
    const { blob, mtime } = await this.writer.writeFile(localPath)
    const cid = id()
    const seen = (await this.headsOf(p)).map((h) => h.id)
    await this.append({ v: 1, t: 'put', id: cid, at: Date.now(), path: p, seen, blob, size: blob.bytes, mtime })
    return this.recorded(cid, [p])
  }

  async remove(path: string): Promise<ChangeResult> {
    const p = normalizePath(path)
    const heads = await this.headsOf(p)
    if (heads.every((h) => h.blob === null)) throw new FolderError('NOT_FOUND', `no file at ${p}`)
    const cid = id()
    await this.append({ v: 1, t: 'del', id: cid, at: Date.now(), path: p, seen: heads.map((h) => h.id) })
    return this.recorded(cid, [p])
  }

  async move(from: string, to: string, copy = false): Promise<ChangeResult> {
    const f = normalizePath(from)
    const t = normalizePath(to)
    const src = await this.single(f)
    const cid = id()
    const seen = (await this.headsOf(t)).map((h) => h.id)
    await this.append({ v: 1, t: copy ? 'cp' : 'mv', id: cid, at: Date.now(), from: f, src: src.id, to: t, seen })
    return this.recorded(cid, [f, t])
  }

  /** Ends a conflict by keeping one of its versions (a prefix of its id is enough), seeing every head. */
  async resolve(path: string, keep: string): Promise<ChangeResult> {
    const p = normalizePath(path)
    const heads = await this.headsOf(p)
    if (heads.length < 2) throw new FolderError('NOT_IN_CONFLICT', `${p} is not in conflict`)
    const match = heads.filter((h) => h.id.startsWith(keep))
    if (match.length !== 1) throw new FolderError('NO_SUCH_VERSION', `${keep} names ${match.length} of the versions of ${p} (${heads.map((h) => h.id.slice(0, 8)).join(', ')})`)
    const cid = id()
    await this.append({ v: 1, t: 'resolve', id: cid, at: Date.now(), path: p, seen: heads.map((h) => h.id), keep: (match[0] as Version).id })
    return this.recorded(cid, [p])
  }

  list() { return listFiles(this.kv) }
  history() { return history(this.kv) }
  conflicts() { return conflicts(this.kv) }
  members() { return members(this.kv) }
  info() { return folderInfo(this.kv) }

  /** A version's bytes (the path's single version, or the one whose id starts with `versionId`). */
  async read(path: string, versionId?: string): Promise<Buffer> {
    const p = normalizePath(path)
    let v: Version
    if (versionId === undefined) v = await this.single(p)
    else {
      const match = (await this.headsOf(p)).filter((h) => h.id.startsWith(versionId))
      if (match.length !== 1 || match[0]?.blob === null) throw new FolderError('NO_SUCH_VERSION', `no version ${versionId} at ${p}`)
      v = match[0] as Version
    }
    return readBlob(this.store, v.blob as NonNullable<Version['blob']>, this.blobTimeoutMs)
  }

  /**
   * Writes every listed file under `out` (a new or empty folder): a conflicted path's versions as
   * `<name>.conflict-<id8>`, so no version is hidden. Written to a temporary folder renamed at the end.
   */
  async download(out: string): Promise<{ files: number; bytes: number }> {
    const tmp = `${out}.part-${randomBytes(4).toString('hex')}`
    let files = 0
    let bytes = 0
    try {
      for (const f of await this.list()) {
        for (const h of f.heads) {
          if (h.blob === null) continue
          const name = f.heads.length > 1 ? `${f.path}.conflict-${h.id.slice(0, 8)}` : f.path
          const target = join(tmp, ...name.split('/').filter(Boolean))
          await mkdir(dirname(target), { recursive: true })
          const data = await readBlob(this.store, h.blob, this.blobTimeoutMs)
          await writeFile(target, data)
          files++
          bytes += data.byteLength
        }
      }
      await mkdir(tmp, { recursive: true })
      await rename(tmp, out)
    } catch (err) {
      await rmPath(tmp, { recursive: true, force: true })
      throw err
    }
    return { files, bytes }
  }

  /** Registers a one-time invite and returns its text (the folder key and the invite secret). */
  async invite(): Promise<string> {
    const seed = randomBytes(32)
    await this.append({ v: 1, t: 'invite', invite: keyPair(seed).publicKey.toString('hex'), at: Date.now() })
    return encodeInvite({ folderKey: this.key, seed })
  }

  /**
   * Asks members to admit this writer with `inviteText` and waits until it is writable. The request
   * travels on the join channel (src/folder/peers.ts) to every member this node is connected to.
   */
  async join(inviteText: string, timeoutMs = 30_000): Promise<void> {
    const invite = decodeInvite(inviteText)
    if (!invite.folderKey.equals(this.key)) throw new FolderError('BAD_INVITE', 'the invite is for another folder')
    if (this.writable) return
    this.pendingJoin = makeJoinRequest(invite, this.writerKey, this.blobs.key)
    try {
      await new Promise<void>((resolve, reject) => {
        let unknown = 0
        const timer = setTimeout(() => done(unknown > 0
          ? new FolderError('INVITE_UNKNOWN', `the folder knows no such invite (members said so ${unknown} times in ${timeoutMs} ms): it was not made for this folder, or by a member that has been offline since`)
          : new FolderError('JOIN_TIMEOUT', `no member admitted this node within ${timeoutMs} ms (is a member online?)`)), timeoutMs)
        let askAgain: NodeJS.Timeout | undefined
        const onReply = (reply: JoinReply, forInvite: string) => {
          // a late answer to an earlier request (another invite) is not this join's verdict
          if (forInvite !== this.pendingJoin?.invite || reply.ok) return
          if (reply.code === 'INVITE_UNKNOWN' || reply.code === 'NOT_A_MEMBER' || reply.code === 'JOIN_TIMEOUT') {
            // this member may not have the invite op yet: ask every member again a little later
            if (reply.code === 'INVITE_UNKNOWN') unknown++
            askAgain ??= setTimeout(() => {
              askAgain = undefined
              if (this.pendingJoin !== null) this.emit('join-request', this.pendingJoin)
            }, ASK_AGAIN_MS)
            return
          }
          done(new FolderError(reply.code === 'INVITE_USED' ? 'INVITE_USED' : 'BAD_INVITE', reply.code === 'INVITE_USED' ? 'this invite was already used' : `a member refused the join: ${reply.code}`))
        }
        const onUpdate = () => { if (this.writable) done(null) }
        const done = (err: Error | null) => {
          clearTimeout(timer)
          clearTimeout(askAgain)
          this.off('join-reply', onReply)
          this.off('update', onUpdate)
          if (err === null) resolve()
          else reject(err)
        }
        this.on('join-reply', onReply)
        this.on('update', onUpdate)
        this.emit('join-request', this.pendingJoin)
        onUpdate()
      })
    } finally {
      this.pendingJoin = null
    }
  }

  /** A member's answer to a join request: checks it against the view, appends `join`, waits for it. */
  async admit(req: JoinRequest, timeoutMs = 15_000): Promise<JoinReply> {
    if (!this.writable) return { ok: false, code: 'NOT_A_MEMBER' }
    await this.update()
    const inv = await getInvite(this.kv, req.invite)
    if (inv === null) return { ok: false, code: 'INVITE_UNKNOWN' }
    if (inv.usedBy !== null) return inv.usedBy === req.writer ? { ok: true } : { ok: false, code: 'INVITE_USED' }
    if (!verify(joinSignable(req.writer, req.blobs), Buffer.from(req.sig, 'hex'), Buffer.from(req.invite, 'hex'))) return { ok: false, code: 'BAD_SIGNATURE' }
    await this.append({ v: 1, t: 'join', writer: req.writer, blobs: req.blobs, invite: req.invite, sig: req.sig, at: Date.now() })
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      const now = await getInvite(this.kv, req.invite)
      if (now?.usedBy === req.writer && (await getMember(this.kv, req.writer)) !== null) return { ok: true }
      if (now?.usedBy !== null && now?.usedBy !== undefined) return { ok: false, code: 'INVITE_USED' }
      await new Promise((r) => setTimeout(r, 50))
    }
    return { ok: false, code: 'JOIN_TIMEOUT' }
  }

  /**
   * Every core of the folder, for hosting: each member's writer and blobs cores, and the Autobase's
   * system core and view core as this member currently knows them (their keys change when the
   * indexer set does: a new member is an indexer).
   */
  async cores(): Promise<Array<{ role: 'writer' | 'blobs' | 'view'; key: Buffer }>> {
    const out: Array<{ role: 'writer' | 'blobs' | 'view'; key: Buffer }> = []
    for (const m of await this.members()) {
      out.push({ role: 'writer', key: Buffer.from(m.writer, 'hex') })
      out.push({ role: 'blobs', key: Buffer.from(m.blobs, 'hex') })
    }
    const system = this.base.system
    if (system !== null) {
      out.push({ role: 'view', key: Buffer.from(system.core.key) })
      for (const v of system.views) out.push({ role: 'view', key: Buffer.from(v.key) })
    }
    return out
  }

  async close(): Promise<void> {
    await this.blobs.close()
    await this.base.close()
  }
}
