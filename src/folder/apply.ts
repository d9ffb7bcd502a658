// The shared folder's contract: applies one linearized op to the view. Pure (no clock, no I/O but the
// KV), so every member computes the same view from the same linearization; Autobase re-runs it after a
// reorder. A path's heads are the versions no other version saw: a change supersedes exactly the heads
// it names in `seen`, so a write that did not see the current head leaves both heads — a conflict
// holding both versions — and the heads are the same set whatever order concurrent changes came in.
import { verify } from '../stack/index.js'
import type { FolderKV } from './kv.js'
import { KEY, type FileEntry, type FolderInfo, type InviteRecord, type LogEntry, type Member, type Version, type VersionKind } from './model.js'
import type { ChangeOp, FolderOp } from './ops.js'

export type RefuseCode =
  | 'NOT_A_MEMBER' | 'ALREADY_INITIALIZED' | 'DUPLICATE_ID' | 'FOREIGN_BLOB' | 'NO_SUCH_VERSION'
  | 'SOURCE_DELETED' | 'INVITE_EXISTS' | 'INVITE_UNKNOWN' | 'INVITE_USED' | 'BAD_SIGNATURE' | 'ALREADY_MEMBER'

export type ApplyResult =
  | { ok: true; addWriter?: Buffer }
  | { ok: false; code: RefuseCode }

/** What a join's invite signature covers: the writer key and its blobs core key. */
export function joinSignable(writer: string, blobs: string): Buffer {
  return Buffer.concat([Buffer.from('favor/folder-join/1'), Buffer.from(writer, 'hex'), Buffer.from(blobs, 'hex')])
}

const refuse = (code: RefuseCode): ApplyResult => ({ ok: false, code })

async function log(kv: FolderKV, entry: Omit<LogEntry, 'seq'>): Promise<void> {
  const seq = (await kv.get<number>(KEY.seq)) ?? 0
  await kv.put(KEY.log(seq), { seq, ...entry })
  await kv.put(KEY.seq, seq + 1)
}

/** Adds a version as a head of its path, dropping the heads it saw. */
async function addHead(kv: FolderKV, v: Version): Promise<void> {
  const entry = await kv.get<FileEntry>(KEY.file(v.path))
  const heads = (entry?.heads ?? []).filter((h) => !v.seen.includes(h.id))
  heads.push(v)
  heads.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  await kv.put(KEY.file(v.path), { path: v.path, heads })
  await kv.put(KEY.version(v.path, v.id), v)
}

function version(op: ChangeOp, author: string, path: string, kind: VersionKind, from: Pick<Version, 'blob' | 'size' | 'mtime'>, seen: string[], other?: string): Version {
  const v: Version = { id: op.id, path, author, kind, blob: from.blob, size: from.size, mtime: from.mtime, at: op.at, seen: [...seen].sort() }
  if (other !== undefined) v.other = other
  return v
}

const TOMBSTONE = { blob: null, size: 0, mtime: 0 }

async function applyChange(kv: FolderKV, op: ChangeOp, author: string, member: Member): Promise<ApplyResult> {
  if ((await kv.get(KEY.id(op.id))) !== null) return refuse('DUPLICATE_ID')
  const paths: string[] = []
  switch (op.t) {
    case 'put':
      // a put names bytes in the author's own blobs core: nobody writes into another member's name
      if (op.blob.core !== member.blobs) return refuse('FOREIGN_BLOB')
      await addHead(kv, version(op, author, op.path, 'put', op, op.seen))
      paths.push(op.path)
      break
    case 'del':
      await addHead(kv, version(op, author, op.path, 'del', TOMBSTONE, op.seen))
      paths.push(op.path)
      break
    case 'mv':
    case 'cp': {
      const src = await kv.get<Version>(KEY.version(op.from, op.src))
      if (src === null) return refuse('NO_SUCH_VERSION')
      if (src.blob === null) return refuse('SOURCE_DELETED')
      if (op.t === 'mv') await addHead(kv, version(op, author, op.from, 'mv-out', TOMBSTONE, [op.src], op.to))
      await addHead(kv, version(op, author, op.to, op.t === 'mv' ? 'mv-in' : 'cp', src, op.seen, op.from))
      paths.push(op.from, op.to)
      break
    }
    case 'resolve': {
      const keep = await kv.get<Version>(KEY.version(op.path, op.keep))
      if (keep === null) return refuse('NO_SUCH_VERSION')
      await addHead(kv, version(op, author, op.path, 'resolve', keep, op.seen))
      paths.push(op.path)
      break
    }
  }
  await kv.put(KEY.id(op.id), 1)
  await log(kv, { t: op.t, id: op.id, author, at: op.at, paths })
  return { ok: true }
}

/** Applies one op by `author` (hex writer key, as Autobase authenticated it). */
export async function applyOp(kv: FolderKV, op: FolderOp, author: string): Promise<ApplyResult> {
  if (op.t === 'init') {
    if ((await kv.get(KEY.info)) !== null) return refuse('ALREADY_INITIALIZED')
    await kv.put(KEY.info, { name: op.name, creator: author } satisfies FolderInfo)
    await kv.put(KEY.member(author), { writer: author, blobs: op.blobs, invite: null, admittedBy: author } satisfies Member)
    await log(kv, { t: 'init', id: null, author, at: op.at, paths: [] })
    return { ok: true }
  }
  const member = await kv.get<Member>(KEY.member(author))
  if (member === null) return refuse('NOT_A_MEMBER')
  switch (op.t) {
    case 'invite': {
      if ((await kv.get(KEY.invite(op.invite))) !== null) return refuse('INVITE_EXISTS')
      await kv.put(KEY.invite(op.invite), { by: author, at: op.at, usedBy: null } satisfies InviteRecord)
      await log(kv, { t: 'invite', id: null, author, at: op.at, paths: [] })
      return { ok: true }
    }
    case 'join': {
      const invite = await kv.get<InviteRecord>(KEY.invite(op.invite))
      if (invite === null) return refuse('INVITE_UNKNOWN')
      if (invite.usedBy !== null) return refuse('INVITE_USED')
      if (!verify(joinSignable(op.writer, op.blobs), Buffer.from(op.sig, 'hex'), Buffer.from(op.invite, 'hex'))) return refuse('BAD_SIGNATURE')
      if ((await kv.get(KEY.member(op.writer))) !== null) return refuse('ALREADY_MEMBER')
      await kv.put(KEY.invite(op.invite), { ...invite, usedBy: op.writer })
      await kv.put(KEY.member(op.writer), { writer: op.writer, blobs: op.blobs, invite: op.invite, admittedBy: author } satisfies Member)
      await log(kv, { t: 'join', id: null, author, at: op.at, paths: [op.writer] })
      return { ok: true, addWriter: Buffer.from(op.writer, 'hex') }
    }
    default:
      return applyChange(kv, op, author, member)
  }
}
