// The dashboard's login: `GET /login?code=…` trades a one-time code for a session cookie and redirects
// to `/` (so the code leaves the address bar and the history); `POST /login-codes` (bearer token only)
// issues a fresh code, for `favor dashboard` when the one printed at start has expired or been used.
import { unauthorized } from '../auth.js'
import { badRequest } from '../errors.js'
import type { RequestContext, Router } from '../router.js'
import { sessionCookie } from '../sessions.js'
import type { Sessions } from '../sessions.js'
import { checkQuery } from '../validate.js'

export class LoginApi {
  constructor(
    private readonly sessions: Sessions,
    private readonly cookieName: () => string,
    private readonly loginUrl: () => { url: string, expiresAt: number }
  ) {}

  register(router: Router): void {
    router.get('/login', (ctx) => this.login(ctx), { open: true })
    router.post('/login-codes', (ctx) => this.issue(ctx))
  }

  private login(ctx: RequestContext): Promise<{ status: number, body: unknown, headers: Record<string, string> }> {
    checkQuery(ctx.url.searchParams, ['code'])
    const code = ctx.url.searchParams.get('code') ?? ''
    const session = code === '' ? null : this.sessions.redeem(code)
    if (session === null) {
      throw unauthorized('this login code is wrong, already used or expired: run `favor dashboard` for a fresh link')
    }
    return Promise.resolve({
      status: 303,
      body: undefined,
      headers: {
        location: '/',
        'set-cookie': sessionCookie(this.cookieName(), session, this.sessions.sessionTtlMs),
        'referrer-policy': 'no-referrer'
      }
    })
  }

  private async issue(ctx: RequestContext): Promise<{ status: number, body: unknown }> {
    checkQuery(ctx.url.searchParams, [])
    if (await ctx.body() !== undefined) throw badRequest('POST /login-codes takes no body')
    const { url, expiresAt } = this.loginUrl()
    return { status: 201, body: { url, expiresAt: new Date(expiresAt).toISOString() } }
  }
}
