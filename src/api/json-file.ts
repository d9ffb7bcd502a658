// Small JSON files the daemon keeps in the node directory (pin names, statement-backed lines).
import { readFile } from 'node:fs/promises'

/** The file's text, or null when it does not exist yet; any other read failure is thrown. */
export async function readOptionalFile(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
}
