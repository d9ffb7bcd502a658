// The folder view's records and keys. The view is a function of the linearized ops alone; a path's
// heads are kept sorted by change id so the stored value does not depend on the order concurrent
// changes were applied in.
import type { BlobRef } from './ops.js'

export type VersionKind = 'put' | 'del' | 'mv-in' | 'mv-out' | 'cp' | 'resolve'

/** One version of one path: a file (blob) or a deletion (tombstone, blob null). */
export interface Version {
  id: string
  path: string
  author: string
  kind: VersionKind
  blob: BlobRef | null
  size: number
  mtime: number
  at: number
  /** The heads of this path the author saw; they are superseded by this version. */
  seen: string[]
  /** For mv-in/mv-out/cp: the other path of the change. */
  other?: string
}

/** A path's current heads: one (a file, or a tombstone when deleted) or several (in conflict). */
export interface FileEntry {
  path: string
  heads: Version[]
}

export interface Member {
  writer: string
  blobs: string
  /** The invite it joined with (null for the creator). */
  invite: string | null
  /** The member that appended its admission (the creator for itself). */
  admittedBy: string
}

export interface InviteRecord {
  by: string
  at: number
  usedBy: string | null
}

/** One line of history: who did what to which paths, and when (the author's claimed clock). */
export interface LogEntry {
  seq: number
  t: string
  id: string | null
  author: string
  at: number
  paths: string[]
}

export interface FolderInfo {
  name: string
  creator: string
}

export const KEY = {
  info: 'meta/info',
  seq: 'meta/seq',
  member: (writer: string) => `member/${writer}`,
  invite: (pub: string) => `invite/${pub}`,
  id: (id: string) => `id/${id}`,
  file: (path: string) => `file/${path}`,
  version: (path: string, id: string) => `ver/${path}\0${id}`,
  log: (seq: number) => `log/${String(seq).padStart(12, '0')}`
}

/** Deleted: every head is a tombstone (two concurrent deletes agree, so they are no conflict). */
export function isDeleted(e: FileEntry): boolean {
  return e.heads.every((h) => h.blob === null)
}
