// favor/challenge/2 without a network: every message's strict codec, and the judgement of a signed
// answer (receipt binding, per-item verdicts, the deadline net of the round trip).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { blake2b, keyPair, openStore, seedFromName } from '../../src/stack/index.js'
import type { Core, Store } from '../../src/stack/index.js'
import { ItemError, JudgementCode, answerHash, challengeIndicesV2, itemHash, signReceipt } from '../../src/proof/index.js'
import {
  ProtocolError, challengeWire, decodeWire, encodeWire, itemWire, judgeAnswer, pingWire, pongWire, prepareAnswer, receiptWire, refusalWire
} from '../../src/protocol/index.js'
import type { AnswerContext, PreparedAnswer, ReceiptMessage, WireMessage } from '../../src/protocol/index.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'
import { block } from './helpers.js'

function rejects<T>(w: WireMessage<T>, bytes: Uint8Array, code: ProtocolError['code'], what: string): void {
  assert.throws(() => decodeWire(w, bytes), (err: unknown) => err instanceof ProtocolError && err.code === code, what)
}

test('every message round-trips and rejects truncated, trailing, oversized and unknown bytes with a stable code', () => {
  const ch = { agreementId: 12, epoch: 34, attestorKey: Buffer.alloc(32, 1), nonce: Buffer.alloc(32, 2) }
  assert.deepEqual(decodeWire(challengeWire, encodeWire(challengeWire, ch)), ch)
  assert.deepEqual(decodeWire(pingWire, encodeWire(pingWire, { seq: 300 })), { seq: 300 })
  assert.deepEqual(decodeWire(pongWire, encodeWire(pongWire, { seq: 0 })), { seq: 0 })
  const proof = { position: 3, item: { kind: 'proof' as const, proof: Buffer.alloc(100, 7) } }
  assert.deepEqual(decodeWire(itemWire, encodeWire(itemWire, proof)), proof)
  const err = { position: 63, item: { kind: 'error' as const, code: ItemError.NOT_HOSTED } }
  assert.deepEqual(decodeWire(itemWire, encodeWire(itemWire, err)), err)
  const rec = { manifest: Buffer.alloc(70, 3), fork: 2, length: 1000, signature: Buffer.alloc(64, 4) }
  assert.deepEqual(decodeWire(receiptWire, encodeWire(receiptWire, rec)), rec)
  assert.deepEqual(decodeWire(refusalWire, encodeWire(refusalWire, { code: 'BUSY', message: 'later' })), { code: 'BUSY', message: 'later' })

  const chBytes = encodeWire(challengeWire, ch)
  rejects(challengeWire, chBytes.subarray(0, chBytes.length - 1), 'MALFORMED', 'truncated challenge')
  rejects(challengeWire, Buffer.concat([chBytes, Buffer.from([0])]), 'MALFORMED', 'trailing byte')
  rejects(challengeWire, Buffer.alloc(200, 0), 'OVERSIZED', 'oversized challenge')
  rejects(challengeWire, Buffer.concat([Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0x40]), chBytes.subarray(1)]), 'MALFORMED', 'agreement id above 2^53')
  rejects(itemWire, Buffer.from([0, 2, 0]), 'MALFORMED', 'unknown item kind')
  rejects(itemWire, Buffer.from([0, 1, 99]), 'MALFORMED', 'unknown item error code')
  rejects(itemWire, Buffer.from([64, 1, 1]), 'MALFORMED', 'position beyond 64 samples')
  rejects(itemWire, Buffer.from([0, 0, 0xfe, 0xff, 0xff, 0xff, 0x7f]), 'OVERSIZED', 'a proof length above the bound, before allocation')
  rejects(itemWire, Buffer.from([0, 0, 10, 1, 2]), 'MALFORMED', 'a truncated proof')
  rejects(receiptWire, encodeWire(receiptWire, rec).subarray(0, 80), 'MALFORMED', 'truncated receipt')
  rejects(refusalWire, encodeWire(refusalWire, { code: 'BUSY', message: '' }).fill(0x5a, 1, 5), 'MALFORMED', 'unknown refusal code')
  rejects(pingWire, Buffer.alloc(0), 'MALFORMED', 'empty ping')
})

let dir: string
let store: Store
let core: Core
const hoster = keyPair(seedFromName('wire-hoster'))
const LENGTH = 300

before(async () => {
  dir = await makeTempDir('wire')
  store = openStore(path.join(dir, 'store'))
  core = store.get({ name: 'wire' })
  await core.ready()
  await core.append(Array.from({ length: LENGTH }, (_, i) => block(i, 512)))
})

after(async () => {
  await store.close()
  await removeDir(dir)
})

function context(over: Partial<AnswerContext> = {}): AnswerContext {
  const nonce = blake2b(Buffer.from('nonce'))
  const attestorKey = blake2b(Buffer.from('attestor'))
  const beacon = blake2b(Buffer.from('beacon'))
  return {
    networkId: blake2b(Buffer.from('net')), agreementId: 5, epoch: 9, attestorKey, nonce, hosterNodeKey: hoster.publicKey, coreKey: core.key,
    indices: challengeIndicesV2(beacon, 5, attestorKey, nonce, LENGTH, 16), minFork: 0, minLength: LENGTH, deadlineMs: 500, ...over
  }
}

/** What the hoster would send for ctx: its prepared answer and a receipt over it, signed for `signed`. */
async function answer(ctx: AnswerContext, signed: AnswerContext = ctx, alter?: (a: PreparedAnswer) => PreparedAnswer): Promise<{ items: PreparedAnswer['items']; receipt: ReceiptMessage }> {
  const honest = await prepareAnswer(core, [...ctx.indices])
  const a = alter ? alter(honest) : honest
  const hashes = a.items.map((item, p) => itemHash(p, ctx.indices[p] as number, item))
  const signature = signReceipt({
    networkId: signed.networkId, agreementId: signed.agreementId, epoch: signed.epoch, attestorKey: signed.attestorKey, nonce: signed.nonce,
    answerHash: answerHash(a.manifest, hashes), fork: a.fork, length: a.length
  }, hoster.secretKey)
  return { items: a.items, receipt: { manifest: a.manifest, fork: a.fork, length: a.length, signature } }
}

test('an honest answer passes; the deadline is judged on the time net of the round trip', async () => {
  const ctx = context()
  const { items, receipt } = await answer(ctx)
  const j = judgeAnswer(ctx, items, receipt, 499)
  assert.equal(j.outcome, 'pass')
  assert.ok(j.receipt && j.failing === null)
  assert.equal(judgeAnswer(ctx, items, receipt, 500).outcome, 'pass', 'exactly at the deadline')
  const late = judgeAnswer(ctx, items, receipt, 501)
  assert.equal(late.outcome, 'slow')
  assert.equal(late.code, JudgementCode.LATE)
  assert.ok(late.receipt, 'a late valid answer keeps its receipt')
})

test('a receipt signed for another attestor, epoch, agreement, nonce or network does not verify: slow, no evidence', async () => {
  const ctx = context()
  for (const [what, other] of [
    ['attestor', { attestorKey: blake2b(Buffer.from('someone else')) }],
    ['epoch', { epoch: 8 }],
    ['agreement', { agreementId: 6 }],
    ['nonce', { nonce: blake2b(Buffer.from('old nonce')) }],
    ['network', { networkId: blake2b(Buffer.from('other net')) }]
  ] as const) {
    const { items, receipt } = await answer(ctx, context(other))
    const j = judgeAnswer(ctx, items, receipt, 10)
    assert.equal(j.outcome, 'slow', what)
    assert.equal(j.reason?.code, 'BAD_RECEIPT', what)
    assert.equal(j.receipt, null, what)
  }
  const { items, receipt } = await answer(ctx)
  const j = judgeAnswer({ ...ctx, hosterNodeKey: keyPair(seedFromName('other hoster')).publicKey }, items, receipt, 10)
  assert.equal(j.reason?.code, 'BAD_RECEIPT', 'another node key')
})

test('per item: an admitted loss or a stale fork is missing with the failing item; BUSY/INTERNAL alone is slow; an incomplete answer is slow', async () => {
  const ctx = context()
  const admitted = await answer(ctx, ctx, (a) => ({ ...a, items: a.items.map((it, p) => (p === 5 ? { kind: 'error', code: ItemError.NOT_HELD } : it)) }))
  const m = judgeAnswer(ctx, admitted.items, admitted.receipt, 10)
  assert.equal(m.outcome, 'missing')
  assert.equal(m.failing?.position, 5)
  assert.equal(m.failing.errorCode, ItemError.NOT_HELD)
  assert.equal(m.failing.itemHashes.length, 16)

  const stale = await answer(ctx)
  const f = judgeAnswer({ ...ctx, minFork: 1 }, stale.items, stale.receipt, 10)
  assert.equal(f.outcome, 'missing')
  assert.equal(f.reason?.code, 'FORK_MISMATCH')
  assert.equal(f.failing?.kind, 'proof')

  const busy = await answer(ctx, ctx, (a) => ({ ...a, items: a.items.map((it, p) => (p === 2 ? { kind: 'error', code: ItemError.BUSY } : it)) }))
  const b = judgeAnswer(ctx, busy.items, busy.receipt, 10)
  assert.equal(b.outcome, 'slow')
  assert.equal(b.code, JudgementCode.HOSTER_TROUBLE)

  const full = await answer(ctx)
  const short = judgeAnswer(ctx, full.items.slice(0, 15), full.receipt, 10)
  assert.equal(short.outcome, 'slow')
  assert.equal(short.reason?.code, 'INCOMPLETE')

  // a proof for another block than the nonce selects fails as a wrong proof
  const swapped = await answer(ctx, ctx, (a) => ({ ...a, items: [a.items[1], a.items[0], ...a.items.slice(2)] as PreparedAnswer['items'] }))
  const w = judgeAnswer(ctx, swapped.items, swapped.receipt, 10)
  assert.equal(w.outcome, 'missing')
  assert.equal(w.reason?.code, 'WRONG_INDEX')
})
