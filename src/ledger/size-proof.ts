// `prove-size` (contract version 2): the declared byte length of a hosted core, checked against the
// core's own signature. A request (and every `grow`) declares each core's (length, byteLength, fork);
// billing, offer capacity and the proven capacity that vets a hoster (docs/sybil.md) all count that
// byteLength. Nothing else checks it, so a publisher colluding with a hoster could declare a few KiB as a
// PiB and buy the hoster "proven" capacity with favor. A block proof carries the signed tree's full
// roots, whose sizes the core's key signs: their sum is the core's byte length at the proof's length.
// Anyone admitted may submit one (hosters check before `ready`, attestors after a challenge): at
// exactly the recorded length it fixes byteLength; at a longer signed length of the same fork it bounds
// it from above (a core never loses bytes by growing on one fork). Pure, deterministic, no I/O.
import { ProofError } from '../proof/errors.js'
import { verifyBlockProofs } from '../proof/verify.js'
import { addWarning, reject } from './context.js'
import type { Ctx } from './context.js'
import { RejectCode } from './errors.js'
import type { OpOf } from './ops.js'
import type { Account, Attestation } from './state.js'
import { keys } from './state.js'

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

/** The warning a publisher carries once a core of its was shown declared at a false size. */
export const FALSE_SIZE_WARNING = 'false-size'

/**
 * What a verified signed tree (length ≥ the recorded one, same fork) says the recorded byte length should
 * be, or null when it does not show the record wrong: at the recorded length it is the tree's byte length;
 * at a longer one it can only be shown too large (a core never loses bytes by growing on one fork).
 */
export function correctedSize(recorded: { length: number; byteLength: number }, proven: { length: number; byteLength: number }): number | null {
  if (proven.length < recorded.length) return null
  const corrected = proven.length === recorded.length ? proven.byteLength : Math.min(recorded.byteLength, proven.byteLength)
  return corrected === recorded.byteLength ? null : corrected
}

export async function proveSize(ctx: Ctx, author: Account, op: OpOf<'prove-size'>): Promise<void> {
  const req = await ctx.request(op.requestId)
  if (req === null) reject(RejectCode.NO_SUCH_REQUEST, 'no such request')
  if (req.state !== 'queued' && req.state !== 'active') reject(RejectCode.REQUEST_ENDED, `request already ${req.state}`)
  const key = hex(op.coreKey)
  const c = req.cores.findIndex((x) => x.key === key)
  const core = req.cores[c]
  if (core === undefined) reject(RejectCode.CORE_NOT_IN_REQUEST, 'core not in request')
  let proven: { length: number; fork: number; byteLength: number }
  try {
    proven = verifyBlockProofs(op.coreKey, { manifest: op.manifest, proofs: [op.proof] }, { minFork: core.fork, minLength: core.length, multiSigner: true })
  } catch (err) {
    if (err instanceof ProofError) reject(RejectCode.SIZE_PROOF_INVALID, `the proof does not hold for this core at fork ${core.fork}, length ≥ ${core.length} (${err.code})`)
    throw err
  }
  // a higher fork is a rewrite the publisher has not recorded yet: it says nothing of the recorded tree
  if (proven.fork !== core.fork) reject(RejectCode.SIZE_PROOF_INVALID, `the proof is of fork ${proven.fork}, the request records fork ${core.fork}`)
  const exact = proven.length === core.length
  const corrected = correctedSize(core, proven)
  if (corrected === null) {
    reject(RejectCode.SIZE_NOT_DISPROVEN, exact
      ? `the declared ${core.byteLength} bytes are the signed tree's at length ${core.length}`
      : `the signed tree at length ${proven.length} holds ${proven.byteLength} bytes, not fewer than the ${core.byteLength} declared at length ${core.length}`)
  }
  const declared = core.byteLength
  core.byteLength = corrected
  ctx.putRequest(req)
  for (const id of req.agreements) {
    const a = await ctx.mustAgreement(id)
    if (a.coreIndex !== c || a.state === 'ended') continue
    const o = await ctx.offer(a.hoster)
    if (o !== null && o.usedBytes - a.byteLength + corrected > o.capacityBytes) {
      // an under-declared core shown larger than the hoster offered: as for a grow past its capacity
      await ctx.endAgreement(a, 'over-capacity')
      continue
    }
    if (o !== null) {
      o.usedBytes = Math.max(0, o.usedBytes - a.byteLength + corrected)
      ctx.putOffer(o)
    }
    a.byteLength = corrected
    a.challengedByteLength = a.challengedLength === a.length && a.challengedFork === a.fork ? corrected : Math.min(a.challengedByteLength, corrected)
    ctx.putAgreement(a)
    // this epoch's attestation bills what it recorded at selection: it must not pay for the false bytes either
    const att = await ctx.tx.get<Attestation>(keys.attest(ctx.meta.epoch, a.id))
    if (att !== null && att.byteLength !== a.challengedByteLength && att.length === a.challengedLength && att.fork === a.challengedFork) {
      att.byteLength = a.challengedByteLength
      ctx.tx.set(keys.attest(ctx.meta.epoch, a.id), att)
    } else if (att !== null && att.byteLength > corrected) {
      att.byteLength = corrected
      ctx.tx.set(keys.attest(ctx.meta.epoch, a.id), att)
    }
  }
  const pub = await ctx.mustAccount(req.publisher)
  addWarning(pub, FALSE_SIZE_WARNING)
  ctx.putAccount(pub)
  ctx.event({ type: 'size-corrected', requestId: req.id, coreKey: key, length: core.length, declared, byteLength: corrected, exact, by: author.id })
}
