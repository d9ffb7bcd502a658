// Keeping a shared folder hosted. The folder's cores are every member's writer and blobs cores and the
// Autobase's system and view cores; one ledger request (kind autobase) covers the cores known when
// hosting starts, and every later set of new cores (a member joined, a member's first file, the view
// cores rotated by a new indexer) is added to that same request with `extend` (contract version 2).
// Under version 1 (no `extend`), or when that request has ended, they become one more request,
// recorded under the same folder. Growth of any covered core is posted as `grow` while this node runs.
import type { Core } from '../stack/index.js'
import type { FolderRecord, FolderRegistry } from './registry.js'
import type { SharedFolder } from './shared-folder.js'

export interface HostingPort {
  /**
   * Host these cores: added to request `into` (v2 `extend`) when given and possible, else one new
   * request of kind autobase. The publisher serves them and posts their growth.
   */
  addCores(cores: Core[], replicas: number, into: number | null): Promise<{ requestId: number }>
  /** The core keys (hex) a request names, or null when the ledger has no such live request. */
  requestCoreKeys(requestId: number): Promise<string[] | null>
  /** Serve a covered core and post its growth (again after a restart; idempotent). */
  follow(core: Core): void
}

/** How long to wait for a peer to tell a remote core's length before leaving it for the next sync. */
const FIND_MS = 3000

export class FolderHosting {
  private readonly cores = new Map<string, Core>()
  private readonly covered = new Map<string, Map<string, number>>()
  private readonly running = new Map<string, Promise<void>>()
  private readonly again = new Set<string>()
  private readonly timers = new Map<string, NodeJS.Timeout>()
  private closed = false

  constructor(private readonly port: HostingPort, private readonly registry: FolderRegistry, private readonly warn: (err: unknown) => void) {}

  coveredBy(r: FolderRecord): Map<string, number> {
    return this.covered.get(r.key) ?? new Map<string, number>()
  }

  /** A sync soon (coalesced): the folder's view changed. */
  kick(r: FolderRecord, f: SharedFolder): void {
    if (r.replicas === null || this.closed || this.timers.has(r.key)) return
    this.timers.set(r.key, setTimeout(() => {
      this.timers.delete(r.key)
      this.sync(r, f).catch((err: unknown) => this.warn(err))
    }, 300))
  }

  /** Requests hosting for the folder's cores no request of it covers yet (one at a time per folder). */
  async sync(r: FolderRecord, f: SharedFolder): Promise<void> {
    const run = this.running.get(r.key)
    if (run !== undefined) {
      this.again.add(r.key)
      return run
    }
    const p = this.syncOnce(r, f).finally(() => {
      this.running.delete(r.key)
      if (this.again.delete(r.key)) this.kick(r, f)
    })
    this.running.set(r.key, p)
    return p
  }

  private async open(f: SharedFolder, key: Buffer): Promise<Core | null> {
    const hex = key.toString('hex')
    let core = this.cores.get(hex)
    if (core === undefined) {
      core = f.store.get({ key })
      this.cores.set(hex, core)
      await core.ready()
    }
    if (core.length === 0 && !core.writable) {
      await Promise.race([core.update({ wait: true }), new Promise((resolve) => setTimeout(resolve, FIND_MS))])
    }
    return core.length > 0 ? core : null
  }

  private async syncOnce(r: FolderRecord, f: SharedFolder): Promise<void> {
    if (r.replicas === null || this.closed) return
    const covered = new Map<string, number>()
    let live: number | null = null
    for (const id of r.requests) {
      const keys = await this.port.requestCoreKeys(id)
      if (keys !== null) live ??= id
      for (const k of keys ?? []) covered.set(k, id)
    }
    this.covered.set(r.key, covered)
    const wanted: Core[] = []
    for (const c of await f.cores()) {
      const hex = c.key.toString('hex')
      if (wanted.some((w) => w.key.equals(c.key))) continue
      if (covered.has(hex)) {
        // after a restart the publisher serves only the cores it writes: follow the others' growth too
        const core = this.cores.get(hex) ?? await this.open(f, c.key)
        if (core !== null) this.port.follow(core)
        continue
      }
      const core = await this.open(f, c.key)
      // an empty core (a member's blobs before its first file) is requested once it has a block
      if (core !== null) wanted.push(core)
    }
    if (wanted.length === 0 || this.closed) return
    const { requestId } = await this.port.addCores(wanted, r.replicas, live)
    if (!r.requests.includes(requestId)) r.requests.push(requestId)
    for (const c of wanted) covered.set(c.key.toString('hex'), requestId)
    await this.registry.save()
  }

  async close(): Promise<void> {
    this.closed = true
    for (const t of this.timers.values()) clearTimeout(t)
    this.timers.clear()
    await Promise.allSettled([...this.running.values()])
    // the cores stay with the publisher, which serves them until the node closes its store
    this.cores.clear()
  }
}
