// The attestor's kept challenge results: durable across a reopen, one epoch at a time, and exact
// (stored in the ledger's own report encoding).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { ReportResult } from '../../src/ledger/index.js'
import { AttestResults, CorruptResultsError } from '../../src/roles/attest-results.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'

const result = (agreementId: number, rttMs: number): ReportResult => ({
  agreementId, outcome: 'unreachable', samples: 8, latencyP50Ms: 0, latencyP99Ms: 0, rttMs, code: 3, receipt: null, failing: null
})

test('results survive a reopen, a newer epoch replaces the older, clear empties the epoch', async (t) => {
  const dir = await makeTempDir('attest-results')
  t.after(() => removeDir(dir))
  const file = path.join(dir, 'challenge-results.json')
  const a = await AttestResults.open(file)
  assert.deepEqual(a.of(3), [])
  await a.put(3, result(7, 12))
  await a.put(3, result(2, 5))
  assert.equal(a.has(3, 7), true)
  assert.equal(a.has(4, 7), false)

  const b = await AttestResults.open(file)
  assert.deepEqual(b.of(3), [result(2, 5), result(7, 12)], 'reloaded exactly, by agreement id')
  await b.put(2, result(9, 1)) // a past epoch's late result is not kept
  assert.equal(b.has(2, 9), false)
  await b.put(4, result(1, 3))
  assert.deepEqual(b.of(3), [], 'the older epoch is dropped')
  assert.deepEqual(b.of(4), [result(1, 3)])
  await b.clear(4)
  assert.deepEqual((await AttestResults.open(file)).of(4), [])

  await writeFile(file, '{"version":1,"epoch":1,"results":{"1":"zz"}}')
  await assert.rejects(AttestResults.open(file), CorruptResultsError)
  await writeFile(file, 'not json')
  await assert.rejects(AttestResults.open(file), CorruptResultsError)
})
