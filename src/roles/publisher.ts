// Publisher: posts hosting requests for its cores, keeps serving its own cores while online, and
// posts `grow` when a published core grows (billing and challenges follow the recorded length).
import { currentEpoch, getParams, listRequests, type LedgerKV } from '../ledger/index.js'
import type { Core, PeerDiscovery } from '../stack/index.js'
import type { RoleContext } from './context.js'
import { toError } from './context.js'
import type { PublishOptions } from './types.js'

/** Default request lifetime, epochs. */
const DEFAULT_UNTIL_EPOCHS = 100_000

export class Publisher {
  private readonly ctx: RoleContext
  /** Cores this node serves as their publisher (its own writable cores, or cores it published). */
  private readonly served = new Map<string, { core: Core; discovery: PeerDiscovery; onAppend: () => void }>()
  private readonly growPending = new Set<string>()
  private closed = false
  private restored = false

  constructor(ctx: RoleContext) {
    this.ctx = ctx
  }

  async localCore(name: string): Promise<Core> {
    const core = this.ctx.store.namespace('favor/local').get({ name })
    await core.ready()
    return core
  }

  /** Announces a core on its discovery key and follows its growth. */
  serve(core: Core): void {
    const hex = core.key.toString('hex')
    if (this.served.has(hex) || this.closed) return
    const discovery = this.ctx.swarm.join(core.discoveryKey, { server: true, client: true })
    const onAppend = (): void => { this.growPending.add(hex) }
    core.on('append', onAppend)
    this.served.set(hex, { core, discovery, onAppend })
  }

  async publishCore(core: Core, opts: PublishOptions): Promise<{ requestId: number }> {
    await core.ready()
    this.serve(core)
    await this.ctx.swarm.flush()
    return this.publish(core.key, opts)
  }

  async publish(coreKey: Buffer, opts: PublishOptions): Promise<{ requestId: number }> {
    const hex = coreKey.toString('hex')
    let core = this.served.get(hex)?.core ?? null
    if (core === null) {
      core = this.ctx.store.get({ key: coreKey })
      await core.ready()
      if (core.writable) this.serve(core)
      else {
        this.ctx.swarm.join(core.discoveryKey, { server: true, client: true })
        await core.update({ wait: true })
      }
    }
    if (core.length < 1) throw new Error(`core ${hex} is empty: nothing to publish`)
    const kv = this.ctx.ledger.kv
    const params = await getParams(kv)
    if (params === null) throw new Error('network not initialised yet')
    const epoch = await currentEpoch(kv)
    const before = new Set((await listRequests(kv, { publisher: this.ctx.account })).map((r) => r.id))
    await this.ctx.append({
      type: 'request',
      time: Date.now(),
      cores: [{ key: coreKey, length: core.length, byteLength: core.byteLength }],
      replicas: opts.replicas,
      until: opts.until ?? epoch + DEFAULT_UNTIL_EPOCHS,
      maxPrice: opts.maxPrice ?? params.priceMicroPerGiBHour
    })
    // Our own append applies locally at once; find the new request for this core.
    for (let i = 0; i < 50; i++) {
      const mine = await listRequests(this.ctx.ledger.kv, { publisher: this.ctx.account })
      const found = mine.find((r) => !before.has(r.id) && r.cores.some((c) => c.key === hex))
      if (found) return { requestId: found.id }
      await this.ctx.ledger.update()
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new Error('request was not accepted by the ledger (see rejected ops)')
  }

  /** Posts `grow` for published cores that grew. */
  async reconcile(kv: LedgerKV): Promise<void> {
    if (!this.restored) {
      // After a restart: serve again the cores of our open requests that we can write.
      this.restored = true
      for (const r of await listRequests(kv, { publisher: this.ctx.account })) {
        if (r.state !== 'queued' && r.state !== 'active') continue
        for (const c of r.cores) {
          if (this.served.has(c.key)) continue
          const core = this.ctx.store.get({ key: Buffer.from(c.key, 'hex') })
          await core.ready()
          if (core.writable && core.length > 0) {
            this.serve(core)
            if (core.length > c.length) this.growPending.add(c.key)
          } else {
            await core.close()
          }
        }
      }
    }
    if (this.growPending.size === 0 || !this.ctx.ledger.writable) return
    const pending = [...this.growPending]
    this.growPending.clear()
    const mine = await listRequests(kv, { publisher: this.ctx.account })
    for (const hex of pending) {
      const core = this.served.get(hex)?.core
      if (!core) continue
      for (const r of mine) {
        if (r.state !== 'queued' && r.state !== 'active') continue
        const c = r.cores.find((x) => x.key === hex)
        if (!c || core.length <= c.length) continue
        try {
          await this.ctx.append({ type: 'grow', time: Date.now(), requestId: r.id, coreKey: core.key, length: core.length, byteLength: core.byteLength })
        } catch (err) {
          this.growPending.add(hex)
          this.ctx.emitWarning(toError(err))
        }
      }
    }
  }

  close(): Promise<void> {
    this.closed = true
    for (const { core, onAppend } of this.served.values()) core.off('append', onAppend)
    this.served.clear()
    return Promise.resolve()
  }
}
