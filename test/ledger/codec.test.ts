import { test } from 'node:test'
import assert from 'node:assert/strict'
import { decodeOp, encodeOp, OP_TAGS, MAX_CORES_PER_REQUEST, MAX_REPORT_RESULTS, Prng } from '../../src/ledger/index.js'
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
  assert.deepEqual([...enc], [1, OP_TAGS.withdraw, 5])
})

test('codec: trailing bytes, truncation, unknown version and type are rejected with stable codes', () => {
  const p = Prng.from('codec-bad')
  for (let i = 0; i < 200; i++) {
    const enc = encodeOp(randomOp(p))
    assert.throws(() => decodeOp(Buffer.concat([enc, Buffer.from([0])])), { code: 'E_DECODE' })
    assert.throws(() => decodeOp(enc.subarray(0, enc.length - 1)), (e: { code?: string }) => e.code === 'E_DECODE')
  }
  assert.throws(() => decodeOp(Buffer.from([2, 6, 0])), { code: 'E_VERSION' })
  assert.throws(() => decodeOp(Buffer.from([1, 99, 0])), { code: 'E_OP_TYPE' })
  assert.throws(() => decodeOp(Buffer.from([1])), { code: 'E_DECODE' })
})

test('codec: non-canonical encodings are rejected (one op, one encoding)', () => {
  // time 5 written as a 3-byte varint (0xfd 0x05 0x00) instead of 1 byte
  assert.throws(() => decodeOp(Buffer.from([1, OP_TAGS.withdraw, 0xfd, 5, 0])), { code: 'E_DECODE' })
  // bool byte 2
  const aw = encodeOp({ type: 'add-writer', time: 0, writerKey: Buffer.alloc(32), indexer: true })
  aw[aw.length - 1] = 2
  assert.throws(() => decodeOp(aw), { code: 'E_DECODE' })
})

test('codec: limits on cores, results, group length, reveal length', () => {
  const core = { key: Buffer.alloc(32), length: 1, byteLength: 1 }
  const req = { type: 'request' as const, time: 0, cores: Array.from({ length: MAX_CORES_PER_REQUEST + 1 }, () => core), replicas: 1, until: 1, maxPrice: 1n }
  assert.throws(() => encodeOp(req), { code: 'E_DECODE' })
  // hand-build an over-limit request: take a valid 64-core one and patch the count
  const ok = encodeOp({ ...req, cores: req.cores.slice(0, MAX_CORES_PER_REQUEST) })
  const patched = Buffer.concat([ok.subarray(0, 3), Buffer.from([MAX_CORES_PER_REQUEST + 1]), ok.subarray(4), ok.subarray(4, 4 + 48)])
  assert.throws(() => decodeOp(patched), { code: 'E_DECODE' })
  const res = { agreementId: 1, outcome: 'pass' as const, samples: 1, latencyP50Ms: 1, latencyP99Ms: 1, evidenceHash: Buffer.alloc(32) }
  assert.throws(() => encodeOp({ type: 'report', time: 0, epoch: 1, results: Array.from({ length: MAX_REPORT_RESULTS + 1 }, () => res) }), { code: 'E_DECODE' })
  assert.throws(() => encodeOp({ type: 'offer', time: 0, capacityBytes: 1, group: 'x'.repeat(65), nodeKey: Buffer.alloc(32) }), { code: 'E_DECODE' })
  const long = Buffer.from(encodeOp({ type: 'offer', time: 0, capacityBytes: 1, group: 'x'.repeat(64), nodeKey: Buffer.alloc(32) }))
  long[4] = 65 // group length byte → 65
  assert.throws(() => decodeOp(long), { code: 'E_DECODE' })
  assert.throws(() => encodeOp({ type: 'tick', time: 0, epoch: 1, tickTime: 0, commit: Buffer.alloc(32), reveal: Buffer.alloc(5) }), { code: 'E_DECODE' })
  assert.throws(() => encodeOp({ type: 'ready', time: 0, agreementId: 1.5, length: 1, byteLength: 1 }), { code: 'E_DECODE' })
})
