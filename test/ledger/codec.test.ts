import { test } from 'node:test'
import assert from 'node:assert/strict'
import { decodeOp, encodeOp, OP_TAGS, MAX_CORES_PER_REQUEST, MAX_REPORT_RESULTS, MAX_ITEM_HASHES, Prng, apply, MemoryKV, getRejected, RejectCode } from '../../src/ledger/index.js'
import type { FailingItem, ReportResult } from '../../src/ledger/index.js'
import { MAX_MANIFEST_BYTES, MAX_PROOF_BYTES } from '../../src/proof/index.js'
import { randomOp } from './gen.js'

/** Normalise Buffers to plain Uint8Arrays for deep comparison. */
function norm(v: unknown): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex')
  if (Array.isArray(v)) return v.map(norm)
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, norm(x)]))
  return v
}

test('codec: encode/decode are exact inverses for 3,000 random ops of every type', () => {
  const p = Prng.from('codec-property')
  const seen = new Set<string>()
  for (let i = 0; i < 3000; i++) {
    const op = randomOp(p)
    seen.add(op.type)
    const enc = encodeOp(op)
    const dec = decodeOp(enc)
    assert.deepEqual(norm(dec), norm(op))
    assert.ok(encodeOp(dec).equals(enc))
  }
  assert.equal(seen.size, Object.keys(OP_TAGS).length)
})

test('codec: header is version, type tag, time', () => {
  const enc = encodeOp({ type: 'withdraw', time: 5 })
  assert.deepEqual([...enc], [3, OP_TAGS.withdraw, 5])
})

test('codec: trailing bytes, truncation, unknown version and type are rejected with stable codes', () => {
  const p = Prng.from('codec-bad')
  for (let i = 0; i < 200; i++) {
    const enc = encodeOp(randomOp(p))
    assert.throws(() => decodeOp(Buffer.concat([enc, Buffer.from([0])])), { code: 'E_DECODE' })
    assert.throws(() => decodeOp(enc.subarray(0, enc.length - 1)), (e: { code?: string }) => e.code === 'E_DECODE')
  }
  assert.throws(() => decodeOp(Buffer.from([4, 6, 0])), { code: 'E_VERSION' })
  assert.throws(() => decodeOp(Buffer.from([1, 6, 0])), (e: { code?: string; old?: boolean; message?: string }) => e.code === 'E_VERSION' && e.old === true && /no longer accepted/.test(e.message ?? ''))
  assert.throws(() => decodeOp(Buffer.from([3, 99, 0])), { code: 'E_OP_TYPE' })
  assert.throws(() => decodeOp(Buffer.from([1])), { code: 'E_DECODE' })
})

test('codec: non-canonical encodings are rejected (one op, one encoding)', () => {
  // time 5 written as a 3-byte varint (0xfd 0x05 0x00) instead of 1 byte
  assert.throws(() => decodeOp(Buffer.from([3, OP_TAGS.withdraw, 0xfd, 5, 0])), { code: 'E_DECODE' })
  // bool byte 2
  const aw = encodeOp({ type: 'add-writer', time: 0, writerKey: Buffer.alloc(32), indexer: true })
  aw[aw.length - 1] = 2
  assert.throws(() => decodeOp(aw), { code: 'E_DECODE' })
})

test('codec: limits on cores, results, group length, reveal length', () => {
  const core = { key: Buffer.alloc(32), length: 1, byteLength: 1, fork: 0 }
  const req = { type: 'request' as const, time: 0, cores: Array.from({ length: MAX_CORES_PER_REQUEST + 1 }, () => core), replicas: 1, until: 1, maxPrice: 1n }
  assert.throws(() => encodeOp(req), { code: 'E_DECODE' })
  // hand-build an over-limit request: take a valid 64-core one and patch the count
  const ok = encodeOp({ ...req, cores: req.cores.slice(0, MAX_CORES_PER_REQUEST) })
  const patched = Buffer.concat([ok.subarray(0, 3), Buffer.from([MAX_CORES_PER_REQUEST + 1]), ok.subarray(4), ok.subarray(4, 4 + 49)])
  assert.throws(() => decodeOp(patched), { code: 'E_DECODE' })
  const res: ReportResult = { agreementId: 1, outcome: 'pass', samples: 1, latencyP50Ms: 1, latencyP99Ms: 1, rttMs: 0, code: 0, receipt: null, failing: null }
  assert.throws(() => encodeOp({ type: 'report', time: 0, epoch: 1, results: Array.from({ length: MAX_REPORT_RESULTS + 1 }, () => res) }), { code: 'E_DECODE' })
  assert.throws(() => encodeOp({ type: 'offer', time: 0, capacityBytes: 1, group: 'x'.repeat(65), nodeKey: Buffer.alloc(32) }), { code: 'E_DECODE' })
  const long = Buffer.from(encodeOp({ type: 'offer', time: 0, capacityBytes: 1, group: 'x'.repeat(64), nodeKey: Buffer.alloc(32) }))
  long[4] = 65 // group length byte → 65
  assert.throws(() => decodeOp(long), { code: 'E_DECODE' })
  assert.throws(() => encodeOp({ type: 'tick', time: 0, epoch: 1, tickTime: 0, commit: Buffer.alloc(32), reveal: Buffer.alloc(5) }), { code: 'E_DECODE' })
  assert.throws(() => encodeOp({ type: 'ready', time: 0, agreementId: 1.5, length: 1, byteLength: 1, fork: 0 }), { code: 'E_DECODE' })
})

test('codec: evidence bounds — item hashes ≤ 64, proof ≤ MAX_PROOF_BYTES, manifest ≤ MAX_MANIFEST_BYTES, canonical kinds', () => {
  const receipt = { nonce: Buffer.alloc(32, 1), fork: 0, length: 5, answerHash: Buffer.alloc(32, 2), signature: Buffer.alloc(64, 3) }
  const failing: FailingItem = { position: 0, kind: 'error', errorCode: 1, proof: Buffer.alloc(0), manifest: Buffer.alloc(0), itemHashes: [Buffer.alloc(32)] }
  const op = (f: FailingItem): Parameters<typeof encodeOp>[0] => ({ type: 'report', time: 0, epoch: 1, results: [{ agreementId: 1, outcome: 'missing', samples: 1, latencyP50Ms: 0, latencyP99Ms: 0, rttMs: 0, code: 0, receipt, failing: f }] })
  // the largest proof and manifest fit in one op
  const big = encodeOp(op({ ...failing, kind: 'proof', errorCode: 0, proof: Buffer.alloc(MAX_PROOF_BYTES), manifest: Buffer.alloc(MAX_MANIFEST_BYTES), itemHashes: Array.from({ length: MAX_ITEM_HASHES }, () => Buffer.alloc(32)) }))
  assert.equal(decodeOp(big).type, 'report')
  assert.throws(() => encodeOp(op({ ...failing, itemHashes: Array.from({ length: MAX_ITEM_HASHES + 1 }, () => Buffer.alloc(32)) })), { code: 'E_DECODE' })
  assert.throws(() => encodeOp(op({ ...failing, kind: 'proof', errorCode: 0, proof: Buffer.alloc(MAX_PROOF_BYTES + 1) })), { code: 'E_DECODE' })
  assert.throws(() => encodeOp(op({ ...failing, manifest: Buffer.alloc(MAX_MANIFEST_BYTES + 1) })), { code: 'E_DECODE' })
  assert.throws(() => encodeOp(op({ ...failing, proof: Buffer.alloc(3) })), { code: 'E_DECODE' }) // an error with proof bytes
  assert.throws(() => encodeOp(op({ ...failing, kind: 'proof', errorCode: 1, proof: Buffer.alloc(3) })), { code: 'E_DECODE' })
  // hand-patched: a count of 65 item hashes is refused before reading them
  const enc = encodeOp(op(failing))
  const patched = Buffer.from(enc)
  const at = patched.length - 33 // the count byte before the one 32-byte hash
  assert.equal(patched[at], 1)
  patched[at] = MAX_ITEM_HASHES + 1
  assert.throws(() => decodeOp(patched), { code: 'E_DECODE' })
  // position beyond 63, failing kind 2
  const kindAt = enc.indexOf(Buffer.from([0, 1, 1, 0, 0, 1]), 10) // position 0, kind 1, code 1, empty proof, empty manifest, 1 hash
  assert.ok(kindAt > 0)
  const badKind = Buffer.from(enc)
  badKind[kindAt + 1] = 2
  assert.throws(() => decodeOp(badKind), { code: 'E_DECODE' })
})

test('codec: an op of version 1 is refused by the contract with OP_VERSION_OLD and a clear reason', async () => {
  const kv = new MemoryKV()
  const v1 = Buffer.from([1, OP_TAGS.withdraw, 0])
  const r = await apply(kv, v1, { writerKey: Buffer.alloc(32, 1), opId: 'x:0' })
  assert.equal(r.ok, false)
  assert.ok(!r.ok && r.code === RejectCode.OP_VERSION_OLD && /upgrade Favor/.test(r.reason))
  assert.equal((await getRejected(kv, 'x:0'))?.code, RejectCode.OP_VERSION_OLD)
})

test('codec: a request names its kind (op version 3); core is the default and unknown kinds are refused', () => {
  const base = { type: 'request' as const, time: 7, cores: [{ key: new Uint8Array(32).fill(1), length: 3, byteLength: 300, fork: 0 }, { key: new Uint8Array(32).fill(2), length: 1, byteLength: 5, fork: 0 }], replicas: 2, until: 9, maxPrice: 1n }
  const drive = encodeOp({ ...base, kind: 'drive' })
  assert.deepEqual(decodeOp(drive), { ...base, kind: 'drive' })
  const plain = encodeOp(base)
  assert.deepEqual(decodeOp(plain), base)
  assert.equal(plain.byteLength, drive.byteLength)
  assert.deepEqual(encodeOp({ ...base, kind: 'core' }), plain, 'kind core is the absent kind: one encoding')
  const bad = Buffer.from(drive)
  bad[bad.byteLength - 1] = 9
  assert.throws(() => decodeOp(bad), { code: 'E_DECODE' })
  const v2 = Buffer.from(plain)
  v2[0] = 2
  assert.throws(() => decodeOp(v2), { code: 'E_VERSION' })
})
