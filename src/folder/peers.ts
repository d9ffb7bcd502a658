// The folders' join channel, `favor/folder-join/1`: one protomux channel per (connection, folder),
// beside the store's replication on the same connection. A joiner sends its signed join request on
// every open channel of its folder; a member answers with admit()'s verdict.
import { rawCodec } from '../protocol/index.js'
import { muxOf, type Connection, type MuxMessage } from '../stack/index.js'
import type { JoinRequest } from './invite.js'
import type { JoinReply, SharedFolder } from './shared-folder.js'

export const FOLDER_JOIN_PROTOCOL = 'favor/folder-join/1'
const MAX_MESSAGE = 4096

interface Link {
  folder: SharedFolder
  request: MuxMessage<Uint8Array>
  close(): void
}

function parse<T>(bytes: Uint8Array): T | null {
  if (bytes.byteLength > MAX_MESSAGE) return null
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf-8')) as T
  } catch {
    return null
  }
}

const isHex = (v: unknown, n: number): boolean => typeof v === 'string' && v.length === n && /^[0-9a-f]+$/.test(v)

function isJoinRequest(v: unknown): v is JoinRequest {
  if (typeof v !== 'object' || v === null) return false
  const r = v as Record<string, unknown>
  return isHex(r.invite, 64) && isHex(r.writer, 64) && isHex(r.blobs, 64) && isHex(r.sig, 128)
}

/** Tracks connections and open folders and keeps one join channel for each pair. */
export class FolderPeers {
  private readonly conns = new Set<Connection>()
  private readonly folders = new Set<SharedFolder>()
  private readonly links = new Map<Connection, Map<SharedFolder, Link>>()
  private readonly listeners = new Map<SharedFolder, (req: JoinRequest) => void>()

  addConnection(conn: Connection): void {
    this.conns.add(conn)
    this.links.set(conn, new Map())
    // A peer may open a folder's channel before this node links it (it opened the folder later, or
    // earlier, than the connection formed): protomux rejects an unpaired open, so pair the protocol
    // for any folder id and link the folder when it is one of ours.
    muxOf(conn).pair({ protocol: FOLDER_JOIN_PROTOCOL }, (id) => {
      if (id === null) return
      const folder = [...this.folders].find((f) => f.discoveryKey.equals(id))
      if (folder !== undefined && this.links.get(conn)?.has(folder) !== true) this.link(conn, folder)
    })
    conn.once('close', () => {
      this.conns.delete(conn)
      this.links.delete(conn)
    })
    for (const f of this.folders) this.link(conn, f)
  }

  addFolder(folder: SharedFolder): void {
    this.folders.add(folder)
    const onRequest = (req: JoinRequest) => {
      for (const m of this.links.values()) m.get(folder)?.request.send(Buffer.from(JSON.stringify(req)))
    }
    this.listeners.set(folder, onRequest)
    folder.on('join-request', onRequest)
    for (const c of this.conns) this.link(c, folder)
  }

  removeFolder(folder: SharedFolder): void {
    this.folders.delete(folder)
    const l = this.listeners.get(folder)
    if (l !== undefined) folder.off('join-request', l)
    for (const m of this.links.values()) {
      m.get(folder)?.close()
      m.delete(folder)
    }
  }

  private link(conn: Connection, folder: SharedFolder): void {
    const channel = muxOf(conn).createChannel({
      protocol: FOLDER_JOIN_PROTOCOL,
      id: folder.discoveryKey,
      onopen: () => {
        // a joiner asks as soon as a channel to a peer of its folder opens
        if (folder.pendingJoin !== null) request.send(Buffer.from(JSON.stringify(folder.pendingJoin)))
      },
      onclose: () => { this.links.get(conn)?.delete(folder) }
    })
    if (channel === null) return
    const reply = channel.addMessage<Uint8Array>({
      encoding: rawCodec,
      onmessage: (bytes) => {
        const r = parse<JoinReply & { invite?: unknown }>(bytes)
        if (r !== null && typeof r.ok === 'boolean' && typeof r.invite === 'string') folder.emit('join-reply', r, r.invite)
      }
    })
    const request: MuxMessage<Uint8Array> = channel.addMessage<Uint8Array>({
      encoding: rawCodec,
      onmessage: (bytes) => {
        const req = parse<unknown>(bytes)
        if (!isJoinRequest(req)) {
          reply.send(Buffer.from(JSON.stringify({ ok: false, code: 'BAD_REQUEST' } satisfies JoinReply)))
          return
        }
        // only a member answers; a reader or another joiner stays silent
        if (!folder.writable) return
        folder.admit(req).then(
          (r) => reply.send(Buffer.from(JSON.stringify({ ...r, invite: req.invite }))),
          (err: unknown) => folder.emit('warning', err)
        )
      }
    })
    this.links.get(conn)?.set(folder, { folder, request, close: () => channel.close() })
    channel.open()
  }
}
