// A node's shared folders: opens the folders it is in, carries their join channel on every swarm
// connection, runs the CLI/API operations, and keeps the folder hosted when asked to. The node only
// constructs it, hands it connections and closes it (src/node.ts).
import { readdir, stat } from 'node:fs/promises'
import { basename, join, relative, sep } from 'node:path'
import { randomBytes, type Connection, type Core, type Store, type Swarm } from '../stack/index.js'
import { FolderError } from './errors.js'
import { decodeInvite } from './invite.js'
import type { LogEntry, Member } from './model.js'
import { normalizePath } from './ops.js'
import { FolderPeers } from './peers.js'
import type { Listed } from './read.js'
import { FolderRegistry, type FolderRecord } from './registry.js'
import { SharedFolder, type ChangeResult } from './shared-folder.js'
import { FolderHosting, type HostingPort } from './hosting.js'
import { CoreTopics } from './topics.js'

export interface FolderSummary {
  key: string
  name: string
  writable: boolean
  members: number
  files: number
  conflicts: number
  requests: number[]
}

export interface NodeFoldersOptions {
  store: Store
  swarm: Swarm
  registryPath: string
  hosting: HostingPort | null
  ackIntervalMs?: number
  blobTimeoutMs?: number
  joinTimeoutMs?: number
  warn: (err: unknown) => void
}

export class NodeFolders {
  readonly peers = new FolderPeers()
  private readonly open = new Map<string, SharedFolder>()
  private registry!: FolderRegistry
  private hosting: FolderHosting | null = null
  private topics!: CoreTopics
  private closed = false

  constructor(private readonly opts: NodeFoldersOptions) {}

  async start(): Promise<void> {
    this.registry = await FolderRegistry.open(this.opts.registryPath)
    this.topics = new CoreTopics(this.opts.swarm)
    if (this.opts.hosting !== null) this.hosting = new FolderHosting(this.opts.hosting, this.registry, this.opts.warn)
    for (const r of this.registry.records) {
      try {
        await this.openRecord(r)
      } catch (err) {
        this.opts.warn(err)
      }
    }
  }

  /** Every swarm connection carries the join channel of every folder. */
  onConnection(conn: Connection): void {
    this.peers.addConnection(conn)
  }

  private folderOpts() {
    return { ackIntervalMs: this.opts.ackIntervalMs ?? 1000, blobTimeoutMs: this.opts.blobTimeoutMs ?? 15_000 }
  }

  private nsStore(ns: string): Store {
    return this.opts.store.namespace(`favor/folder/${ns}`)
  }

  private async attach(r: FolderRecord, f: SharedFolder): Promise<SharedFolder> {
    this.open.set(r.key, f)
    this.peers.addFolder(f)
    f.on('warning', (err: unknown) => this.opts.warn(err))
    const onUpdate = (): void => {
      this.hosting?.kick(r, f)
      this.topics.sync(f).catch((err: unknown) => this.opts.warn(err))
    }
    f.on('update', onUpdate)
    await this.opts.swarm.join(f.discoveryKey, { server: true, client: true }).flushed()
    onUpdate()
    return f
  }

  private async openRecord(r: FolderRecord): Promise<SharedFolder> {
    return this.attach(r, await SharedFolder.open(this.nsStore(r.ns), Buffer.from(r.key, 'hex'), this.folderOpts()))
  }

  private get(ref: string): { r: FolderRecord; f: SharedFolder } {
    const r = this.registry.find(ref)
    const f = r === undefined ? undefined : this.open.get(r.key)
    if (r === undefined || f === undefined) throw new FolderError('NO_FOLDER', `no shared folder ${ref} on this node (favor folder ls lists them)`)
    return { r, f }
  }

  async create(name: string): Promise<FolderSummary> {
    if (this.registry.records.some((r) => r.name === name)) throw new FolderError('FOLDER_EXISTS', `a folder named ${name} exists on this node`)
    const ns = randomBytes(16).toString('hex')
    const f = await SharedFolder.create(this.nsStore(ns), name, this.folderOpts())
    const r: FolderRecord = { key: f.key.toString('hex'), name, ns, requests: [], replicas: null }
    this.registry.records.push(r)
    await this.registry.save()
    await this.attach(r, f)
    return this.summary(r, f)
  }

  async invite(ref: string): Promise<string> {
    return this.get(ref).f.invite()
  }

  /** Joins with an invite; on failure nothing stays (the folder is closed and forgotten). */
  async join(inviteText: string, name?: string): Promise<FolderSummary> {
    const invite = decodeInvite(inviteText)
    const key = invite.folderKey.toString('hex')
    const known = this.registry.find(key)
    if (known !== undefined && this.open.get(key)?.writable === true) throw new FolderError('FOLDER_EXISTS', `this node is already a member of ${known.name}`)
    const ns = known?.ns ?? randomBytes(16).toString('hex')
    const r: FolderRecord = known ?? { key, name: name ?? key.slice(0, 8), ns, requests: [], replicas: null }
    const f = this.open.get(key) ?? await SharedFolder.open(this.nsStore(ns), invite.folderKey, this.folderOpts())
    if (!this.open.has(key)) await this.attach(r, f)
    try {
      await f.join(inviteText, this.opts.joinTimeoutMs ?? 60_000)
    } catch (err) {
      if (known === undefined) {
        this.peers.removeFolder(f)
        this.open.delete(key)
        await this.opts.swarm.leave(f.discoveryKey).catch(() => undefined)
        await f.close().catch(() => undefined)
      }
      throw err
    }
    const info = await f.info()
    if (name === undefined && info !== null) r.name = this.registry.records.some((x) => x.name === info.name && x !== r) ? `${info.name}-${key.slice(0, 6)}` : info.name
    if (known === undefined) this.registry.records.push(r)
    await this.registry.save()
    return this.summary(r, f)
  }

  /** Adds a file, or a folder's files, under `dest` (default: the file's or folder's name). */
  async add(ref: string, localPath: string, dest?: string): Promise<ChangeResult[]> {
    const { f } = this.get(ref)
    const st = await stat(localPath).catch((err: unknown) => { throw new FolderError('NOT_FOUND', `${localPath} does not exist`, { cause: err }) })
    const base = normalizePath(dest ?? basename(localPath))
    if (!st.isDirectory()) return [await f.add(base, localPath)]
    const out: ChangeResult[] = []
    const entries = await readdir(localPath, { recursive: true, withFileTypes: true })
    for (const e of entries.filter((x) => x.isFile()).sort((a, b) => join(a.parentPath, a.name).localeCompare(join(b.parentPath, b.name)))) {
      const full = join(e.parentPath, e.name)
      out.push(await f.add(`${base}/${relative(localPath, full).split(sep).join('/')}`, full))
    }
    return out
  }

  async list(): Promise<FolderSummary[]> {
    const out: FolderSummary[] = []
    for (const r of this.registry.records) {
      const f = this.open.get(r.key)
      if (f !== undefined) out.push(await this.summary(r, f))
    }
    return out
  }

  private async summary(r: FolderRecord, f: SharedFolder): Promise<FolderSummary> {
    const files = await f.list()
    return { key: r.key, name: r.name, writable: f.writable, members: (await f.members()).length, files: files.length, conflicts: files.filter((x) => x.conflict).length, requests: [...r.requests] }
  }

  async files(ref: string): Promise<{ folder: FolderSummary; files: Listed[]; members: Member[] }> {
    const { r, f } = this.get(ref)
    await f.update()
    return { folder: await this.summary(r, f), files: await f.list(), members: await f.members() }
  }

  async log(ref: string): Promise<LogEntry[]> {
    const { f } = this.get(ref)
    await f.update()
    return f.history()
  }

  async download(ref: string, out: string): Promise<{ files: number; bytes: number }> {
    const { f } = this.get(ref)
    await f.update()
    const existing = await readdir(out).catch(() => null)
    if (existing !== null) throw new FolderError('FOLDER_EXISTS', `${out} exists: give a new folder`)
    return f.download(out)
  }

  remove(ref: string, path: string): Promise<ChangeResult> { return this.get(ref).f.remove(path) }
  move(ref: string, from: string, to: string, copy: boolean): Promise<ChangeResult> { return this.get(ref).f.move(from, to, copy) }
  resolve(ref: string, path: string, keep: string): Promise<ChangeResult> { return this.get(ref).f.resolve(path, keep) }

  /** Asks the network to host every core of the folder; new cores (members joining) follow. */
  async host(ref: string, replicas: number): Promise<number[]> {
    const { r, f } = this.get(ref)
    if (this.hosting === null) throw new FolderError('NO_FOLDER', 'this node does not publish')
    r.replicas = replicas
    await this.registry.save()
    await this.hosting.sync(r, f)
    return [...r.requests]
  }

  /** The folder's cores and which request covers each (for status and tests). */
  async cores(ref: string): Promise<Array<{ role: string; key: string; requestId: number | null }>> {
    const { r, f } = this.get(ref)
    const covered = this.hosting?.coveredBy(r) ?? new Map<string, number>()
    return (await f.cores()).map((c) => ({ role: c.role, key: c.key.toString('hex'), requestId: covered.get(c.key.toString('hex')) ?? null }))
  }

  folder(ref: string): SharedFolder {
    return this.get(ref).f
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.hosting?.close()
    for (const f of this.open.values()) {
      this.peers.removeFolder(f)
      await f.close().catch((err: unknown) => this.opts.warn(err))
    }
    this.open.clear()
  }
}

export type { Core }
