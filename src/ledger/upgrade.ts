// Contract versions. The network records the contract version it was created with (meta.contractVersion)
// and at most one scheduled upgrade (meta.upgrade). `upgrade {contractVersion, fromEpoch}` is an
// indexer's vote; a strict majority of the current indexers voting for the same (version, epoch)
// schedules it. From `fromEpoch` on (the tick that starts that epoch still runs the old rules), the
// version in force is the new one: a node whose code does not know it stops applying (apply throws
// ContractVersionError before it decodes the op) instead of applying rules it does not have.
//
// A future version's code must apply every op before its fromEpoch exactly as this code does (the frozen
// fixtures in test/ledger/fixtures guard that), and may change anything from fromEpoch on.
import { KNOWN_CONTRACT_VERSIONS } from './constants.js'
import { reject } from './context.js'
import type { Ctx } from './context.js'
import { ContractVersionError, RejectCode } from './errors.js'
import type { OpOf } from './ops.js'
import type { Account, Hex, NetworkMeta } from './state.js'
import { majority } from './state.js'

/** Votes for one (version, fromEpoch), under `meta/proposal/upgrade/<version>-<fromEpoch>`. */
export interface UpgradeProposal {
  contractVersion: number
  fromEpoch: number
  votes: Hex[]
}

export const upgradeKey = (contractVersion: number, fromEpoch: number): string => `meta/proposal/upgrade/${contractVersion}-${fromEpoch}`

/** The contract version that governs the next op applied on a ledger with this meta. */
export function versionInForce(meta: NetworkMeta): { contractVersion: number; fromEpoch: number } {
  const u = meta.upgrade
  if (u !== null && meta.epoch >= u.fromEpoch) return u
  return { contractVersion: meta.contractVersion, fromEpoch: 0 }
}

/** Throws ContractVersionError when `contractVersion` is not one this code can apply. */
export function requireKnownVersion(contractVersion: number, fromEpoch: number, known: readonly number[] = KNOWN_CONTRACT_VERSIONS): void {
  if (!known.includes(contractVersion)) throw new ContractVersionError(contractVersion, known, fromEpoch)
}

/** `upgrade`: one indexer's vote; scheduled (meta.upgrade) at a strict majority of the current indexers. */
export async function upgradeVote(ctx: Ctx, author: Account, op: OpOf<'upgrade'>): Promise<void> {
  if (!author.indexer) reject(RejectCode.NOT_INDEXER, 'only indexers vote on upgrades')
  const m = ctx.meta
  if (m.upgrade !== null) reject(RejectCode.UPGRADE_PENDING, `an upgrade to version ${m.upgrade.contractVersion} from epoch ${m.upgrade.fromEpoch} is already scheduled`)
  if (op.contractVersion <= m.contractVersion) reject(RejectCode.UPGRADE_NOT_NEWER, `contract version ${op.contractVersion} is not above the version in force (${m.contractVersion})`)
  if (op.fromEpoch <= m.epoch) reject(RejectCode.UPGRADE_EPOCH_PAST, `fromEpoch ${op.fromEpoch} is not after the current epoch ${m.epoch}`)
  const key = upgradeKey(op.contractVersion, op.fromEpoch)
  const prop = (await ctx.tx.get<UpgradeProposal>(key)) ?? { contractVersion: op.contractVersion, fromEpoch: op.fromEpoch, votes: [] }
  if (prop.votes.includes(author.id)) reject(RejectCode.DUPLICATE_VOTE, 'duplicate vote')
  prop.votes.push(author.id)
  prop.votes.sort()
  const votes = prop.votes.filter((v) => m.indexers.includes(v)).length
  const needed = majority(m.indexers.length)
  ctx.event({ type: 'upgrade-vote', contractVersion: op.contractVersion, fromEpoch: op.fromEpoch, votes, needed })
  if (votes < needed) {
    ctx.tx.set(key, prop)
    return
  }
  ctx.tx.delete(key)
  m.upgrade = { contractVersion: op.contractVersion, fromEpoch: op.fromEpoch }
  ctx.touchMeta()
  ctx.event({ type: 'upgrade-scheduled', contractVersion: op.contractVersion, fromEpoch: op.fromEpoch })
}
