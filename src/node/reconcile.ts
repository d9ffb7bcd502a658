// The `reconcile` task: brings the roles in line with the ledger view — the hoster's offer, reservations
// and opened cores, the publisher's `grow`, the attestor's plan for the epoch — and notes a new epoch.
// Each run schedules the next background one (`pollMs` later, src/node-runtime.ts).
import { getEpoch, getMeta, type LedgerKV } from '../ledger/index.js'
import type { EpochInfo } from './types.js'

export interface ReconcileComponents {
  /** The ledger view now. */
  kv(): LedgerKV
  hoster: { reconcile(kv: LedgerKV): Promise<void> }
  publisher: { reconcile(kv: LedgerKV): Promise<void> }
  /** null when this node does not attest. */
  attestor(): { plan(epoch: number): Promise<void> } | null
  emitEpoch(e: EpochInfo): void
  /** True once the node began closing: a run stops between steps. */
  closing(): boolean
  schedulePoll(): void
}

export class Reconciler {
  private lastEpoch = -1
  constructor(private readonly c: ReconcileComponents) {}

  /** One run of the task; the next background run is scheduled whatever this one did. */
  async run(): Promise<void> {
    try {
      await this.reconcile()
    } finally {
      if (!this.c.closing()) this.c.schedulePoll()
    }
  }

  private async reconcile(): Promise<void> {
    const kv = this.c.kv()
    const meta = await getMeta(kv)
    if (meta === null) return
    if (meta.epoch !== this.lastEpoch) {
      this.lastEpoch = meta.epoch
      const rec = meta.epoch > 0 ? await getEpoch(kv, meta.epoch) : null
      this.c.emitEpoch({ epoch: meta.epoch, time: rec?.time ?? 0 })
    }
    if (this.c.closing()) return
    await this.c.hoster.reconcile(kv)
    if (this.c.closing()) return
    await this.c.publisher.reconcile(kv)
    if (this.c.closing()) return
    await this.c.attestor()?.plan(meta.epoch)
  }
}
