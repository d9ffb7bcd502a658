// Admission by people who vouch (DESIGN §3, docs/sybil.md): every newcomer has a sponsor — the member
// that admitted it directly (`add-writer`) or whose single-use invite it redeemed (`redeem`). The sponsor
// is recorded on the account with the lineage it belongs to; the newcomer's starting credit is a line
// escrowed from the sponsor's own transferable balance (0 allowed), so the sponsor bears the risk.
import { blake2b } from '../stack/crypto.js'
import { indexAccount } from './account-index.js'
import { newAccount, reject } from './context.js'
import type { Ctx } from './context.js'
import { escrowable } from './credit.js'
import { RejectCode } from './errors.js'
import { reconcileIndexers } from './indexers.js'
import type { OpOf } from './ops.js'
import { Admission } from './ops.js'
import type { Account, Hex, Invite } from './state.js'
import { keys, lineageOf } from './state.js'

const hex = (b: Uint8Array): Hex => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

/** The hash the ledger keeps for an invite secret. */
export function inviteHash(secret: Uint8Array): Buffer {
  return blake2b([Buffer.from('favor/invite/1'), secret])
}

/**
 * A new account vouched for by `sponsor`, with a starting line of `line` escrowed from the sponsor's
 * transferable balance (refused with SPONSOR_LINE_OVER_BALANCE beyond it). Stores both accounts.
 */
export async function sponsoredAccount(ctx: Ctx, sponsor: Account, target: Hex, line: bigint): Promise<Account> {
  const acct = newAccount(target, ctx.meta.params.welcomeCreditMicro, ctx.meta.epoch)
  acct.sponsor = sponsor.id
  // the admin's invitees each start a lineage; everyone else joins the lineage of its sponsor — except on an
  // open network, where the writer that happened to answer a join vouched for nothing: there each starts one
  acct.lineage = sponsor.id === ctx.meta.admin || ctx.meta.params.admission === Admission.open ? '' : lineageOf(sponsor)
  if (line > 0n) {
    const free = await escrowable(ctx, sponsor)
    if (free < line) reject(RejectCode.SPONSOR_LINE_OVER_BALANCE, `a line of ${line} µfavor is more than the sponsor can escrow (${free})`)
    sponsor.balance -= line
    sponsor.sponsoring[target] = line
    acct.lines[sponsor.id] = line
  }
  ctx.putAccount(sponsor)
  ctx.putAccount(acct)
  return acct
}

/** One more admission by `author` in this epoch (open and invite policies); refused past the limit. */
export function countAdmission(ctx: Ctx, author: Account): void {
  const p = ctx.meta.params
  const e = ctx.meta.epoch
  if (author.admitEpoch !== e) {
    author.admitEpoch = e
    author.admitCount = 0
  }
  if (p.admission !== Admission.adminOnly && author.admitCount >= p.admissionsPerEpoch) reject(RejectCode.ADMISSION_RATE_LIMIT, 'admission rate limit reached for this epoch')
  author.admitCount++
  ctx.putAccount(author)
}

/** `invite {hash, credit, expiresEpoch}`: a single-use invite by its author (the future sponsor). */
export async function createInvite(ctx: Ctx, author: Account, op: OpOf<'invite'>): Promise<void> {
  const p = ctx.meta.params
  if (p.admission === Admission.adminOnly && author.id !== ctx.meta.admin) reject(RejectCode.NOT_ADMIN, 'admission is admin-only: only the admin invites')
  if (op.expiresEpoch <= ctx.meta.epoch) reject(RejectCode.INVITE_EXPIRED, `an invite must expire after the current epoch ${ctx.meta.epoch}`)
  const h = hex(op.hash)
  if ((await ctx.tx.get<Invite>(keys.invite(h))) !== null) reject(RejectCode.INVITE_DUPLICATE, 'an invite with this hash exists')
  // checked now (so a sponsor learns at once) and again at redemption, when the line is escrowed
  const free = await escrowable(ctx, author)
  if (free < op.credit) reject(RejectCode.SPONSOR_LINE_OVER_BALANCE, `a line of ${op.credit} µfavor is more than you can escrow (${free})`)
  countAdmission(ctx, author)
  const inv: Invite = { hash: h, sponsor: author.id, credit: op.credit, createdEpoch: ctx.meta.epoch, expiresEpoch: op.expiresEpoch, usedBy: '', usedEpoch: 0 }
  ctx.tx.set(keys.invite(h), inv)
  ctx.event({ type: 'invite-created', sponsor: author.id, credit: op.credit, expiresEpoch: op.expiresEpoch })
}

/** `redeem {writerKey, secret}`: any writer relays the newcomer's secret; the invite's author is the sponsor. */
export async function redeemInvite(ctx: Ctx, author: Account, op: OpOf<'redeem'>): Promise<void> {
  const target = hex(op.writerKey)
  const h = inviteHash(op.secret).toString('hex')
  const inv = await ctx.tx.get<Invite>(keys.invite(h))
  if (inv === null) reject(RejectCode.INVITE_INVALID, 'no such invite (check the code)')
  if (inv.usedBy !== '') reject(RejectCode.INVITE_USED, `invite already used (epoch ${inv.usedEpoch})`)
  if (ctx.meta.epoch > inv.expiresEpoch) reject(RejectCode.INVITE_EXPIRED, `invite expired after epoch ${inv.expiresEpoch}`)
  if ((await ctx.account(target)) !== null) reject(RejectCode.ALREADY_MEMBER, 'already a member')
  const sponsor = await ctx.mustAccount(inv.sponsor)
  const acct = await sponsoredAccount(ctx, sponsor, target, inv.credit)
  inv.usedBy = target
  inv.usedEpoch = ctx.meta.epoch
  ctx.tx.set(keys.invite(h), inv)
  await indexAccount(ctx, acct)
  ctx.effects.membership.push({ addWriter: Buffer.from(op.writerKey), indexer: false })
  ctx.event({ type: 'writer-added', writer: target, indexer: false, by: inv.sponsor })
  ctx.event({ type: 'invite-redeemed', sponsor: inv.sponsor, writer: target, relayedBy: author.id })
  await reconcileIndexers(ctx, 'auto')
}
