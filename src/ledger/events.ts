// What apply tells its caller besides state: membership changes the Autobase binding must execute and
// events for the node (roles, API, dashboard).
import type { Outcome } from './ops.js'
import type { EndReason, EpochSummary, Hex, RequestState } from './state.js'

export type MembershipEffect = { addWriter: Buffer; indexer: boolean } | { removeWriter: Buffer }

export type LedgerEvent =
  | { type: 'network-initialised'; admin: Hex }
  | { type: 'writer-added'; writer: Hex; indexer: boolean; by: Hex }
  | { type: 'indexer-vote'; kind: 'add-indexer' | 'remove-indexer'; target: Hex; votes: number; needed: number }
  | { type: 'indexer-changed'; indexer: Hex; added: boolean }
  /** The contract removed an indexer that ticked none of the last indexerSilentEpochs epochs. */
  | { type: 'indexer-silent'; indexer: Hex; epoch: number; lastTickEpoch: number }
  | { type: 'offer-updated'; hoster: Hex; capacityBytes: number }
  | { type: 'offer-withdrawn'; hoster: Hex }
  | { type: 'request-created'; requestId: number; publisher: Hex }
  | { type: 'request-ended'; requestId: number; state: RequestState }
  | { type: 'request-grown'; requestId: number; coreKey: Hex; length: number; byteLength: number; fork: number }
  /** prove-size: the core's declared byteLength was wrong; `exact` when proven at the recorded length (else an upper bound). */
  | { type: 'size-corrected'; requestId: number; coreKey: Hex; length: number; declared: number; byteLength: number; exact: boolean; by: Hex }
  | { type: 'agreement-created'; agreementId: number; requestId: number; hoster: Hex; coreKey: Hex; replaces: number }
  | { type: 'agreement-active'; agreementId: number; hoster: Hex }
  | { type: 'agreement-paused'; agreementId: number; publisher: Hex }
  | { type: 'agreement-resumed'; agreementId: number; publisher: Hex }
  | { type: 'agreement-warning'; agreementId: number; hoster: Hex; outcome: Outcome; failStreak: number }
  | { type: 'agreement-exiting'; agreementId: number; hoster: Hex }
  | { type: 'agreement-ended'; agreementId: number; hoster: Hex; reason: EndReason }
  | { type: 'tick'; epoch: number; indexer: Hex; withheld: boolean }
  /** A matching round: `tried` requests from the fresh queue, `created` agreements. */
  | { type: 'round'; epoch: number; indexer: Hex; index: number; tried: number; created: number }
  /** `weak`: fewer reveals than a majority of indexers; no matching, no attestor selection this epoch. */
  | { type: 'epoch-started'; epoch: number; time: number; beacon: Hex; attested: number; weak: boolean; withheld: number }
  | { type: 'epoch-settled'; epoch: number; summary: EpochSummary }
  /** `results` accepted; `refused` results recorded with a RejectCode (counted against the attestor). */
  | { type: 'report-accepted'; epoch: number; attestor: Hex; results: number; refused: number }
  | { type: 'result-refused'; epoch: number; attestor: Hex; agreementId: number; code: string }
  | { type: 'agreement-acknowledged'; agreementId: number; hoster: Hex; length: number; byteLength: number; fork: number }
  | { type: 'transfer'; from: Hex; to: Hex; amount: bigint }
  | { type: 'sponsor-line'; sponsor: Hex; to: Hex; line: bigint }
  /** An indexer voted for a contract upgrade; `scheduled` once a majority did. */
  | { type: 'upgrade-vote'; contractVersion: number; fromEpoch: number; votes: number; needed: number }
  | { type: 'upgrade-scheduled'; contractVersion: number; fromEpoch: number }
  | { type: 'invite-created'; sponsor: Hex; credit: bigint; expiresEpoch: number }
  | { type: 'invite-redeemed'; sponsor: Hex; writer: Hex; relayedBy: Hex }

export interface Effects {
  membership: MembershipEffect[]
  events: LedgerEvent[]
}
