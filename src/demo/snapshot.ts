// A plain, structured-clone-safe picture of the ledger for the demo's epoch-by-epoch view.
import type { FavorNode } from '../node.js'
import { getMeta, getEpoch, listAccounts, listAgreements, reputationPpm, type Agreement, type EpochSummary } from '../ledger/index.js'

export interface AccountSnap {
  id: string
  balance: bigint
  heldBack: bigint
  given: bigint
  received: bigint
  reputationPpm: number
}

export interface LedgerSnapshot {
  epoch: number
  agreements: Agreement[]
  accounts: AccountSnap[]
  lastSummary: EpochSummary | null
}

export async function ledgerSnapshot(node: FavorNode): Promise<LedgerSnapshot> {
  const kv = node.ledger.kv
  const meta = await getMeta(kv)
  const epoch = meta?.epoch ?? 0
  const prev = epoch > 1 ? await getEpoch(kv, epoch - 1) : null
  return {
    epoch,
    agreements: await listAgreements(kv),
    accounts: (await listAccounts(kv)).map((a) => ({
      id: a.id, balance: a.balance, heldBack: a.heldBack, given: a.given, received: a.received, reputationPpm: reputationPpm(a)
    })),
    lastSummary: prev?.summary ?? null
  }
}
