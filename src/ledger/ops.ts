// The ledger's ops: their TypeScript shapes and type tags. The binary codec is in codec.ts.
// Every op carries the author's claimed wall time (`time`, ms since the Unix epoch); the contract
// records it but never trusts it for anything but the tick median.

/** Admission policy for `add-writer`. */
export const Admission = { open: 0, adminOnly: 1 } as const
export type AdmissionPolicy = (typeof Admission)[keyof typeof Admission]

/** Parameters fixed at genesis. Units in the names; defaults in constants.ts. */
export interface NetworkParams {
  /** Seconds billed per epoch. */
  epochSeconds: number
  /** Micro-favor per GiB-hour. */
  priceMicroPerGiBHour: bigint
  /** Micro-favor of credit each new account gets. */
  welcomeCreditMicro: bigint
  /** Attestors per agreement per epoch. */
  attestors: number
  /** Samples per attestor per agreement per epoch. */
  samples: number
  /** Hoster share of a payment, ppm. */
  hosterSharePpm: number
  /** Held-back part of the hoster share, ppm. */
  heldBackPpm: number
  /** Clean epochs after which the held-back share is released. */
  heldBackEpochs: number
  /** Passing epochs before a hoster is vetted. */
  unvettedEpochs: number
  /** Consecutive failing epochs that end an agreement. */
  failingEpochsToRepair: number
  /** Consecutive paused epochs that end an agreement. */
  pausedEpochsToEnd: number
  /**
   * Epochs a matched hoster has to post `ready`: an agreement created at the start of epoch c that is still
   * pinning when epoch c + pinningEpochs starts ends as `not-ready` and its slot is re-matched elsewhere.
   */
  pinningEpochs: number
  /** Admission policy (Admission.open or Admission.adminOnly). */
  admission: AdmissionPolicy
  /** Writers one writer may admit per epoch (open policy). */
  admissionsPerEpoch: number
  /** Reputation forgetting factor, ppm. */
  reputationDecayPpm: number
}

export type Outcome = 'pass' | 'missing' | 'slow' | 'unreachable'
export const OUTCOMES: readonly Outcome[] = ['pass', 'missing', 'slow', 'unreachable']

export interface CoreSpec {
  /** Hypercore public key, 32 bytes. */
  key: Uint8Array
  /** Blocks. */
  length: number
  /** Bytes. */
  byteLength: number
}

export interface ReportResult {
  agreementId: number
  outcome: Outcome
  /** Samples challenged. */
  samples: number
  latencyP50Ms: number
  latencyP99Ms: number
  /** BLAKE2b of the evidence the attestor keeps, 32 bytes. */
  evidenceHash: Uint8Array
}

interface Base {
  /** Author's claimed wall time, ms. */
  time: number
}

export type Op =
  | (Base & { type: 'init-network'; params: NetworkParams })
  | (Base & { type: 'add-writer'; writerKey: Uint8Array; indexer: boolean })
  | (Base & { type: 'add-indexer'; writerKey: Uint8Array })
  | (Base & { type: 'remove-indexer'; writerKey: Uint8Array })
  | (Base & { type: 'offer'; capacityBytes: number; group: string; nodeKey: Uint8Array })
  | (Base & { type: 'withdraw' })
  | (Base & { type: 'request'; cores: CoreSpec[]; replicas: number; until: number; maxPrice: bigint })
  | (Base & { type: 'cancel'; requestId: number })
  | (Base & { type: 'ready'; agreementId: number; length: number; byteLength: number })
  | (Base & { type: 'tick'; epoch: number; tickTime: number; commit: Uint8Array; reveal: Uint8Array })
  | (Base & { type: 'report'; epoch: number; results: ReportResult[] })
  | (Base & { type: 'transfer'; to: Uint8Array; amount: bigint })
  | (Base & { type: 'sponsor'; to: Uint8Array; amount: bigint })
  | (Base & { type: 'set-limit'; to: Uint8Array; limit: bigint })
  | (Base & { type: 'grow'; requestId: number; coreKey: Uint8Array; length: number; byteLength: number })

export type OpType = Op['type']
export type OpOf<T extends OpType> = Extract<Op, { type: T }>

/** Wire tags. Never renumber; add new ones at the end. */
export const OP_TAGS: Readonly<Record<OpType, number>> = {
  'init-network': 1,
  'add-writer': 2,
  'add-indexer': 3,
  'remove-indexer': 4,
  offer: 5,
  withdraw: 6,
  request: 7,
  cancel: 8,
  ready: 9,
  tick: 10,
  report: 11,
  transfer: 12,
  sponsor: 13,
  'set-limit': 14,
  grow: 15
}

export const OP_TYPES_BY_TAG: ReadonlyMap<number, OpType> = new Map(
  (Object.entries(OP_TAGS) as [OpType, number][]).map(([t, n]) => [n, t])
)
