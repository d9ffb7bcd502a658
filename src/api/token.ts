// The API's bearer token: 32 random bytes as hex, generated on first start and kept in the node's
// directory with 0600 permissions. Compared in constant time.
import { isErrno } from '../errors.js'
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { TOKEN_BYTES, TOKEN_FILE_NAME } from './constants.js'

export function tokenPath(dir: string): string {
  return join(dir, TOKEN_FILE_NAME)
}

/** Reads the token in `dir`, creating it (mode 0600) when absent. */
export async function loadOrCreateToken(dir: string): Promise<string> {
  const path = tokenPath(dir)
  try {
    const text = (await readFile(path, 'utf8')).trim()
    if (/^[0-9a-f]{32,128}$/.test(text)) {
      await chmod(path, 0o600)
      return text
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  await mkdir(dir, { recursive: true })
  const token = randomBytes(TOKEN_BYTES).toString('hex')
  await writeFile(path, `${token}\n`, { mode: 0o600 })
  await chmod(path, 0o600)
  return token
}

/** Reads an existing token; null when there is none. */
export async function readToken(dir: string): Promise<string | null> {
  try {
    const text = (await readFile(tokenPath(dir), 'utf8')).trim()
    return text === '' ? null : text
  } catch (err) {
    // only "no token yet": an unreadable token file must not be replaced silently
    if (!isErrno(err, 'ENOENT')) throw err
    return null
  }
}

/** Constant-time comparison of a presented token with the expected one. */
export function tokenMatches(presented: string, expected: string): boolean {
  const a = Buffer.from(presented)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}
