// The CLI's HTTP client: finds the daemon through `<dir>/api.json` and sends the bearer token of
// `<dir>/api-token` on every call, reads included.
import { isErrno } from '../errors.js'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { API_INFO_FILE_NAME, readToken, tokenPath } from '../api/index.js'
import { processAlive } from '../runtime/pid.js'

/** api.json without a url (a torn or foreign file). */
class NoUrlError extends Error {}

/** Exit codes of the `favor` command. */
export const EXIT = { ok: 0, error: 1, usage: 2, noDaemon: 3, refused: 4 } as const

/** A failure the CLI reports and exits with. */
export class CliError extends Error {
  readonly exitCode: number
  /** A stable code (the API's reason, or the CLI's own such as SELF_TRANSFER), when there is one. */
  readonly code: string | null
  constructor(message: string, exitCode: number = EXIT.error, code: string | null = null) {
    super(message)
    this.name = 'CliError'
    this.exitCode = exitCode
    this.code = code
  }
}

/** A refusal (exit 4): `refused [CODE]: why`. */
export function refused(code: string, message: string): CliError {
  return new CliError(`refused [${code}]: ${message}`, EXIT.refused, code)
}

/** An API error answer: its status, stable reason and details. */
export class ApiCallError extends CliError {
  constructor(readonly status: number, readonly reason: string, readonly details: string) {
    super(status === 409 ? `refused [${reason}]: ${details}` : `${reason}: ${details}`,
      status === 409 ? EXIT.refused : status === 400 ? EXIT.usage : EXIT.error, reason)
    this.name = 'ApiCallError'
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
  let pid: unknown
  try {
    const info = JSON.parse(await readFile(join(dir, API_INFO_FILE_NAME), 'utf8')) as { url?: unknown, pid?: unknown }
    if (typeof info.url !== 'string') throw new NoUrlError('no url')
    url = info.url
    pid = info.pid
  } catch (err) {
    // no file, a half-written one, or one without a url: no daemon to talk to; anything else is real
    if (!(isErrno(err, 'ENOENT') || err instanceof SyntaxError || err instanceof NoUrlError)) throw err
    throw new CliError(`the daemon is not running (no ${join(dir, API_INFO_FILE_NAME)}); start it with: favor start --dir ${dir}`, EXIT.noDaemon)
  }
  if (typeof pid === 'number' && !processAlive(pid)) {
    throw new CliError(`the daemon is not running (pid ${pid} in ${join(dir, API_INFO_FILE_NAME)} is gone); start it with: favor start --dir ${dir}`, EXIT.noDaemon)
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
      } catch (err) {
        if (!(err instanceof SyntaxError)) throw err
        throw new CliError(`the daemon answered ${res.status} with something that is not JSON`)
      }
      if (!res.ok) {
        const e = (parsed as { error?: { reason?: string, details?: string } } | null)?.error
        throw new ApiCallError(res.status, e?.reason ?? String(res.status), e?.details ?? res.statusText)
      }
      return parsed as T
    }
  }
}
