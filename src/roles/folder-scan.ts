// Walks a folder (or takes one file) before anything is written to a drive, so that bad input — a path
// that does not exist, an unreadable file, a symlink loop, a special file — is refused with a stable
// code while nothing has been imported yet. Symlinks are followed (a drive stores their targets' bytes).
import { constants } from 'node:fs'
import { access, readdir, realpath, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'

export type FolderErrorCode = 'PATH_NOT_FOUND' | 'UNREADABLE' | 'SYMLINK_LOOP' | 'UNSUPPORTED_FILE' | 'FILE_CHANGED' | 'FILE_VANISHED' | 'TOO_MANY_FILES' | 'BAD_PATH'

/** Why a folder could not be imported (or a drive written out), with a stable code. */
export class FolderError extends Error {
  override name = 'FolderError'
  constructor(readonly code: FolderErrorCode, message: string) {
    super(message)
  }
}

/** Files per import; more is refused rather than walked without bound. */
export const MAX_FOLDER_FILES = 200_000

export interface ScannedFile {
  /** Absolute path on disk (through any symlinks). */
  abs: string
  /** Path inside the drive: '/' + components joined by '/'. */
  path: string
  size: number
  mtimeMs: number
  executable: boolean
}

export interface FolderScan {
  /** The real path of what was given (the drive is named after it). */
  root: string
  kind: 'folder' | 'file'
  files: ScannedFile[]
  bytes: number
}

function codeOf(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : ''
}

function fsError(err: unknown, abs: string): FolderError {
  const code = codeOf(err)
  if (code === 'ENOENT') return new FolderError('PATH_NOT_FOUND', `${abs}: no such file or directory (or a dangling symlink)`)
  if (code === 'ELOOP') return new FolderError('SYMLINK_LOOP', `${abs}: symlink loop`)
  if (code === 'EACCES' || code === 'EPERM') return new FolderError('UNREADABLE', `${abs}: permission denied`)
  return new FolderError('UNREADABLE', `${abs}: ${err instanceof Error ? err.message : String(err)}`)
}

async function statFile(abs: string): Promise<Awaited<ReturnType<typeof stat>>> {
  try {
    return await stat(abs)
  } catch (err) {
    throw fsError(err, abs)
  }
}

async function readable(abs: string): Promise<void> {
  try {
    await access(abs, constants.R_OK)
  } catch (err) {
    throw fsError(err, abs)
  }
}

function checkName(name: string, abs: string): void {
  // A name a drive path cannot hold as one component.
  if (name.includes('/') || name.includes('\\') || name.includes('\0') || name === '' || name === '.' || name === '..') {
    throw new FolderError('BAD_PATH', `${abs}: a file name a drive cannot hold`)
  }
}

export async function scanFolder(given: string): Promise<FolderScan> {
  const top = await statFile(given)
  let root: string
  try {
    root = await realpath(given)
  } catch (err) {
    throw fsError(err, given)
  }
  const files: ScannedFile[] = []
  let bytes = 0
  const add = async (abs: string, path: string, st: Awaited<ReturnType<typeof stat>>): Promise<void> => {
    if (!st.isFile()) throw new FolderError('UNSUPPORTED_FILE', `${abs}: not a regular file or folder (sockets, pipes and devices are not imported)`)
    await readable(abs)
    if (files.length >= MAX_FOLDER_FILES) throw new FolderError('TOO_MANY_FILES', `more than ${MAX_FOLDER_FILES} files`)
    files.push({ abs, path, size: Number(st.size), mtimeMs: Number(st.mtimeMs), executable: (Number(st.mode) & 0o111) !== 0 })
    bytes += Number(st.size)
  }
  if (!top.isDirectory()) {
    const name = basename(root)
    checkName(name, root)
    await add(root, `/${name}`, top)
    return { root, kind: 'file', files, bytes }
  }
  // Depth-first; `ancestors` holds the real paths of the folders above, so a symlink back up is a loop.
  const walk = async (dir: string, prefix: string, ancestors: Set<string>): Promise<void> => {
    await readable(dir)
    let names: string[]
    try {
      names = (await readdir(dir)).sort()
    } catch (err) {
      throw fsError(err, dir)
    }
    for (const name of names) {
      const abs = join(dir, name)
      checkName(name, abs)
      const st = await statFile(abs)
      const path = `${prefix}/${name}`
      if (st.isDirectory()) {
        let real: string
        try {
          real = await realpath(abs)
        } catch (err) {
          throw fsError(err, abs)
        }
        if (ancestors.has(real)) throw new FolderError('SYMLINK_LOOP', `${abs}: symlink loop (points back to ${real})`)
        await walk(abs, path, new Set([...ancestors, real]))
      } else {
        await add(abs, path, st)
      }
    }
  }
  await walk(root, '', new Set([root]))
  return { root, kind: 'folder', files, bytes }
}
