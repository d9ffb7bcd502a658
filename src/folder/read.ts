// Reading the folder view: the listing (live and conflicted paths), history, members, invites.
import type { FolderReadKV } from './kv.js'
import { KEY, isDeleted, type FileEntry, type FolderInfo, type InviteRecord, type LogEntry, type Member, type Version } from './model.js'

export interface Listed {
  path: string
  /** One head for a plain file; several (both versions, a tombstone among them for a delete) in conflict. */
  heads: Version[]
  conflict: boolean
}

/** Every path that is not deleted, in path order. */
export async function listFiles(kv: FolderReadKV): Promise<Listed[]> {
  const entries = await kv.list<FileEntry>('file/')
  return entries.filter((e) => !isDeleted(e.value)).map((e) => ({ path: e.value.path, heads: e.value.heads, conflict: e.value.heads.length > 1 }))
}

export async function getEntry(kv: FolderReadKV, path: string): Promise<FileEntry | null> {
  return kv.get<FileEntry>(KEY.file(path))
}

export async function history(kv: FolderReadKV): Promise<LogEntry[]> {
  return (await kv.list<LogEntry>('log/')).map((e) => e.value)
}

export async function members(kv: FolderReadKV): Promise<Member[]> {
  return (await kv.list<Member>('member/')).map((e) => e.value)
}

export async function getMember(kv: FolderReadKV, writer: string): Promise<Member | null> {
  return kv.get<Member>(KEY.member(writer))
}

export async function getInvite(kv: FolderReadKV, pub: string): Promise<InviteRecord | null> {
  return kv.get<InviteRecord>(KEY.invite(pub))
}

export async function folderInfo(kv: FolderReadKV): Promise<FolderInfo | null> {
  return kv.get<FolderInfo>(KEY.info)
}

/** The paths in conflict, with their heads' ids (what convergence tests compare). */
export async function conflicts(kv: FolderReadKV): Promise<Array<{ path: string; heads: string[] }>> {
  return (await listFiles(kv)).filter((f) => f.conflict).map((f) => ({ path: f.path, heads: f.heads.map((h) => h.id) }))
}
