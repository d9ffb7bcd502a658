// Wire protocols over protomux on a hyperdht connection. `favor/challenge/1`: storage challenges.
export { ChallengeResponder } from './responder.js'
export type { CoreLookup, ResponderOptions, ResponderStats } from './responder.js'
export { runChallenge, encodeEvidence, evidenceHash } from './challenge.js'
export type { ChallengeEvidence, ChallengeError, ChallengeOptions, ChallengeOutcome, ChallengeResult } from './challenge.js'
export { toReportResult, percentile } from './report.js'
export type { ReportResult } from './report.js'
export {
  PROTOCOL as CHALLENGE_PROTOCOL,
  MAX_INDICES,
  MAX_REQUEST_BYTES,
  NONCE_BYTES,
  ProtocolError,
  contactSignable,
  decodeMessage,
  encodeMessage,
  errorCodec,
  doneCodec,
  proofMessageCodec,
  rawCodec,
  requestCodec,
  responseDigest
} from './messages.js'
export type { ChallengeRequest, DoneMessage, ErrorMessage, ErrorReplyCode, ProofMessage, ProtocolErrorCode } from './messages.js'
export { silentLogger } from './log.js'
export type { Logger } from './log.js'
export * from './join.js'
