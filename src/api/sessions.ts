// Dashboard login, as Jupyter does it: the daemon prints a URL with a one-time code; opening it trades
// the code (single use, valid a few minutes) for a session cookie (HttpOnly, SameSite=Strict). Codes
// and sessions live in the daemon's memory only: a restart logs every browser out.
import { randomBytes } from 'node:crypto'
import { LOGIN_CODE_TTL_MS, MAX_LOGIN_CODES, MAX_SESSIONS, SESSION_BYTES, SESSION_TTL_MS } from './constants.js'
import { tokenMatches } from './token.js'

export interface SessionOptions {
  readonly codeTtlMs?: number
  readonly sessionTtlMs?: number
}

export interface LoginCode {
  readonly code: string
  /** Epoch ms after which the code is refused. */
  readonly expiresAt: number
}

export class Sessions {
  /** code → expiry (epoch ms). Insertion order is age order. */
  private readonly codes = new Map<string, number>()
  /** session id → expiry (epoch ms). */
  private readonly sessions = new Map<string, number>()
  private readonly codeTtlMs: number
  readonly sessionTtlMs: number

  constructor(opts: SessionOptions = {}) {
    this.codeTtlMs = opts.codeTtlMs ?? LOGIN_CODE_TTL_MS
    this.sessionTtlMs = opts.sessionTtlMs ?? SESSION_TTL_MS
  }

  /** A new single-use login code. */
  issueCode(): LoginCode {
    this.prune()
    while (this.codes.size >= MAX_LOGIN_CODES) this.codes.delete(this.codes.keys().next().value as string)
    const code = randomBytes(SESSION_BYTES).toString('hex')
    const expiresAt = Date.now() + this.codeTtlMs
    this.codes.set(code, expiresAt)
    return { code, expiresAt }
  }

  /** Trades a code for a new session id; null when the code is unknown, used or expired. */
  redeem(code: string): string | null {
    this.prune()
    let found: string | null = null
    // Constant-time comparison against each pending code (there are at most MAX_LOGIN_CODES).
    for (const c of this.codes.keys()) if (tokenMatches(code, c)) found = c
    if (found === null) return null
    this.codes.delete(found)
    while (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value as string)
    const id = randomBytes(SESSION_BYTES).toString('hex')
    this.sessions.set(id, Date.now() + this.sessionTtlMs)
    return id
  }

  /** Whether `id` is a live session. */
  valid(id: string): boolean {
    const expires = this.sessions.get(id)
    if (expires === undefined) return false
    if (expires <= Date.now()) {
      this.sessions.delete(id)
      return false
    }
    return true
  }

  private prune(): void {
    const now = Date.now()
    for (const [c, exp] of this.codes) if (exp <= now) this.codes.delete(c)
    for (const [s, exp] of this.sessions) if (exp <= now) this.sessions.delete(s)
  }
}

/** The session cookie's name. It carries the port: browsers share cookies across ports of one host. */
export function sessionCookieName(port: number): string {
  return `favor_session_${port}`
}

/** The `Set-Cookie` value of a new session. Not `Secure`: the daemon speaks plain HTTP on loopback. */
export function sessionCookie(name: string, id: string, maxAgeMs: number): string {
  return `${name}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${Math.floor(maxAgeMs / 1000)}`
}

/** The value of cookie `name` in a `Cookie` header, or null. */
export function readCookie(header: string | undefined, name: string): string | null {
  if (header === undefined) return null
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return null
}
