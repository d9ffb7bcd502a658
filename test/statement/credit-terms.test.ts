// The pure part of credit across communities: rates, and what a statement gives or refuses.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { StatementError, creditFromStatement, formatRate, parseRate } from '../../src/statement/index.js'
import { settledStatement, soloLedger } from './helpers.js'

test('rates: six decimals, above 0, at most 1000', () => {
  assert.equal(parseRate('0.5'), 500_000n)
  assert.equal(parseRate('1'), 1_000_000n)
  assert.equal(parseRate('2.000001'), 2_000_001n)
  assert.equal(parseRate('1000'), 1_000_000_000n)
  for (const bad of ['0', '0.0', '-1', '1e3', '1000.000001', '0.0000001', 'abc', '', '1.', '.5']) assert.equal(parseRate(bad), null, bad)
  assert.equal(formatRate(500_000n), '0.5')
  assert.equal(formatRate(2_000_001n), '2.000001')
})

test('a statement is honoured only if it verifies, is young enough and proves a positive balance', { timeout: 60_000 }, async (t) => {
  const solo = await soloLedger('st-credit', 2)
  t.after(() => solo.close())
  const bytes = await settledStatement(solo.ledger, solo.accounts[0] as string)
  const codeOf = (fn: () => unknown): string => {
    try {
      fn()
      return 'OK'
    } catch (err) {
      if (err instanceof StatementError) return err.code
      throw err
    }
  }
  const key = solo.ledger.key.toString('hex')
  // Before the first epoch a statement has no time: any maximum age (the default is a day) refuses it.
  assert.equal(codeOf(() => creditFromStatement(bytes, { networkKey: key, rateMicro: 1_000_000n, limit: 10n })), 'TOO_OLD')
  assert.equal(codeOf(() => creditFromStatement(bytes, { networkKey: key, rateMicro: 1_000_000n, limit: 0n })), 'MALFORMED')
  assert.equal(codeOf(() => creditFromStatement(bytes, { networkKey: Buffer.alloc(32, 7).toString('hex'), rateMicro: 1_000_000n, limit: 10n })), 'WRONG_NETWORK')
  assert.equal(codeOf(() => creditFromStatement(bytes.subarray(0, 100), { networkKey: null, rateMicro: 1_000_000n, limit: 10n })), 'MALFORMED')
})
