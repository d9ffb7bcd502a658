// Who a request comes from. Every API call needs one of:
// - `Authorization: Bearer <token>` (the CLI and scripts; the token is `<dir>/api-token`), for any call;
// - the dashboard's session cookie (set by `GET /login?code=…`), for reads (GET/HEAD) only: the
//   dashboard never writes, so a session cannot spend favor even if a page found a way to use it.
// A presented but wrong bearer token is refused even when a valid cookie comes with it.
import type { IncomingMessage } from 'node:http'
import { ApiError } from './errors.js'
import { readCookie } from './sessions.js'
import type { Sessions } from './sessions.js'
import { tokenMatches } from './token.js'

/** The identity of an authenticated caller: `token`, or `session:<id>` for a dashboard session. */
export type ClientId = string

const CHALLENGE = { 'www-authenticate': 'Bearer realm="favor"' }

export function unauthorized(details: string): ApiError {
  return new ApiError(401, 'UNAUTHORIZED', details, CHALLENGE)
}

export interface AuthConfig {
  readonly token: string
  readonly sessions: Sessions
  readonly cookieName: string
}

/** The caller's identity; throws 401 when the request carries no valid credential for `write`. */
export function authenticate(req: IncomingMessage, write: boolean, cfg: AuthConfig): ClientId {
  const header = req.headers.authorization
  if (header !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header)
    if (m === null || !tokenMatches(m[1] as string, cfg.token)) throw unauthorized('the bearer token is wrong')
    return 'token'
  }
  const session = readCookie(req.headers.cookie, cfg.cookieName)
  if (session !== null && cfg.sessions.valid(session)) {
    if (write) throw unauthorized("writes need 'Authorization: Bearer <token>'; a dashboard session only reads")
    return `session:${session}`
  }
  throw unauthorized(session !== null
    ? 'the dashboard session has expired or the daemon restarted: log in with the link printed by favor start (or favor dashboard)'
    : "every request needs 'Authorization: Bearer <token>' (the token is in the node's directory, file api-token) or a dashboard session (open the link printed by favor start)")
}
