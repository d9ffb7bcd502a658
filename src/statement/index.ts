// Balance statements: one account's standing at a ledger version, with the proof that the ledger's
// indexers signed it; verifiable offline from the network key alone (docs/statements.md).
// verify.ts and its imports are pure; make.ts needs a Ledger (import it from here or from make.js).
export { StatementError, isStatementError } from './errors.js'
export type { StatementErrorCode } from './errors.js'
export { MAX_STATEMENT_BYTES, STATEMENT_MAGIC, STATEMENT_VERSION, decodeStatement, encodeStatement } from './format.js'
export type { StatementFile } from './format.js'
export { verifyStatement } from './verify.js'
export type { VerifiedStatement, VerifyStatementOptions } from './verify.js'
export { valuesToJSON } from './values.js'
export type { StatementValues } from './values.js'
export { makeStatement } from './make.js'
export { viewSignerNamespace } from './bind.js'
export { describeStatement, formatAge, formatMicro, parseDuration } from './report.js'
export { DEFAULT_CREDIT_MAX_AGE_MS, creditFromStatement, formatRate, parseRate } from './credit.js'
export type { CreditDecision, CreditTerms } from './credit.js'
