// `favor/challenge/2` between real nodes on a loopback testnet: honest, lossy, prefetching, stale,
// silent, closing, slow and rogue hosters, each judged as docs/challenges.md §1 says.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { blake2b, createDht, keyPair, seedFromName } from '../../src/stack/index.js'
import type { Core, Dht, Testnet } from '../../src/stack/index.js'
import {
  ItemError, JudgementCode, Prng, answerHash, challengeIndicesV2, itemHash, sampleIndices, verifyReceipt
} from '../../src/proof/index.js'
import type { AnswerItem } from '../../src/proof/index.js'
import {
  createChallengeChannel, encodeWire, itemWire, pongWire, receiptWire, decodeWire, pingWire, runChallenge, toReportResult
} from '../../src/protocol/index.js'
import type { ChallengeOptions, ChallengeResult, MessageType } from '../../src/protocol/index.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'
import { withTimeout } from '../harness/wait.js'
import { ATTESTOR_ACCOUNT, challengeOptions, makeSource, makeWorld, mirror, publishTo, startHoster, startNet, worldParams } from './helpers.js'
import type { HosterNode, World } from './helpers.js'

let dir: string
let testnet: Testnet
let attestor: Dht
let hoster: HosterNode
let core: Core
const world: World = makeWorld()
const extra: HosterNode[] = []

const LENGTH = 1000
const SIZE = 1024
let nextId = 1

before(async () => {
  dir = await makeTempDir('challenge')
  ;({ testnet, attestor } = await startNet())
  hoster = await startHoster(testnet.bootstrap, dir, 'main', world)
  core = await publishTo(hoster, dir, 'main', LENGTH, SIZE)
  world.agreements.set(1, { coreKey: core.key, length: LENGTH, samples: 16, fork: 0 })
  nextId = 2
})

after(async () => {
  for (const h of extra) await h.close()
  await hoster.close()
  await attestor.destroy()
  await testnet.destroy()
  await removeDir(dir)
})

function agreement(coreKey: Uint8Array, length: number, samples = 16, fork = 0): number {
  const id = nextId++
  world.agreements.set(id, { coreKey, length, samples, fork })
  return id
}

async function challenge(h: HosterNode, id: number, over: Partial<ChallengeOptions> = {}): Promise<ChallengeResult> {
  return withTimeout(runChallenge(challengeOptions(world, attestor, h, id, over)), 20_000, 'a challenge')
}

/** Every item hash and the manifest recombine into the receipt's answer hash, signed by the hoster. */
function assertEvidence(r: ChallengeResult, h: HosterNode, id: number): void {
  assert.ok(r.receipt && r.failing)
  const f = r.failing
  assert.equal(f.itemHashes.length, r.samples)
  assert.deepEqual(answerHash(f.manifest, f.itemHashes), r.receipt.answerHash)
  const item: AnswerItem = f.kind === 'proof' ? { kind: 'proof', proof: f.proof } : { kind: 'error', code: f.errorCode }
  assert.deepEqual(itemHash(f.position, r.indices[f.position] as number, item), f.itemHashes[f.position])
  assert.ok(verifyReceipt({
    networkId: world.networkId, agreementId: id, epoch: world.currentEpoch, attestorKey: ATTESTOR_ACCOUNT, nonce: r.nonce,
    answerHash: r.receipt.answerHash, fork: r.receipt.fork, length: r.receipt.length
  }, r.receipt.signature, h.keyPair.publicKey))
}

test('an honest hoster passes with a receipt; the indices come from the fresh nonce', async () => {
  const r = await challenge(hoster, 1)
  assert.equal(r.outcome, 'pass', JSON.stringify(r.error))
  assert.equal(r.code, JudgementCode.NONE)
  assert.equal(r.samples, 16)
  assert.deepEqual(r.indices, challengeIndicesV2(world.beacon(7), 1, ATTESTOR_ACCOUNT, r.nonce, LENGTH, 16))
  assert.equal(r.perItemMs.length, 16)
  assert.ok(r.rttMs > 0 && r.responseMs !== null && r.connectMs !== null)
  assert.ok(r.receipt)
  assert.equal(r.receipt.length, LENGTH)
  assert.equal(r.receipt.fork, 0)
  const r2 = await challenge(hoster, 1)
  assert.notDeepEqual(r2.nonce, r.nonce)
  assert.notDeepEqual(r2.indices, r.indices, 'another nonce, other indices')

  const rep = toReportResult(1, r)
  assert.equal(rep.outcome, 'pass')
  assert.equal(rep.failing, null)
  assert.deepEqual(rep.receipt, r.receipt)
  assert.ok(verifyReceipt({
    networkId: world.networkId, agreementId: 1, epoch: 7, attestorKey: ATTESTOR_ACCOUNT, nonce: rep.receipt?.nonce ?? Buffer.alloc(0),
    answerHash: r.receipt.answerHash, fork: 0, length: LENGTH
  }, r.receipt.signature, hoster.keyPair.publicKey))
})

test('a hoster without the core signs NOT_HOSTED; one that cleared it signs NOT_HELD: missing, with checkable evidence', async () => {
  const gone = await publishTo(hoster, dir, 'gone', 64, SIZE)
  hoster.hosted.delete(gone.key.toString('hex'))
  const id = agreement(gone.key, 64, 8)
  const r = await challenge(hoster, id)
  assert.equal(r.outcome, 'missing', JSON.stringify(r.error))
  assert.equal(r.failing?.kind, 'error')
  assert.equal(r.failing.errorCode, ItemError.NOT_HOSTED)
  assertEvidence(r, hoster, id)

  const cleared = await publishTo(hoster, dir, 'cleared', 64, SIZE)
  await cleared.clear(0, cleared.length)
  const id2 = agreement(cleared.key, 64, 8)
  const r2 = await challenge(hoster, id2)
  assert.equal(r2.outcome, 'missing', JSON.stringify(r2.error))
  assert.equal(r2.failing?.errorCode, ItemError.NOT_HELD)
  assertEvidence(r2, hoster, id2)
  const rep = toReportResult(id2, r2)
  assert.ok(rep.receipt && rep.failing)
})

/** A copy of `LENGTH` blocks with 10 % of them (even indices only: hypercore 11.37.1) cleared. */
async function lossyCopy(h: HosterNode, name: string): Promise<{ id: number; dropped: Set<number> }> {
  const lossy = await publishTo(h, dir, name, LENGTH, SIZE)
  const evens = sampleIndices(blake2b(Buffer.from(`drop-${name}`)), LENGTH / 2, LENGTH / 10).map((i) => 2 * i)
  for (const i of evens) await lossy.clear(i, i + 1)
  return { id: agreement(lossy.key, LENGTH, 16), dropped: new Set(evens) }
}

test('a hoster that dropped 10 % of its blocks and admits it: missing exactly when a dropped block is drawn', async () => {
  const { id, dropped } = await lossyCopy(hoster, 'lossy')
  let missing = 0
  for (let t = 0; t < 9; t++) {
    const r = await challenge(hoster, id)
    const hit = r.indices.some((i) => dropped.has(i))
    assert.equal(r.outcome, hit ? 'missing' : 'pass', `challenge ${t}: ${JSON.stringify(r.error)}`)
    if (hit) {
      assert.equal(r.failing?.errorCode, ItemError.NOT_HELD)
      assert.ok(dropped.has(r.indices[r.failing.position] as number))
      assertEvidence(r, hoster, id)
      missing++
    }
  }
  // P(a challenge of 16 draws no dropped block) ≈ 0.9^16 ≈ 0.18
  assert.ok(missing >= 4, `only ${missing} of 9 challenges caught the loss`)
})

test('a 10 %-lossy hoster that goes silent whenever it lacks a block is slow (NO_ANSWER), never a pass', async () => {
  const silent = await startHoster(testnet.bootstrap, dir, 'silent', world, {
    testing: { shape: (a) => (a.items.some((i) => i.kind === 'error') ? 'silent' : 'send') }
  })
  extra.push(silent)
  const { id, dropped } = await lossyCopy(silent, 'lossy-silent')
  let slow = 0
  for (let t = 0; t < 6; t++) {
    const r = await challenge(silent, id, { deadlineMs: 200, hardTimeoutMs: 400 })
    const hit = r.indices.some((i) => dropped.has(i))
    assert.equal(r.outcome, hit ? 'slow' : 'pass', `challenge ${t}: ${JSON.stringify(r.error)}`)
    if (hit) {
      assert.equal(r.code, JudgementCode.NO_ANSWER)
      slow++
    }
  }
  assert.ok(slow >= 2, `only ${slow} of 6 challenges drew a lost block`)
})

test('a prefetching hoster (kept only the blocks the old, nonce-free formula named at epoch start) fails; an honest one passes', async () => {
  const pre = await startHoster(testnet.bootstrap, dir, 'prefetcher', world)
  extra.push(pre)
  const src = await makeSource(dir, 'prefetched', LENGTH, SIZE)
  const id = agreement(src.core.key, LENGTH, 16)
  // At epoch start it computes what each of 3 attestors would ask under favor/challenge/1's formula
  // PRNG('favor/challenge/1' ‖ beacon ‖ agreement ‖ attestor) and fetches exactly those from an honest peer.
  const attestors = [ATTESTOR_ACCOUNT, blake2b(Buffer.from('attestor-2')), blake2b(Buffer.from('attestor-3'))]
  const wanted = new Set(attestors.flatMap((a) => Prng.from('favor/challenge/1', world.beacon(7), id, a).sampleDistinct(LENGTH, 16)))
  const a = src.store.replicate(true)
  const b = pre.store.replicate(false)
  a.pipe(b).pipe(a)
  const copy = pre.store.get({ key: src.core.key })
  await copy.ready()
  await copy.update({ wait: true })
  await Promise.all([...wanted].map((i) => copy.get(i, { timeout: 10_000 })))
  a.destroy()
  b.destroy()
  pre.hosted.set(copy.key.toString('hex'), copy)
  assert.equal((await copy.info()).contiguousLength < LENGTH, true)

  const honest = await mirror(hoster, src)
  await src.store.close()
  assert.equal(honest.length, LENGTH)
  for (let t = 0; t < 3; t++) {
    const r = await challenge(pre, id)
    assert.equal(r.outcome, 'missing', `prefetcher challenge ${t}: ${JSON.stringify(r.error)}`)
    assert.equal(r.failing?.errorCode, ItemError.NOT_HELD)
    const ok = await challenge(hoster, id)
    assert.equal(ok.outcome, 'pass', `honest challenge ${t}: ${JSON.stringify(ok.error)}`)
  }
})

test('a stale-fork answer fails: the publisher truncated and rewrote, a hoster answers from the old fork', async () => {
  const stale = await startHoster(testnet.bootstrap, dir, 'stale', world)
  extra.push(stale)
  const src = await makeSource(dir, 'rewritten', 200, SIZE)
  await mirror(stale, src) // fork 0, 200 blocks
  await src.core.truncate(150)
  await src.core.append(Array.from({ length: 60 }, (_, i) => Buffer.alloc(SIZE, 200 + i)))
  assert.equal(src.core.fork, 1)
  const fresh = await mirror(hoster, src) // fork 1, 210 blocks
  await src.store.close()
  assert.equal(fresh.fork, 1)
  const id = agreement(src.core.key, 150, 16, 1)
  const r = await challenge(stale, id)
  assert.equal(r.outcome, 'missing', JSON.stringify(r.error))
  assert.equal(r.failing?.kind, 'proof')
  assert.equal(r.error?.code, 'FORK_MISMATCH')
  assert.equal(r.receipt?.fork, 0, 'the receipt shows the old fork')
  assertEvidence(r, stale, id)
  const ok = await challenge(hoster, id)
  assert.equal(ok.outcome, 'pass', JSON.stringify(ok.error))
  assert.equal(ok.receipt?.fork, 1)
})

test('another core under the agreed key, or a copy shorter than the challenged length: missing', async () => {
  const liar = await startHoster(testnet.bootstrap, dir, 'liar', world)
  extra.push(liar)
  const real = await publishTo(liar, dir, 'real', 64, SIZE)
  const fake = await publishTo(liar, dir, 'fake', 64, SIZE)
  liar.hosted.set(real.key.toString('hex'), fake)
  const id = agreement(real.key, 64, 4)
  const r = await challenge(liar, id)
  assert.equal(r.outcome, 'missing')
  assert.equal(r.error?.code, 'BAD_MANIFEST')
  assertEvidence(r, liar, id)

  const longer = agreement(core.key, LENGTH + 500, 16)
  const short = await challenge(hoster, longer)
  assert.equal(short.outcome, 'missing', JSON.stringify(short.error))
  assertEvidence(short, hoster, longer)
})

test('a hoster that closes the connection after seeing the nonce is slow (CLOSED_AFTER_REQUEST), never missing', async () => {
  const closer = await startHoster(testnet.bootstrap, dir, 'closer', world, { testing: { shape: () => 'close' } })
  extra.push(closer)
  const c = await publishTo(closer, dir, 'closer', 64, SIZE)
  const id = agreement(c.key, 64, 8)
  const r = await challenge(closer, id)
  assert.equal(r.outcome, 'slow', JSON.stringify(r.error))
  assert.equal(r.code, JudgementCode.CLOSED_AFTER_REQUEST)
  assert.equal(toReportResult(id, r).failing, null)
})

test('an offline hoster is unreachable, not missing', async () => {
  const nobody = keyPair(seedFromName('never-online')).publicKey
  const started = Date.now()
  const r = await challenge(hoster, 1, { hosterNodeKey: nobody, connectTimeoutMs: 1500 })
  assert.equal(r.outcome, 'unreachable')
  assert.ok(r.code === JudgementCode.CONNECT_TIMEOUT || r.code === JudgementCode.CONNECTION_FAILED, `code ${r.code}`)
  assert.ok(Date.now() - started < 1500 + 1500, 'bounded by the connect timeout')
  assert.equal(toReportResult(1, r).receipt, null)
})

test('the deadline is judged net of the round trip, and the round trip allowance is capped', async () => {
  // A hoster whose pongs and answers both take 300 ms: its network is slow, its answer is not.
  const far = await startHoster(testnet.bootstrap, dir, 'far', world, { testing: { pongDelayMs: 300, delayMs: 300 } })
  extra.push(far)
  const c = await publishTo(far, dir, 'far', 64, SIZE)
  const id = agreement(c.key, 64, 4)
  const r = await challenge(far, id, { deadlineMs: 150 })
  assert.equal(r.outcome, 'pass', JSON.stringify(r.error))
  assert.ok(r.rttMs >= 290 && r.responseMs !== null && r.responseMs >= 290, `rtt ${r.rttMs}, response ${r.responseMs}`)
  // With the allowance capped at 50 ms, slow pongs buy no time: the same answer is late.
  const capped = await challenge(far, id, { deadlineMs: 150, maxRttAllowanceMs: 50 })
  assert.equal(capped.outcome, 'slow', JSON.stringify(capped.error))
  assert.equal(capped.code, JudgementCode.LATE)
  assert.equal(capped.rttMs, 50)
  assert.ok(capped.receipt, 'a late answer still carries its receipt')
})

test('a hoster delayed past the deadline is slow: late but valid (LATE), or no answer at all (NO_ANSWER)', async () => {
  const lazy = await startHoster(testnet.bootstrap, dir, 'lazy', world, { testing: { delayMs: 400 } })
  extra.push(lazy)
  const c = await publishTo(lazy, dir, 'lazy', 64, SIZE)
  const id = agreement(c.key, 64, 3)
  const late = await challenge(lazy, id, { deadlineMs: 150, hardTimeoutMs: 3000 })
  assert.equal(late.outcome, 'slow')
  assert.equal(late.code, JudgementCode.LATE)
  const stalled = await challenge(lazy, id, { deadlineMs: 100, hardTimeoutMs: 250 })
  assert.equal(stalled.outcome, 'slow')
  assert.equal(stalled.code, JudgementCode.NO_ANSWER)
  const patient = await challenge(lazy, id, { deadlineMs: 2000 })
  assert.equal(patient.outcome, 'pass', JSON.stringify(patient.error))
})

test('an answer late only because the attestor itself stalled is not judged; a hoster late on its own is', async () => {
  // The hoster and the attestor share this process: a synchronous stall while the hoster prepares its
  // answer stalls the attestor's event loop as well, as a GC or a busy machine would.
  const STALL_MS = 2500
  const stalling = await startHoster(testnet.bootstrap, dir, 'stalling', world, {
    testing: {
      alter: (answer) => {
        const until = performance.now() + STALL_MS
        while (performance.now() < until) { /* the process's own loop is blocked */ }
        return Promise.resolve(answer)
      }
    }
  })
  extra.push(stalling)
  const c = await publishTo(stalling, dir, 'stalling', 64, SIZE)
  const r = await challenge(stalling, agreement(c.key, 64, 4), { deadlineMs: 1000 })
  assert.equal(r.outcome, 'slow', 'its clock says late')
  assert.equal(r.code, JudgementCode.LATE)
  assert.ok(r.ownLagMs >= STALL_MS - 100, `the attestor saw its own stall: ${r.ownLagMs} ms`)
  assert.equal(r.timingInconclusive, true, `response ${r.responseMs} ms, own stall ${r.ownLagMs} ms`)

  // a hoster that takes its time while the attestor's loop runs freely: late, and judged so
  const slowHoster = await startHoster(testnet.bootstrap, dir, 'slow-hoster', world, { testing: { delayMs: STALL_MS } })
  extra.push(slowHoster)
  const d = await publishTo(slowHoster, dir, 'slow-hoster', 64, SIZE)
  const late = await challenge(slowHoster, agreement(d.key, 64, 4), { deadlineMs: 100, hardTimeoutMs: 10_000 })
  assert.equal(late.code, JudgementCode.LATE)
  assert.ok(late.ownLagMs < STALL_MS - 100, `no stall of the attestor's own covers it: ${late.ownLagMs} ms`)
  assert.equal(late.timingInconclusive, false)
})

test('the attestor waits on for as long as it stalled itself: a silent hoster is NO_ANSWER on the same nonce, an answer that came during the stall is read', async () => {
  // Hoster and attestor share this process: a stall while the hoster prepares its answer stalls the
  // attestor's wait too, and its hard timer (shorter than the stall) expires during it.
  const STALL_MS = 2500
  const stall = (): void => {
    const until = performance.now() + STALL_MS
    while (performance.now() < until) { /* the process's own loop is blocked */ }
  }
  const timing = { deadlineMs: 1000, hardTimeoutMs: 1500 }
  const mute = await startHoster(testnet.bootstrap, dir, 'stall-mute', world, {
    testing: { alter: (answer) => { stall(); return Promise.resolve(answer) }, shape: () => 'silent' }
  })
  extra.push(mute)
  const c = await publishTo(mute, dir, 'stall-mute', 64, SIZE)
  const silent = await challenge(mute, agreement(c.key, 64, 4), timing)
  assert.equal(silent.code, JudgementCode.NO_ANSWER, JSON.stringify(silent.error))
  assert.ok(silent.ownLagMs >= STALL_MS - 100, `the attestor saw its own stall: ${silent.ownLagMs} ms`)
  // it waited the hard timeout beyond its stall, so the silence is judged: no fresh draw of blocks
  assert.equal(silent.timingInconclusive, false, silent.error?.message)
  assert.ok(silent.latencyMs >= STALL_MS + timing.hardTimeoutMs - 200, `waited ${silent.latencyMs} ms`)

  const speaking = await startHoster(testnet.bootstrap, dir, 'stall-speaks', world, {
    testing: { alter: (answer) => { stall(); return Promise.resolve(answer) } }
  })
  extra.push(speaking)
  const d = await publishTo(speaking, dir, 'stall-speaks', 64, SIZE)
  const r = await challenge(speaking, agreement(d.key, 64, 4), timing)
  // its timer fired before the answer sent during the stall was read; the wait went on and read it
  assert.notEqual(r.code, JudgementCode.NO_ANSWER, JSON.stringify(r.error))
  assert.ok(r.receipt, 'the answer is read')
  assert.ok(r.outcome === 'pass' || r.timingInconclusive, `${r.outcome} ${JSON.stringify(r.error)}, own stall ${r.ownLagMs} ms`)
})

test('a hoster whose ledger view lags finds the challenge after the intent, before the nonce: it passes; looked up after the nonce, the lag is late', async () => {
  // the hoster's view shows the attestation record only LAG_MS after the attestor's did
  const LAG_MS = 1200
  const lookup = worldParams(world)
  const lagging = await startHoster(testnet.bootstrap, dir, 'lagging-view', world, {
    params: async (q) => {
      await new Promise((resolve) => setTimeout(resolve, LAG_MS))
      return lookup(q)
    }
  })
  extra.push(lagging)
  const c = await publishTo(lagging, dir, 'lagging-view', 64, SIZE)
  const id = agreement(c.key, 64, 4)
  const r = await challenge(lagging, id, { deadlineMs: 500 })
  assert.equal(r.outcome, 'pass', JSON.stringify(r.error))
  assert.ok(r.readyMs !== null && r.readyMs >= LAG_MS - 50, `the first pong waited for the lookup: ${r.readyMs} ms`)
  assert.ok(r.rttMs < LAG_MS, `the round trip is not the lookup: ${r.rttMs} ms`)
  // an attestor of an earlier build sends no intent: the same lookup falls inside the deadline
  const old = await challenge(lagging, id, { deadlineMs: 500, sendIntent: false })
  assert.equal(old.code, JudgementCode.LATE, JSON.stringify(old.error))
  // a lookup that refuses (this hoster is not challenged in that epoch) is refused before the nonce
  const wrong = await challenge(lagging, id, { epoch: 6, beacon: world.beacon(6) })
  assert.equal(wrong.outcome, 'slow')
  assert.equal(wrong.error?.code, 'UNKNOWN_CHALLENGE')
  assert.match(wrong.error?.message ?? '', /before the nonce/)
  assert.equal(wrong.responseMs, null, 'no nonce was sent')
})

test('no pong while the attestor itself stalled for most of the wait is no judgement; a hoster that never pongs is', async () => {
  // Hoster and attestor share this process: stalling it as the ping arrives stalls the attestor's wait too.
  const TIMEOUT_MS = 1000
  let stallNextPing = true
  const stalling = await startHoster(testnet.bootstrap, dir, 'stalling-ping', world, {
    testing: {
      onPing: () => {
        if (!stallNextPing) return
        stallNextPing = false
        const until = performance.now() + 3 * TIMEOUT_MS
        while (performance.now() < until) { /* the process's own loop is blocked */ }
      }
    }
  })
  extra.push(stalling)
  const c = await publishTo(stalling, dir, 'stalling-ping', 64, SIZE)
  const id = agreement(c.key, 64, 4)
  // without an intent the first pong's wait is the plain timeout (with one it is PREPARE_ALLOWANCE_MS longer)
  const r = await challenge(stalling, id, { connectTimeoutMs: TIMEOUT_MS, deadlineMs: 1000, sendIntent: false })
  // the wait's timer expired during the stall and fires before the pong that was sent during it is read
  assert.equal(r.code, JudgementCode.NO_PONG, JSON.stringify(r.error))
  assert.ok(r.ownLagMs >= 3 * TIMEOUT_MS - 100, `the attestor saw its own stall: ${r.ownLagMs} ms`)
  assert.equal(r.timingInconclusive, true)
  // asked again (no stall this time), the same hoster passes
  const again = await challenge(stalling, id, { connectTimeoutMs: TIMEOUT_MS, deadlineMs: 1000 })
  assert.equal(again.outcome, 'pass', JSON.stringify(again.error))

  // a hoster whose pongs never come in time while the attestor runs freely: NO_PONG, judged
  const mute = await startHoster(testnet.bootstrap, dir, 'mute', world, { testing: { pongDelayMs: 3 * 2000 } })
  extra.push(mute)
  const d = await publishTo(mute, dir, 'mute', 64, SIZE)
  const silent = await challenge(mute, agreement(d.key, 64, 4), { connectTimeoutMs: 2000 })
  assert.equal(silent.code, JudgementCode.NO_PONG)
  assert.ok(silent.ownLagMs < 1000, `no stall of the attestor's own covers it: ${silent.ownLagMs} ms`)
  assert.equal(silent.timingInconclusive, false)
})

test('a challenge for an unknown epoch, agreement or attestor is refused: slow, never missing', async () => {
  const wrongEpoch = await challenge(hoster, 1, { epoch: 6, beacon: world.beacon(6) })
  assert.equal(wrongEpoch.outcome, 'slow')
  assert.equal(wrongEpoch.error?.code, 'UNKNOWN_CHALLENGE')
  world.agreements.set(900, { coreKey: core.key, length: LENGTH, samples: 4, fork: 0, attestors: [blake2b(Buffer.from('someone-else'))] })
  const notSelected = await challenge(hoster, 900)
  assert.equal(notSelected.outcome, 'slow')
  assert.equal(notSelected.error?.code, 'NOT_SELECTED')
  // The attestor's view differs from the hoster's (another network id): the receipt does not verify for it.
  const otherNet = await challenge(hoster, 1, { networkId: blake2b(Buffer.from('another network')) })
  assert.equal(otherNet.outcome, 'slow')
  assert.equal(otherNet.error?.code, 'BAD_RECEIPT')
  const busy = await startHoster(testnet.bootstrap, dir, 'busy', world, { maxConcurrent: 0 })
  extra.push(busy)
  const b = await challenge(busy, 1)
  assert.equal(b.outcome, 'slow')
  assert.equal(b.error?.code, 'BUSY')
})

/** Opens a raw challenge channel to the main hoster, sends `bytes` as `type`; resolves when it closes the connection. */
async function sendRaw(type: MessageType, bytes: Uint8Array): Promise<{ refusals: number }> {
  const rogue = createDht({ bootstrap: testnet.bootstrap, keyPair: keyPair(seedFromName(`rogue-${Math.random()}`)) })
  try {
    const conn = rogue.connect(hoster.keyPair.publicKey)
    conn.on('error', () => undefined) // the hoster resets the connection: expected
    const closed = new Promise<void>((resolve) => conn.once('close', () => resolve()))
    await withTimeout(once(conn, 'open'), 5000, 'rogue connection')
    let refusals = 0
    let opened!: () => void
    const isOpen = new Promise<void>((resolve) => { opened = resolve })
    const ch = createChallengeChannel(conn, { refusal: () => { refusals++ } }, { onopen: () => opened() })
    assert.ok(ch)
    ch.channel.open()
    await withTimeout(isOpen, 5000, 'rogue channel open')
    ch.send[type].send(bytes)
    await withTimeout(closed, 5000, 'the hoster closing the rogue connection')
    return { refusals }
  } finally {
    await rogue.destroy()
  }
}

test('garbage, oversized and truncated messages to a hoster close that connection with a clear error; others are still served', async () => {
  const good = Buffer.from(encodeWire(itemWire, { position: 0, item: { kind: 'error', code: 1 } }))
  const challengeBytes = Buffer.concat([Buffer.from([1, 7]), Buffer.alloc(32, 1), Buffer.alloc(32, 2)])
  const cases: [string, MessageType, Uint8Array, string][] = [
    ['garbage challenge', 'challenge', Buffer.from('\xff\xff\xff\xff\xffgarbage', 'latin1'), 'MALFORMED'],
    ['oversized challenge', 'challenge', Buffer.alloc(64 * 1024, 1), 'OVERSIZED'],
    ['truncated challenge', 'challenge', challengeBytes.subarray(0, challengeBytes.length - 5), 'MALFORMED'],
    ['trailing challenge', 'challenge', Buffer.concat([challengeBytes, Buffer.from([0])]), 'MALFORMED'],
    ['garbage ping', 'ping', Buffer.from([0xff, 0xff]), 'MALFORMED'],
    ['truncated intent', 'intent', challengeBytes.subarray(0, 20), 'MALFORMED'],
    ['oversized intent', 'intent', Buffer.alloc(4096, 1), 'OVERSIZED'],
    ['a ping with trailing bytes', 'ping', good, 'MALFORMED']
  ]
  assert.deepEqual(decodeWire(pingWire, encodeWire(pingWire, { seq: 3 })), { seq: 3 })
  for (const [what, type, bytes, code] of cases) {
    const before = hoster.log.entries.length
    const [raw, honest] = await Promise.all([sendRaw(type, bytes), challenge(hoster, 1)])
    assert.equal(raw.refusals, 1, `${what}: one refusal before the close`)
    assert.equal(honest.outcome, 'pass', `${what}: ${JSON.stringify(honest.error)}`)
    const logged = hoster.log.entries.slice(before).find((e) => e.level === 'error')
    assert.ok(logged, `${what}: logged`)
    assert.match(logged.msg, /protocol violation/)
    assert.equal((logged.data as { code: string }).code, code, what)
  }
  assert.equal((await challenge(hoster, 1)).outcome, 'pass')
})

test('a rogue hoster that answers with garbage, an oversized item or a forged receipt is slow, never missing', async () => {
  const kp = keyPair(seedFromName('rogue-hoster'))
  const dht = createDht({ bootstrap: testnet.bootstrap, keyPair: kp })
  let mode: 'garbage' | 'oversized' | 'forged' | 'out-of-order' = 'garbage'
  const server = dht.createServer((conn) => {
    conn.on('error', () => undefined)
    const ch = createChallengeChannel(conn, {
      ping: (bytes) => ch?.send.pong.send(encodeWire(pongWire, decodeWire(pingWire, bytes))),
      challenge: () => {
        if (!ch) return
        if (mode === 'garbage') ch.send.item.send(Buffer.from([0xff, 0xfe, 0xfd]))
        else if (mode === 'oversized') ch.send.item.send(Buffer.alloc(2 * 1024 * 1024, 0))
        else if (mode === 'out-of-order') ch.send.item.send(encodeWire(itemWire, { position: 3, item: { kind: 'error', code: ItemError.NOT_HELD } }))
        else {
          for (let position = 0; position < 4; position++) ch.send.item.send(encodeWire(itemWire, { position, item: { kind: 'error', code: ItemError.NOT_HELD } }))
          ch.send.receipt.send(encodeWire(receiptWire, { manifest: Buffer.alloc(0), fork: 0, length: 0, signature: Buffer.alloc(64, 9) }))
        }
      }
    })
    ch?.channel.open()
  })
  await server.listen(kp)
  try {
    const rogue = { keyPair: kp } as HosterNode
    for (const m of ['garbage', 'oversized', 'out-of-order', 'forged'] as const) {
      mode = m
      world.agreements.set(901, { coreKey: core.key, length: LENGTH, samples: 4, fork: 0 })
      const r = await challenge(rogue, 901, { hardTimeoutMs: 3000 })
      assert.equal(r.outcome, 'slow', `${m}: ${JSON.stringify(r.error)}`)
      assert.equal(r.code, JudgementCode.HOSTER_TROUBLE, m)
      assert.equal(r.failing, null)
    }
  } finally {
    await server.close()
    await dht.destroy()
  }
})
