// The CLI's HTTP client: finds the daemon through `<dir>/api.json` and the token in `<dir>/api-token`.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { API_INFO_FILE_NAME, readToken, tokenPath } from '../api/index.js'

/** Exit codes of the `favor` command. */
export const EXIT = { ok: 0, error: 1, usage: 2, noDaemon: 3, refused: 4 } as const

/** A failure the CLI reports and exits with. */
export class CliError extends Error {
  readonly exitCode: number
  constructor(message: string, exitCode: number = EXIT.error) {
    super(message)
    this.name = 'CliError'
    this.exitCode = exitCode
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage)
    this.name = 'UsageError'
  }
}

export interface Client {
  readonly url: string
  request<T = unknown>(method: string, path: string, body?: unknown): Promise<T>
}

export async function connect(dir: string): Promise<Client> {
  let url: string
  try {
    const info = JSON.parse(await readFile(join(dir, API_INFO_FILE_NAME), 'utf8')) as { url?: unknown }
    if (typeof info.url !== 'string') throw new Error('no url')
    url = info.url
  } catch {
    throw new CliError(`the daemon is not running (no ${join(dir, API_INFO_FILE_NAME)}); start it with: favor start --dir ${dir}`, EXIT.noDaemon)
  }
  const token = await readToken(dir)
  // Every call needs the token, reads included.
  if (token === null) throw new CliError(`no API token in ${tokenPath(dir)}: the daemon writes it on its first start (favor start --dir ${dir})`, EXIT.noDaemon)
  return {
    url,
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      const headers: Record<string, string> = { authorization: `Bearer ${token}` }
      if (body !== undefined) headers['content-type'] = 'application/json'
      let res: Response
      try {
        res = await fetch(url + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) })
      } catch (err) {
        throw new CliError(`the daemon is not running at ${url} (${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message}); start it with: favor start --dir ${dir}`, EXIT.noDaemon)
      }
      const text = await res.text()
      let parsed: unknown
      try {
        parsed = text === '' ? null : JSON.parse(text)
      } catch {
        throw new CliError(`the daemon answered ${res.status} with something that is not JSON`)
      }
      if (!res.ok) {
        const e = (parsed as { error?: { reason?: string, details?: string } } | null)?.error
        const msg = `${e?.reason ?? res.status}: ${e?.details ?? res.statusText}`
        if (res.status === 409) throw new CliError(`refused: ${msg}`, EXIT.refused)
        if (res.status === 400) throw new CliError(msg, EXIT.usage)
        throw new CliError(msg, EXIT.error)
      }
      return parsed as T
    }
  }
}
