// The daemon's HTTP API on node:http. Binds to 127.0.0.1 by default.
//
// Every call needs a credential (src/api/auth.ts): the bearer token (`<dataDir>/api-token`, mode 0600,
// generated on first start) for anything, or the dashboard's session cookie for reads. The dashboard
// logs in through a one-time code URL (`loginUrl()`, printed by `favor start`). Only the dashboard's
// static files and the code exchange (`GET /login`) answer without one. Requests whose Host header is
// not exactly a loopback name (or, bound elsewhere, an IP literal) get 403, so a DNS-rebinding page
// (`127.0.0.1.nip.io`) is refused before anything else (src/api/host-check.ts).
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Resource } from '../runtime/index.js'
import type { Logger } from '../runtime/index.js'
import { silentLogger } from '../runtime/index.js'
import { loadAsset, webRoot } from '../web/assets.js'
import { authenticate } from './auth.js'
import { MAX_BODY_BYTES, MAX_SSE_CLIENTS, MAX_SSE_PER_CLIENT, SSE_HEARTBEAT_MS } from './constants.js'
import { ApiError, badRequest } from './errors.js'
import { EventStream } from './handlers/events.js'
import { BalanceHistory } from './handlers/history.js'
import { LedgerApi } from './handlers/ledger.js'
import { LoginApi } from './handlers/login.js'
import { NameBook } from './names.js'
import { hostAllowed } from './host-check.js'
import { StatementApi } from './handlers/statement.js'
import { CreditApi } from './handlers/credit.js'
import { CreditStore } from './credit-store.js'
import { NodeApi } from './handlers/node.js'
import { PinsApi } from './handlers/pins.js'
import { DrivesApi } from './handlers/drives.js'
import { FoldersApi } from './handlers/folders.js'
import { toJSON } from './json.js'
import { openApiDocument } from './openapi.js'
import { PinStore } from './pin-store.js'
import { Router } from './router.js'
import type { RequestContext, RouteMatch } from './router.js'
import type { FavorService } from './service.js'
import { sessionCookieName, Sessions } from './sessions.js'
import type { LoginCode } from './sessions.js'
import { loadOrCreateToken } from './token.js'

export const API_VERSION = '1.0.0'

/** The API's init (from the config: host, port) besides its one component, the node it serves. */
export type ApiServerInit = Omit<ApiServerOptions, 'service'>

/** What the API needs: the node, through its interface (src/api/service.ts). */
export interface ApiServerComponents {
  readonly service: FavorService
}

/** The API's factory: its init first, the node it serves when the daemon composes them. */
export function apiServer(init: ApiServerInit): (components: ApiServerComponents) => ApiServer {
  return (components) => new ApiServer({ ...init, service: components.service })
}

export interface ApiServerOptions {
  readonly service: FavorService
  /** The node's directory: the token and the pin store live here. */
  readonly dataDir: string
  /** Default 127.0.0.1. */
  readonly host?: string
  /** Default 0 (a free port). */
  readonly port?: number
  /** Use this token instead of the one in `dataDir`. */
  readonly token?: string
  /** How long a dashboard login code stays valid (default LOGIN_CODE_TTL_MS). */
  readonly loginCodeTtlMs?: number
  /** Event streams in all and per caller (defaults MAX_SSE_CLIENTS, MAX_SSE_PER_CLIENT). */
  readonly maxSseClients?: number
  readonly maxSsePerClient?: number
  readonly heartbeatMs?: number
  readonly maxBodyBytes?: number
  readonly logger?: Logger
}

const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

/** A component (src/runtime/components.ts): start listens (`listen()` = `open()` + the URL); stop ends every stream and the server. */
export class ApiServer extends Resource {
  readonly name = 'api'
  private readonly opts: ApiServerOptions
  private readonly log: Logger
  private readonly router = new Router()
  private server: Server | null = null
  private events: EventStream | null = null
  private history: BalanceHistory | null = null
  private tokenValue: string | null = null
  private address: AddressInfo | null = null
  private readonly webDir = webRoot()
  private readonly startedAt = Date.now()
  private readonly sessions: Sessions

  constructor(opts: ApiServerOptions) {
    super()
    this.opts = opts
    this.log = opts.logger ?? silentLogger()
    this.sessions = new Sessions(opts.loginCodeTtlMs !== undefined ? { codeTtlMs: opts.loginCodeTtlMs } : {})
  }

  /** Starts listening; resolves with the base URL. Safe to call twice. */
  async listen(): Promise<string> {
    await this.open()
    return this.url
  }

  /** Base URL, e.g. `http://127.0.0.1:7373`. */
  get url(): string {
    if (this.address === null) throw new Error('ApiServer is not listening')
    const host = this.address.family === 'IPv6' ? `[${this.address.address}]` : this.address.address
    return `http://${host}:${this.address.port}`
  }

  get port(): number {
    return this.address?.port ?? 0
  }

  /**
   * A new dashboard login link, `<base>/login?code=<one-time code>`: it works once, for a few minutes,
   * and sets the session cookie. Bound to a wildcard address, the link points at 127.0.0.1.
   */
  issueLoginUrl(): LoginCode & { url: string } {
    if (this.address === null) throw new Error('ApiServer is not listening')
    const wildcard = this.address.address === '0.0.0.0' || this.address.address === '::'
    const base = wildcard ? `http://${this.address.family === 'IPv6' ? '[::1]' : '127.0.0.1'}:${this.address.port}` : this.url
    const code = this.sessions.issueCode()
    return { ...code, url: `${base}/login?code=${code.code}` }
  }

  /** Shorthand: just the URL of `issueLoginUrl()`. */
  loginUrl(): string {
    return this.issueLoginUrl().url
  }

  /** The bearer token the API needs. */
  get token(): string {
    if (this.tokenValue === null) throw new Error('ApiServer is not listening')
    return this.tokenValue
  }

  protected override async onopen(): Promise<void> {
    const host = this.opts.host ?? '127.0.0.1'
    this.tokenValue = this.opts.token ?? await loadOrCreateToken(this.opts.dataDir)
    const pins = await PinStore.open(this.opts.dataDir)
    this.events = new EventStream(this.opts.service, this.opts.heartbeatMs ?? SSE_HEARTBEAT_MS,
      this.opts.maxSseClients ?? MAX_SSE_CLIENTS, this.opts.maxSsePerClient ?? MAX_SSE_PER_CLIENT)
    new PinsApi(this.opts.service, pins).register(this.router)
    const service = this.opts.service
    const names = new NameBook(this.opts.dataDir, () => ({ account: service.account, name: service.name }), this.log)
    new DrivesApi(service, pins).register(this.router)
    new FoldersApi(() => service.folders).register(this.router)
    new LedgerApi(service, names).register(this.router)
    new StatementApi(this.opts.service).register(this.router)
    new CreditApi(this.opts.service, await CreditStore.open(this.opts.dataDir)).register(this.router)
    new NodeApi(this.opts.service, { version: API_VERSION, startedAt: this.startedAt }).register(this.router)
    this.events.register(this.router)
    this.history = new BalanceHistory(this.opts.service)
    this.history.register(this.router)
    new LoginApi(this.sessions, () => sessionCookieName(this.port), () => this.issueLoginUrl()).register(this.router)
    this.router.get('/openapi.json', () => Promise.resolve({ status: 200, body: openApiDocument(API_VERSION) }))

    const server = createServer((req, res) => { this.handle(req, res) })
    server.keepAliveTimeout = 5_000
    server.headersTimeout = 10_000
    server.requestTimeout = 60_000
    this.server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.opts.port ?? 0, host, () => {
        server.off('error', reject)
        resolve()
      })
    })
    server.on('error', (err) => { this.log.warn('http server error', { err: err.message }) })
    this.address = server.address() as AddressInfo
    this.log.info('api listening', { url: this.url })
  }

  protected override async onclose(): Promise<void> {
    this.events?.close()
    await this.history?.close()
    const server = this.server
    if (server === null) return
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => { server.closeAllConnections() }, 1_000)
      server.close(() => {
        clearTimeout(force)
        resolve()
      })
      server.closeIdleConnections()
    })
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.dispatch(req, res).catch((err: unknown) => {
      this.log.warn('request failed', { err: err instanceof Error ? err.message : String(err) })
      if (!res.headersSent) this.sendError(res, new ApiError(500, 'INTERNAL_SERVER_ERROR', 'internal error'))
      else res.destroy()
    })
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET'
    let url: URL
    try {
      url = new URL(req.url ?? '/', 'http://localhost')
    } catch (err) {
      if (!(err instanceof TypeError)) throw err // ERR_INVALID_URL is a TypeError
      this.sendError(res, badRequest('malformed request URL'))
      return
    }
    try {
      this.checkHost(req)
      if (method === 'GET' || method === 'HEAD') {
        const asset = await loadAsset(this.webDir, url.pathname)
        if (asset !== null) {
          res.writeHead(200, {
            'content-type': asset.type,
            'content-length': asset.body.length,
            'cache-control': 'no-cache',
            'x-content-type-options': 'nosniff',
            'referrer-policy': 'no-referrer',
            'content-security-policy': CSP
          })
          res.end(method === 'HEAD' ? undefined : asset.body)
          return
        }
      }
      const write = method !== 'GET' && method !== 'HEAD'
      let route: RouteMatch
      try {
        route = this.router.match(method, url.pathname)
      } catch (err) {
        // Unknown paths and methods need a credential too: a stranger learns nothing about the API.
        authenticate(req, write, this.authConfig())
        throw err
      }
      const client = route.open ? 'anonymous' : authenticate(req, route.write, this.authConfig())
      const ctx: RequestContext = {
        req, res, method, url, params: route.params, client,
        body: () => this.readBody(req)
      }
      const result = await route.handler(ctx)
      if (result === 'handled') return
      this.send(res, result.status, result.body, result.headers, method === 'HEAD')
    } catch (err) {
      const apiErr = err instanceof ApiError ? err : new ApiError(500, 'INTERNAL_SERVER_ERROR', err instanceof Error ? err.message : 'internal error')
      if (apiErr.status >= 500) this.log.warn('request failed', { method, path: url.pathname, err: apiErr.message })
      if (res.headersSent) res.destroy()
      else this.sendError(res, apiErr)
    }
  }

  private checkHost(req: IncomingMessage): void {
    const host = req.headers.host
    if (!hostAllowed(host, this.opts.host ?? '127.0.0.1')) {
      throw new ApiError(403, 'FORBIDDEN', `Host '${host ?? ''}' is not accepted: use http://127.0.0.1, http://localhost or http://[::1]`)
    }
  }

  private authConfig(): { token: string, sessions: Sessions, cookieName: string } {
    return { token: this.token, sessions: this.sessions, cookieName: sessionCookieName(this.port) }
  }

  private async readBody(req: IncomingMessage): Promise<unknown> {
    const limit = this.opts.maxBodyBytes ?? MAX_BODY_BYTES
    const declared = Number(req.headers['content-length'] ?? '0')
    if (declared > limit) {
      throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `the body is larger than ${limit} bytes`, { connection: 'close' })
    }
    const chunks: Buffer[] = []
    let total = 0
    for await (const chunk of req as AsyncIterable<Buffer>) {
      total += chunk.length
      if (total > limit) throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `the body is larger than ${limit} bytes`, { connection: 'close' })
      chunks.push(chunk)
    }
    if (total === 0) return undefined
    const type = req.headers['content-type'] ?? ''
    if (type !== '' && !/^application\/json\b/i.test(type)) {
      throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', `expected Content-Type: application/json, got '${type}'`)
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown
    } catch (err) {
      throw badRequest(`malformed JSON body: ${(err as Error).message}`)
    }
  }

  /** Writes a JSON response; `body` undefined (or 204) sends no body at all, as `DELETE /pins/{id}` wants. */
  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, head = false): void {
    const empty = status === 204 || body === undefined
    const text = empty ? '' : toJSON(body)
    res.writeHead(status, {
      ...(empty ? {} : { 'content-type': 'application/json; charset=utf-8' }),
      'content-length': Buffer.byteLength(text),
      'cache-control': 'no-store',
      ...headers
    })
    res.end(head ? undefined : text)
  }

  private sendError(res: ServerResponse, err: ApiError): void {
    this.send(res, err.status, err.toJSON(), { ...err.headers })
    if (err.status === 413) res.on('finish', () => { res.req.destroy() })
  }
}
