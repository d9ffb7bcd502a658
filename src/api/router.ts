// A small router: method + path pattern (`/pins/:id`) → handler. Unknown paths get 404, a known path
// with another method 405 with an Allow header.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { ApiError } from './errors.js'

export interface RequestContext {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly method: string
  readonly url: URL
  readonly params: Readonly<Record<string, string>>
  /** Who is calling: `token` (bearer) or `session:<id>` (dashboard cookie); `anonymous` on public routes. */
  readonly client: string
  /** Reads and parses the JSON body (size-limited); undefined for an empty body. */
  body(): Promise<unknown>
}

/** What a handler returns: a status and a JSON-able body, or `handled` when it wrote the response. */
export type HandlerResult = { status: number, body: unknown, headers?: Record<string, string> } | 'handled'

export type Handler = (ctx: RequestContext) => Promise<HandlerResult>

export interface RouteOptions {
  /** A write: only the bearer token may call it (default: every method but GET). */
  readonly write?: boolean
  /** Answered without any credential (only the dashboard's login exchange). */
  readonly open?: boolean
}

interface Route {
  readonly method: string
  readonly pattern: string
  readonly parts: readonly string[]
  readonly handler: Handler
  readonly write: boolean
  readonly open: boolean
}

export interface RouteMatch {
  readonly handler: Handler
  readonly params: Record<string, string>
  readonly write: boolean
  readonly open: boolean
}

export class Router {
  private readonly routes: Route[] = []

  add(method: string, pattern: string, handler: Handler, opts: RouteOptions = {}): this {
    this.routes.push({ method, pattern, parts: split(pattern), handler, write: opts.write ?? method !== 'GET', open: opts.open ?? false })
    return this
  }

  get(pattern: string, handler: Handler, opts?: RouteOptions): this { return this.add('GET', pattern, handler, opts) }
  post(pattern: string, handler: Handler): this { return this.add('POST', pattern, handler) }
  delete(pattern: string, handler: Handler): this { return this.add('DELETE', pattern, handler) }

  /** Finds the route; throws 404 or 405. HEAD is answered as GET. */
  match(method: string, pathname: string): RouteMatch {
    const parts = split(pathname)
    const allowed: string[] = []
    for (const route of this.routes) {
      const params = matchParts(route.parts, parts)
      if (params === null) continue
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { handler: route.handler, params, write: route.write, open: route.open }
      if (!allowed.includes(route.method)) allowed.push(route.method)
    }
    if (allowed.length > 0) {
      throw new ApiError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${pathname} (allowed: ${allowed.join(', ')})`, { allow: allowed.join(', ') })
    }
    throw new ApiError(404, 'NOT_FOUND', `no such endpoint: ${pathname}`)
  }
}

function split(path: string): string[] {
  return path.split('/').filter((p) => p !== '')
}

function matchParts(pattern: readonly string[], parts: readonly string[]): Record<string, string> | null {
  if (pattern.length !== parts.length) return null
  const params: Record<string, string> = {}
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string
    const v = parts[i] as string
    if (p.startsWith(':')) {
      let decoded: string
      try {
        decoded = decodeURIComponent(v)
      } catch (err) {
        // a malformed %-escape: no route matches
        if (!(err instanceof URIError)) throw err
        return null
      }
      params[p.slice(1)] = decoded
    } else if (p !== v) {
      return null
    }
  }
  return params
}
