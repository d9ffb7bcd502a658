// Re-exports for the accounting test plus a blank account.
import { newAccount } from '../../src/ledger/context.js'
import type { Account } from '../../src/ledger/index.js'
export { epochCost, splitPayment, debit, decideOutcome, observe, failureObservation, byteSeconds } from '../../src/ledger/index.js'

export function newAccountForTest(): Account {
  return newAccount('00'.repeat(32), 0n, 0)
}
