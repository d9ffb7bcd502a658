// Matching rounds (DESIGN §3: matching is not tied to epochs). Billing, settlement and attestor selection
// stay per epoch; only the matching of pending slots to hosters also runs between epoch starts.
//
// Randomness. An indexer's tick for epoch e commits to H^R(secret_{e+1}), R = roundsPerEpoch + 1
// (beacon.ts). While e is current, its `round` ops reveal that chain's links one at a time, in order —
// link i = H^(R−i)(secret_{e+1}), i = 1..roundsPerEpoch —, each checked by hashing it once to the link
// revealed before (or to the commitment); the tick that starts e+1 reveals the secret itself (link R),
// checked by hashing R times, so the epoch beacon is as before. A round draws its hosters from
// PRNG(beacon_e ‖ link ‖ indexer): nobody but that indexer can compute a link before it is revealed.
// Links cannot be skipped: an indexer free to reveal any later link could look at the pending slots and
// pick, among its hundreds of remaining links, the one whose draw it likes. One at a time, its only choice
// is to run its next round or not (and any indexer may run one), which leaves it the knowledge of its own
// next draw: the limit of per-indexer chains (docs/challenges.md §5).
//
// What a round matches: the requests that got a slot to fill (a new request, a hoster's exit or an agreement
// ended mid-epoch, a new offer re-arming what waits) since the last round that tried them — the fresh queue —,
// and only the entries queued before the round's `upTo`. An honest indexer sets `upTo` from its FINAL view
// (signed by the indexers): a publisher could read a round's link from the indexer's core and then append a
// request that Autobase orders before the round (a concurrent op, if its node claims not to have seen the
// round); a request already final when the round was written was fixed before its link was known. Entries a
// round does not fill leave the queue: they wait for the next strong epoch start (which tries every pending
// request and empties the queue), so a request nobody can host costs one round, not one per round interval.
//
// A refused round changes nothing. An honest indexer's round is refused only as a replay of its last link or
// when the epoch ended under it (its tick then opened the whole chain): no link is left both public and
// unused. (A skipping round is refused after its link went public in the log: only the chain's owner can
// write one, and it knows its links anyway.)
import { checkLink } from './beacon.js'
import type { Ctx } from './context.js'
import { reject } from './context.js'
import { matchRequests } from './epoch.js'
import { InvariantError, RejectCode } from './errors.js'
import type { OpOf } from './ops.js'
import { roundPrng } from './selection.js'
import type { Account, EpochRecord, Hex, RoundChain } from './state.js'
import { keys } from './state.js'

const hex = (b: Uint8Array): Hex => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

/** The last link `author` revealed of the chain it committed to for epoch e + 1: its commitment at index 0. */
async function lastLink(ctx: Ctx, author: Account, e: number): Promise<{ index: number; link: Hex }> {
  const prev = await ctx.tx.get<RoundChain>(keys.round(author.id))
  return prev !== null && prev.epoch === e && prev.commit === author.commit ? prev : { index: 0, link: author.commit }
}

/** `round {epoch, index, link, upTo}` (an indexer): reveal the next link, match the fresh slots with it. */
export async function round(ctx: Ctx, author: Account, op: OpOf<'round'>): Promise<void> {
  if (!author.indexer) reject(RejectCode.NOT_INDEXER, 'only indexers run matching rounds')
  const e = ctx.meta.epoch
  const rounds = ctx.meta.params.roundsPerEpoch
  if (e < 1 || op.epoch !== e) reject(RejectCode.ROUND_WRONG_EPOCH, `round for epoch ${op.epoch}, current is ${e}`)
  if (op.index < 1 || op.index > rounds) reject(RejectCode.ROUND_INDEX_INVALID, rounds === 0 ? 'this network has no matching rounds' : `round index must be 1..${rounds} (the last link is the tick's reveal)`)
  if (author.commit === '' || author.commitEpoch !== e + 1) reject(RejectCode.ROUND_NO_CHAIN, `no hash chain committed for epoch ${e + 1}`)
  const last = await lastLink(ctx, author, e)
  if (op.index <= last.index) reject(RejectCode.ROUND_STALE, `link ${op.index} is not after link ${last.index}, already revealed`)
  if (op.index !== last.index + 1) reject(RejectCode.ROUND_SKIP, `link ${op.index} skips link ${last.index + 1}: links are revealed one at a time`)
  if (!checkLink(Buffer.from(last.link, 'hex'), op.link, 1)) reject(RejectCode.ROUND_LINK_MISMATCH, `link ${op.index} does not hash to link ${last.index} of the committed chain`)
  const chain: RoundChain = { epoch: e, commit: author.commit, index: op.index, link: hex(op.link) }
  ctx.tx.set(keys.round(author.id), chain)

  const q = await ctx.fresh()
  const upTo = Math.min(op.upTo, q.next)
  const due = q.entries.filter(([, pos]) => pos < upTo).map(([id]) => id)
  if (due.length > 0) {
    q.entries = q.entries.filter(([, pos]) => pos >= upTo)
    ctx.tx.set(keys.fresh, q)
  }
  const rec = await ctx.tx.get<EpochRecord>(keys.epoch(e))
  if (rec === null || !rec.started) throw new InvariantError(`epoch ${e} has no beacon`)
  const created = await matchRequests(ctx, roundPrng(Buffer.from(rec.beacon, 'hex'), op.link, Buffer.from(author.id, 'hex')), due.sort((a, b) => a - b))
  ctx.event({ type: 'round', epoch: e, indexer: author.id, index: op.index, tried: due.length, created })
}

/**
 * `offer` (a new hoster, more capacity, a return from withdrawal) re-arms every pending request: the next
 * round tries them again instead of the next epoch start.
 */
export async function rearmPending(ctx: Ctx): Promise<void> {
  const ids = (await ctx.pending()).sorted()
  if (ids.length === 0) return
  const q = await ctx.fresh()
  const rearmed = new Set(ids)
  q.entries = q.entries.filter(([id]) => !rearmed.has(id))
  for (const id of ids) q.entries.push([id, q.next++])
  ctx.tx.set(keys.fresh, q)
}
