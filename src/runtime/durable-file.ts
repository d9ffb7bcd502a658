// Replacing a small file so that a crash (kill -9 or power loss) leaves either the old or the new
// content, never a mix: write a temporary file, fsync it, rename it over the old one, fsync the directory.
import { open, rename } from 'node:fs/promises'
import { dirname } from 'node:path'
import { isErrno } from '../errors.js'

/**
 * Replaces `path` with `data` atomically and durably (the temporary file is `<path>.tmp`). With `mode`
 * (e.g. 0o600 for secrets) the file has exactly that mode from its first byte, whatever the umask.
 */
export async function writeFileDurable(path: string, data: string, opts: { mode?: number } = {}): Promise<void> {
  const tmp = `${path}.tmp`
  const handle = await open(tmp, 'w', opts.mode)
  try {
    if (opts.mode !== undefined) await handle.chmod(opts.mode)
    await handle.writeFile(data, 'utf8')
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(tmp, path)
  await syncDir(dirname(path))
}

async function syncDir(dir: string): Promise<void> {
  // Makes the rename durable on POSIX; not supported everywhere (Windows), where rename is enough.
  let handle
  try {
    handle = await open(dir, 'r')
    await handle.sync()
  } catch (err) {
    // best effort where a directory cannot be opened or synced (Windows, some file systems); anything else is real
    if (!isErrno(err, 'EISDIR', 'EINVAL', 'EPERM', 'EACCES', 'ENOTSUP', 'EBADF')) throw err
  } finally {
    await handle?.close()
  }
}
