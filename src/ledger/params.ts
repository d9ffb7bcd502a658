// Default network parameters (constants.ts), overridable per network at genesis.
import * as k from './constants.js'
import type { AuditParams, NetworkParams } from './ops.js'
import { Admission } from './ops.js'

/** The default roundsPerEpoch for an epoch length: a round every DEFAULT_ROUND_SECONDS, capped. */
export function defaultRoundsPerEpoch(epochSeconds: number): number {
  return Math.max(1, Math.min(k.MAX_ROUNDS_PER_EPOCH, Math.floor(epochSeconds / k.DEFAULT_ROUND_SECONDS)))
}

export function defaultParams(overrides: Partial<NetworkParams> = {}): NetworkParams {
  const epochSeconds = overrides.epochSeconds ?? k.DEFAULT_EPOCH_SECONDS
  return {
    epochSeconds,
    priceMicroPerGiBHour: k.DEFAULT_PRICE_MICRO_PER_GIB_HOUR,
    welcomeCreditMicro: k.DEFAULT_WELCOME_CREDIT_MICRO,
    founderCreditMicro: k.DEFAULT_FOUNDER_CREDIT_MICRO,
    attestors: k.DEFAULT_ATTESTORS,
    samples: k.DEFAULT_SAMPLES,
    samplesNew: k.DEFAULT_SAMPLES_NEW,
    growGraceEpochs: k.DEFAULT_GROW_GRACE_EPOCHS,
    growBytesPerEpoch: k.DEFAULT_GROW_BYTES_PER_EPOCH,
    indexerSilentEpochs: k.DEFAULT_INDEXER_SILENT_EPOCHS,
    indexerTarget: k.DEFAULT_INDEXER_TARGET,
    hosterSharePpm: k.DEFAULT_HOSTER_SHARE_PPM,
    heldBackPpm: k.DEFAULT_HELD_BACK_PPM,
    heldBackEpochs: k.DEFAULT_HELD_BACK_EPOCHS,
    unvettedEpochs: k.DEFAULT_UNVETTED_EPOCHS,
    failingEpochsToRepair: k.DEFAULT_FAILING_EPOCHS_TO_REPAIR,
    pausedEpochsToEnd: k.DEFAULT_PAUSED_EPOCHS_TO_END,
    pinningEpochs: k.DEFAULT_PINNING_EPOCHS,
    admission: Admission.invite,
    admissionsPerEpoch: k.DEFAULT_ADMISSIONS_PER_EPOCH,
    reputationDecayPpm: k.DEFAULT_REPUTATION_DECAY_PPM,
    roundsPerEpoch: defaultRoundsPerEpoch(epochSeconds),
    audit: defaultAuditParams(),
    ...overrides
  }
}

export function defaultAuditParams(): AuditParams {
  return { cleanEpochs: k.DEFAULT_AUDIT_CLEAN_EPOCHS, budgetPpm: k.DEFAULT_AUDIT_BUDGET_PPM, samplesCleanMin: k.DEFAULT_SAMPLES_CLEAN_MIN }
}

/** A network's audit params: its genesis ones (version 2), or the defaults (a network upgraded from version 1). */
export function auditParams(p: NetworkParams): AuditParams {
  return p.audit ?? defaultAuditParams()
}
