// Diagnosis of a stalled final version: Autobase's signing internals on one node (private fields, read
// only; for failure messages).
import type { Ledger } from '../../src/ledger/index.js'

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return */
export async function ledgerDiag(ledger: Ledger, warnings: string[]): Promise<unknown> {
  const b = ledger.base as any
  const s = b._applyState
  const hex = (k: any): string => (k ? Buffer.from(k).toString('hex').slice(0, 8) : String(k))
  const out: Record<string, unknown> = {
    local: hex(b.local.key),
    sys: { length: b.core.length, signed: b.core.signedLength, key: hex(b.core.key) },
    view: { length: ledger.view.core.length, signed: ledger.view.core.signedLength, key: hex(ledger.view.core.key) },
    ff: { fastForwarding: b.fastForwarding !== null, fastForwardTo: b.fastForwardTo !== null, failedAt: b.fastForwardFailedAt, isFF: b.isFastForwarding() },
    fastForwards: ledger.fastForwards,
    interrupted: b.interrupted !== null && b.interrupted !== undefined,
    warnings: warnings.slice(-5),
    base: { closed: b.closed, closing: b.closing, paused: b.paused, draining: b._draining, caughtup: b._caughtup, interrupting: b._interrupting, acking: b._acking, appending: b._appending !== null, updating: b.updating },
    writers: [...b.activeWriters].map((w: any) => ({
      key: hex(w.core.key), len: w.length, avail: w.available, seen: w.seenLength, active: w.isActive, coreLen: w.core.length, contig: w.core.contiguousLength, idx: w.isActiveIndexer, removed: w.isRemoved,
      peers: w.core.peers.map((p: any) => p.remoteLength)
    })),
    linearizer: { indexers: b.linearizer?.indexers?.length, tails: b.linearizer?.tails?.size }
  }
  if (s) {
    out.state = {
      indexedLength: s.indexedLength, quorum: s.quorum, needsIdx: s.needsIndexedLengthUpdate,
      pending: s.pendingViews ? s.pendingViews.map((v: any) => v ? v.length : null) : null,
      dirty: s.dirty, interrupted: s.interrupted, systemKey: hex(s.system?.core?.key),
      checkpoints: s.checkpoints.map((c: any) => ({
        signer: c.signer, coreLen: c.core.length, coreContig: c.core.contiguousLength, len: c.length, paused: c.paused, closed: c.closed,
        digest: c.digest ? hex(c.digest.key) : null, sys: c.signatures.system?.length, user: c.signatures.user.map((u: any) => u ? u.length : null)
      })),
      views: s.views.map((v: any) => ({ name: v.name, key: hex(v.key), length: v.length, mapped: v.mappedIndex, coreLen: v.core?.length, coreSigned: v.core?.signedLength, coreKey: hex(v.core?.key) }))
    }
    try {
      const info = await s.system.getIndexedInfo(s.indexedLength)
      out.indexedInfo = { views: info.views.map((v: any) => ({ key: hex(v.key), length: v.length })), indexers: info.indexers.map((i: any) => hex(i.key)) }
    } catch (err) {
      out.indexedInfo = String(err)
    }
  }
  return out
}
