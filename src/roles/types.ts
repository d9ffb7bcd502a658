// Plain data the roles report (JSON-safe except where noted), shared by FavorNode, the API and the demo.
import type { Outcome } from '../ledger/index.js'

/** One challenge this node ran as an attestor. */
export interface ChallengeRecord {
  epoch: number
  agreementId: number
  hoster: string
  hosterNodeKey: string
  coreKey: string
  outcome: Outcome
  samples: number
  /** Total wall time of the challenge (connect + round trip + answer + verify), ms. */
  latencyMs: number
  latencyP50Ms: number
  latencyP99Ms: number
  /** The round trip subtracted from the response time (min of the pings, capped), ms. */
  rttMs: number
  connectMs: number | null
  /** Intent sent → first pong, ms: how long the hoster took to find the challenge in its view, before the nonce. */
  readyMs: number | null
  /** The attestor's own longest event-loop stall while it waited for the answer, ms. */
  ownLagMs: number
  /** JudgementCode (src/proof/receipt.ts): why slow/unreachable; 0 for pass and missing. */
  code: number
  /** Why, as a stable code (e.g. NOT_HELD, FORK_MISMATCH, CLOSED_AFTER_REQUEST), or null for a clean pass. */
  errorCode: string | null
  /** The challenge's nonce (hex): with the beacon it fixes the challenged indices. */
  nonce: string
  /** Wall-clock ms when it finished. */
  at: number
}

/** A hosted core's mirroring state on this node. */
export interface MirrorProgress {
  agreementId: number
  coreKey: string
  /** Blocks held contiguously from 0. */
  have: number
  /** Blocks the agreement records (the publisher's latest grow). */
  length: number
  /** Blocks the local copy knows of (may exceed `length` while a grow is not yet recorded). */
  knownLength: number
  state: 'mirroring' | 'ready-posted' | 'active' | 'exiting' | 'ended' | 'dropped'
}

export interface PublishOptions {
  replicas: number
  /** Last epoch hosted (inclusive). Default: current epoch + 100,000. */
  until?: number
  /** Micro-favor per GiB-hour the publisher accepts. Default: the network price. */
  maxPrice?: bigint
  /** How long to wait for a peer to serve a core this node does not hold, ms. Default 15 s. */
  findTimeoutMs?: number
}

export interface OfferOptions {
  capacityBytes: number
  /** Operator / failure domain; '' = this node is its own group. */
  group?: string
}
