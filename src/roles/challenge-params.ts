// What the hoster's responder needs to answer one challenge, read from THIS node's ledger view: the
// attestation record of (epoch, agreement) — challenged length, samples, selected attestors, the node key
// it was recorded for —, the epoch's beacon, the network id and the core. The responder itself never
// reads the ledger (src/protocol stays independent of it).
import { getAgreement, getAttestation, getBeacon, getNetworkId } from '../ledger/index.js'
import type { Attestation, LedgerKV } from '../ledger/index.js'
import { PREPARE_ALLOWANCE_MS } from '../protocol/index.js'
import type { ChallengeParams, RefusalCode } from '../protocol/index.js'
import type { RoleContext } from './context.js'

/**
 * How long to wait for our own view to catch up with the attestor's (it saw the epoch start first): as
 * long as the attestor waits for the first pong after its intent, when the lookup happens before the nonce.
 */
const CATCH_UP_MS = PREPARE_ALLOWANCE_MS

type Answer = ChallengeParams | { refuse: RefusalCode; message: string }

/** The ledger's next `update`: one listener per ledger, however many lookups wait for it at once. */
const updates = new WeakMap<RoleContext['ledger'], Promise<void>>()
function ledgerUpdate(ledger: RoleContext['ledger']): Promise<void> {
  let next = updates.get(ledger)
  if (next === undefined) {
    next = new Promise<void>((resolve) => {
      const done = (): void => {
        ledger.off('update', done)
        updates.delete(ledger)
        resolve()
      }
      ledger.on('update', done)
    })
    updates.set(ledger, next)
  }
  return next
}

/**
 * The ledger's next update, or `ms` — a real wait. Awaiting `ledger.update()` here instead made a loop
 * that never yielded to the event loop when nothing was pending and the read came from memory: the node
 * froze for all of CATCH_UP_MS, and so did the replication that would have brought the record (seen in
 * the soak as a hoster not running for 3 s; test/roles/challenge-params.test.ts). Every waiting lookup
 * shares one listener (with a listener each, a dozen intents at an epoch's start tripped Node's
 * MaxListenersExceededWarning).
 */
function nextUpdate(ledger: RoleContext['ledger'], ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms)
    void ledgerUpdate(ledger).then(() => {
      clearTimeout(timer)
      resolve()
    })
  })
}

async function fromView(kv: LedgerKV, att: Attestation, q: { agreementId: number; epoch: number; attestorKey: Uint8Array }, nodeKey: string): Promise<Answer> {
  if (att.nodeKey !== nodeKey) return { refuse: 'UNKNOWN_CHALLENGE', message: `agreement ${q.agreementId} is not challenged on this node key in epoch ${q.epoch}` }
  if (!att.attestors.includes(Buffer.from(q.attestorKey).toString('hex'))) return { refuse: 'NOT_SELECTED', message: `not a selected attestor of agreement ${q.agreementId} in epoch ${q.epoch}` }
  const [agreement, beacon, networkId] = await Promise.all([getAgreement(kv, q.agreementId), getBeacon(kv, q.epoch), getNetworkId(kv)])
  if (agreement === null || beacon === null || networkId === null) return { refuse: 'UNKNOWN_CHALLENGE', message: 'the ledger view lacks the agreement, the beacon or the network id' }
  return { networkId, beacon, coreKey: Buffer.from(agreement.coreKey, 'hex'), length: att.length, samples: att.samples }
}

/** The responder's `params` lookup for a node. */
export async function challengeParams(ctx: Pick<RoleContext, 'ledger' | 'nodeKeyPair'>, q: { agreementId: number; epoch: number; attestorKey: Uint8Array }): Promise<Answer> {
  const nodeKey = ctx.nodeKeyPair.publicKey.toString('hex')
  const deadline = Date.now() + CATCH_UP_MS
  for (;;) {
    const kv = ctx.ledger.kv
    const att = await getAttestation(kv, q.epoch, q.agreementId)
    if (att !== null) return fromView(kv, att, q, nodeKey)
    const left = deadline - Date.now()
    if (left <= 0) return { refuse: 'UNKNOWN_CHALLENGE', message: `no attestation record for agreement ${q.agreementId} in epoch ${q.epoch}` }
    await nextUpdate(ctx.ledger, Math.min(left, 250))
  }
}
