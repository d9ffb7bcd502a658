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
  /** Total wall time of the challenge (connect + answer + verify), ms. */
  latencyMs: number
  latencyP50Ms: number
  latencyP99Ms: number
  connectMs: number | null
  errorCode: string | null
  evidenceHash: string
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
