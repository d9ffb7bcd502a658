// The shared folder's ops: what a member appends to the folder's Autobase. JSON with a version field
// (small, readable in `favor folder log --json`); `decodeOp` checks every field, so apply sees only
// well-formed ops and a malformed block is refused, never thrown on.
import { FolderError } from './errors.js'

export const OP_VERSION = 1

/** Where a file's bytes are: a range of blocks in one member's blobs core. */
export interface BlobRef {
  /** Hex key of the blobs core (the author's own, for a put). */
  core: string
  start: number
  blocks: number
  bytes: number
}

interface Change {
  /** The change id (random, chosen by the writer; apply refuses a reused one). */
  id: string
  /** The writer's clock when it made the change (ms); recorded as claimed, never trusted for order. */
  at: number
}

export type FolderOp =
  /** The creator registers its blobs core; valid only while the folder has no member. */
  | { v: 1; t: 'init'; blobs: string; name: string; at: number }
  | (Change & { v: 1; t: 'put'; path: string; seen: string[]; blob: BlobRef; size: number; mtime: number })
  | (Change & { v: 1; t: 'del'; path: string; seen: string[] })
  /** Moves the version `src` of `from` to `to`: a tombstone at `from` (seeing `src`), a copy at `to`. */
  | (Change & { v: 1; t: 'mv'; from: string; src: string; to: string; seen: string[] })
  | (Change & { v: 1; t: 'cp'; from: string; src: string; to: string; seen: string[] })
  /** Keeps the version `keep` of `path` as a new version that saw `seen` (all the heads, to resolve). */
  | (Change & { v: 1; t: 'resolve'; path: string; seen: string[]; keep: string })
  /** A member registers a one-time invite's public key. */
  | { v: 1; t: 'invite'; invite: string; at: number }
  /** A member admits a writer that presented an invite: `sig` by the invite key over writer ‖ blobs. */
  | { v: 1; t: 'join'; writer: string; blobs: string; invite: string; sig: string; at: number }

export type ChangeOp = Extract<FolderOp, { id: string }>

const HEX32 = /^[0-9a-f]{64}$/
const ID = /^[0-9a-f]{32}$/
const HEX64B = /^[0-9a-f]{128}$/
const MAX_PATH = 4096
const MAX_SEEN = 64

/** A folder path: '/'-separated, absolute, no empty, '.' or '..' segment, no NUL or backslash. */
export function normalizePath(input: string): string {
  const parts = input.split('/').filter((p) => p !== '')
  const path = '/' + parts.join('/')
  if (parts.length === 0 || path.length > MAX_PATH || parts.some((p) => p === '.' || p === '..' || p.includes('\0') || p.includes('\\'))) {
    throw new FolderError('BAD_PATH', `not a folder path: ${JSON.stringify(input)}`)
  }
  return path
}

function isPath(v: unknown): v is string {
  if (typeof v !== 'string') return false
  try {
    return normalizePath(v) === v
  } catch {
    return false
  }
}

const isUint = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
const isHex = (re: RegExp) => (v: unknown): v is string => typeof v === 'string' && re.test(v)
const isSeen = (v: unknown): v is string[] => Array.isArray(v) && v.length <= MAX_SEEN && v.every(isHex(ID))
const isBlob = (v: unknown): v is BlobRef => {
  if (typeof v !== 'object' || v === null) return false
  const b = v as Record<string, unknown>
  return isHex(HEX32)(b.core) && isUint(b.start) && isUint(b.blocks) && isUint(b.bytes)
}

/** Which fields each op type has, and their checks (extra fields are refused too). */
const SHAPES: Record<FolderOp['t'], Record<string, (v: unknown) => boolean>> = {
  init: { blobs: isHex(HEX32), name: (v) => typeof v === 'string' && v.length <= 256, at: isUint },
  put: { id: isHex(ID), at: isUint, path: isPath, seen: isSeen, blob: isBlob, size: isUint, mtime: isUint },
  del: { id: isHex(ID), at: isUint, path: isPath, seen: isSeen },
  mv: { id: isHex(ID), at: isUint, from: isPath, src: isHex(ID), to: isPath, seen: isSeen },
  cp: { id: isHex(ID), at: isUint, from: isPath, src: isHex(ID), to: isPath, seen: isSeen },
  resolve: { id: isHex(ID), at: isUint, path: isPath, seen: isSeen, keep: isHex(ID) },
  invite: { invite: isHex(HEX32), at: isUint },
  join: { writer: isHex(HEX32), blobs: isHex(HEX32), invite: isHex(HEX32), sig: isHex(HEX64B), at: isUint }
}

export function encodeOp(op: FolderOp): Buffer {
  return Buffer.from(JSON.stringify(op))
}

/** The op in a block, or null when the block is not a well-formed op of a known version. */
export function decodeOp(block: Buffer): FolderOp | null {
  let value: unknown
  try {
    value = JSON.parse(block.toString('utf-8'))
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null
  const o = value as Record<string, unknown>
  if (o.v !== OP_VERSION || typeof o.t !== 'string' || !Object.hasOwn(SHAPES, o.t)) return null
  const shape = SHAPES[o.t as FolderOp['t']]
  const keys = Object.keys(o).filter((k) => k !== 'v' && k !== 't')
  if (keys.length !== Object.keys(shape).length) return null
  for (const [k, check] of Object.entries(shape)) if (!check(o[k])) return null
  return value as FolderOp
}
