// Wire protocols over protomux on a hyperdht connection. `favor/challenge/2`: storage challenges
// (docs/challenges.md); `favor/join/1`: admission.
export { ChallengeResponder, prepareAnswer } from './responder.js'
export type { ChallengeParams, CoreLookup, ParamsLookup, PreparedAnswer, ResponderOptions, ResponderStats, ResponderTestHooks } from './responder.js'
export { runChallenge, DEFAULT_MAX_RTT_ALLOWANCE_MS, DEFAULT_PINGS } from './challenge.js'
export type { ChallengeOptions, ChallengeOutcome, ChallengeResult } from './challenge.js'
export { judgeAnswer } from './judge.js'
export type { AnswerContext, Judgement } from './judge.js'
export { toReportResult, percentile } from './report.js'
export {
  CHALLENGE_PROTOCOL, MESSAGE_TYPES, PREPARE_ALLOWANCE_MS, REFUSAL_CODES, challengeWire, createChallengeChannel, decodeWire, encodeWire,
  intentWire, itemWire, pingWire, pongWire, receiptWire, refusalWire
} from './challenge-wire.js'
export type {
  ChallengeChannel, ChallengeMessage, IntentMessage, ItemMessage, MessageType, PingMessage, ReceiptMessage, RefusalCode, RefusalMessage, WireMessage
} from './challenge-wire.js'
export { ProtocolError, codeMessageCodec, decodeMessage, encodeMessage, fixedBytes, rawCodec, safeUint, struct } from './messages.js'
export type { ProtocolErrorCode } from './messages.js'
export { silentLogger } from './log.js'
export type { Logger } from './log.js'
export * from './join.js'
