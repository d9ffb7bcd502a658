// Frozen fixtures: a committed op log (fixtures/oplog-v1.json: every op type, accepted and refused, as
// bytes with their writer keys) replayed through `apply` on a MemoryKV must give the committed per-op
// verdicts and reach the committed state digest. If this fails, the contract's output for ops it already
// accepted changed: that is a new contract version (CONTRACT_VERSION and KNOWN_CONTRACT_VERSIONS in
// src/ledger/constants.ts, an `upgrade` to switch a live network, and a new fixture for the new version
// made with fixtures/generate.ts). Never edit or regenerate the fixture or the constants below instead.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { CONTRACT_VERSION, KNOWN_CONTRACT_VERSIONS, MemoryKV, OP_SINCE_VERSION, OP_TAGS, apply, digest, peekOpType, type OpType } from '../../src/ledger/index.js'
import { fixtureLogHash, type Fixture } from './fixtures/format.js'

/** Committed with oplog-v1.json: change neither (see above). Version 1 was re-recorded before it first shipped (founder credit; matching rounds). */
const V1_LOG_HASH = 'cc78dc58a9bfcf6e3d8375fd6e1689327d8ad9e5723ba5617f8e32a00952a71c'
const V1_DIGEST = '79451596742d611113b7c16f828797519099c0c4d6f6139a67f51d1ea003b3af'

/** Committed with oplog-v2.json (contract version 2: indexes, adaptive audits, prove-size, extend, multi-signer evidence). */
const V2_LOG_HASH = '638d162a00aea31272066b5c8949142ce8aee7aaceb5fe1f9de4dad2b59a3a6e'
const V2_DIGEST = '9be98b949d80db874ebbd2161777ac35110dd70674656f60cf03bc9fa5ba26b9'

const BUMP = 'the contract changed what it does for an op log it already accepted: that needs a contract version bump ' +
  '(CONTRACT_VERSION in src/ledger/constants.ts) and a new fixture for the new version (test/ledger/fixtures/generate.ts), never an edit of this one'

function load(version: number): Fixture {
  // the source tree's file (the compiled test under dist/ reads it from the repository too)
  const url = new URL(`../../../test/ledger/fixtures/oplog-v${version}.json`, import.meta.url)
  const direct = new URL(`./fixtures/oplog-v${version}.json`, import.meta.url)
  let text: string
  try {
    text = readFileSync(direct, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    text = readFileSync(url, 'utf8')
  }
  return JSON.parse(text) as Fixture
}

/**
 * Replays a version's frozen log: the committed log hash, every op's verdict and the final digest must hold;
 * the log must exercise every op type that version has and refusals of several kinds (a guard on the fixture).
 */
async function replayFrozen(version: number, logHash: string, stateDigest: string): Promise<void> {
  const f = load(version)
  assert.equal(f.contractVersion, version)
  assert.ok(KNOWN_CONTRACT_VERSIONS.includes(version), `this code must still apply contract version ${version}`)
  assert.equal(fixtureLogHash(f), logHash, `the frozen op log oplog-v${version}.json changed: ${BUMP}`)
  const kv = new MemoryKV()
  const seen = new Set<OpType>()
  for (const [i, op] of f.ops.entries()) {
    const bytes = Buffer.from(op.bytes, 'hex')
    const r = await apply(kv, bytes, { writerKey: Buffer.from(op.writer, 'hex'), opId: op.opId })
    const t = peekOpType(bytes, version)
    assert.equal(r.ok ? '' : r.code, op.code, `op ${i} (${op.opId}, ${t ?? 'undecodable'}): verdict changed: ${BUMP}`)
    if (t !== null) seen.add(t)
  }
  assert.equal(digest(kv).toString('hex'), stateDigest, `the state after replaying oplog-v${version}.json changed: ${BUMP}`)
  assert.deepEqual([...seen].sort(), (Object.keys(OP_TAGS) as OpType[]).filter((t) => (OP_SINCE_VERSION[t] ?? 1) <= version).sort())
  assert.ok(new Set(f.ops.map((o) => o.code).filter((c) => c !== '')).size >= 10)
}

test('frozen fixture v1: the committed op log replays to the committed digest, op by op verdicts unchanged', async () => {
  await replayFrozen(1, V1_LOG_HASH, V1_DIGEST)
})

test('frozen fixture v2: the committed op log replays to the committed digest, op by op verdicts unchanged', async () => {
  await replayFrozen(2, V2_LOG_HASH, V2_DIGEST)
})

test('the current contract version has its frozen fixture', () => {
  assert.doesNotThrow(() => load(CONTRACT_VERSION), `add oplog-v${CONTRACT_VERSION}.json with test/ledger/fixtures/generate.ts`)
})
