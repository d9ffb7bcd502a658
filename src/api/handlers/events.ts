// `GET /events`: server-sent events of ledger events, challenge results, epoch changes and mirroring
// progress, with heartbeat comments. Every client is ended when the server closes. Streams are bounded
// per caller (the bearer token, or one dashboard session: 429 beyond MAX_SSE_PER_CLIENT) and in all
// (503 beyond MAX_SSE_CLIENTS), so one caller cannot hold every slot or exhaust the daemon's sockets.
import type { ServerResponse } from 'node:http'
import { MAX_SSE_CLIENTS, MAX_SSE_PER_CLIENT } from '../constants.js'
import { ApiError } from '../errors.js'
import { toJSON } from '../json.js'
import type { RequestContext, Router } from '../router.js'
import type { FavorService, FavorServiceEventName } from '../service.js'
import { checkQuery } from '../validate.js'

/** SSE event names, by service event. */
const NAMES: Readonly<Record<FavorServiceEventName, string>> = {
  'ledger-event': 'ledger',
  epoch: 'epoch',
  challenge: 'challenge',
  'mirror-progress': 'mirror'
}

export class EventStream {
  private readonly clients = new Set<ServerResponse>()
  /** Open streams per caller identity. */
  private readonly perClient = new Map<string, number>()
  private nextId = 1
  private heartbeat: NodeJS.Timeout | null = null
  private readonly unsubscribe: (() => void)[] = []
  private closed = false

  constructor(
    private readonly service: FavorService,
    private readonly heartbeatMs: number,
    private readonly maxClients = MAX_SSE_CLIENTS,
    private readonly maxPerClient = MAX_SSE_PER_CLIENT
  ) {
    const s = service as unknown as {
      on(event: FavorServiceEventName, listener: (e: unknown) => void): unknown
      off(event: FavorServiceEventName, listener: (e: unknown) => void): unknown
    }
    for (const event of Object.keys(NAMES) as FavorServiceEventName[]) {
      const listener = (e: unknown): void => { this.broadcast(NAMES[event], e) }
      s.on(event, listener)
      this.unsubscribe.push(() => { s.off(event, listener) })
    }
  }

  get size(): number {
    return this.clients.size
  }

  register(router: Router): void {
    router.get('/events', (ctx) => this.subscribe(ctx))
  }

  broadcast(name: string, data: unknown): void {
    if (this.clients.size === 0) return
    const frame = `id: ${this.nextId++}\nevent: ${name}\ndata: ${toJSON(data ?? null)}\n\n`
    for (const res of this.clients) res.write(frame)
  }

  private subscribe(ctx: RequestContext): Promise<'handled'> {
    checkQuery(ctx.url.searchParams, [])
    if (this.closed) throw new ApiError(503, 'SERVICE_UNAVAILABLE', 'the server is closing')
    const held = this.perClient.get(ctx.client) ?? 0
    if (held >= this.maxPerClient) {
      throw new ApiError(429, 'TOO_MANY_REQUESTS', `this client already holds ${held} event streams (at most ${this.maxPerClient}); close one first`, { 'retry-after': '5' })
    }
    if (this.clients.size >= this.maxClients) throw new ApiError(503, 'SERVICE_UNAVAILABLE', `too many event-stream clients (${this.maxClients})`, { 'retry-after': '5' })
    const { res, req } = ctx
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no'
    })
    res.write(`retry: 2000\nevent: hello\ndata: ${toJSON({ account: this.service.account, networkKey: this.service.networkKey, time: Date.now() })}\n\n`)
    this.clients.add(res)
    this.perClient.set(ctx.client, held + 1)
    this.startHeartbeat()
    const drop = (): void => {
      if (!this.clients.delete(res)) return
      const n = (this.perClient.get(ctx.client) ?? 1) - 1
      if (n <= 0) this.perClient.delete(ctx.client)
      else this.perClient.set(ctx.client, n)
      if (this.clients.size === 0) this.stopHeartbeat()
    }
    req.on('close', drop)
    res.on('close', drop)
    res.on('error', drop)
    return Promise.resolve('handled')
  }

  private startHeartbeat(): void {
    if (this.heartbeat !== null) return
    this.heartbeat = setInterval(() => {
      for (const res of this.clients) res.write(`: heartbeat ${Date.now()}\n\n`)
    }, this.heartbeatMs)
    this.heartbeat.unref()
  }

  private stopHeartbeat(): void {
    if (this.heartbeat !== null) clearInterval(this.heartbeat)
    this.heartbeat = null
  }

  /** Unsubscribes from the service and ends every client. */
  close(): void {
    if (this.closed) return
    this.closed = true
    for (const u of this.unsubscribe) u()
    this.stopHeartbeat()
    for (const res of this.clients) res.end()
    this.clients.clear()
    this.perClient.clear()
  }
}
