// The challenge protocol between real nodes on a loopback testnet.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { blake2b, createDht, keyPair, muxOf, seedFromName } from '../../src/stack/index.js'
import type { Core, Dht, Testnet } from '../../src/stack/index.js'
import { sampleIndices } from '../../src/proof/index.js'
import {
  CHALLENGE_PROTOCOL,
  encodeMessage,
  rawCodec,
  requestCodec,
  runChallenge,
  toReportResult
} from '../../src/protocol/index.js'
import type { ChallengeOptions, ChallengeResult } from '../../src/protocol/index.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'
import { withTimeout } from '../harness/wait.js'
import { block, publishTo, startHoster, startNet } from './helpers.js'
import type { HosterNode } from './helpers.js'

let dir: string
let testnet: Testnet
let attestor: Dht
let hoster: HosterNode
let core: Core
const extra: HosterNode[] = []

const LENGTH = 1000
const SIZE = 1024

before(async () => {
  dir = await makeTempDir('challenge')
  ;({ testnet, attestor } = await startNet())
  hoster = await startHoster(testnet.bootstrap, dir, 'main')
  core = await publishTo(hoster, dir, 'main', LENGTH, SIZE)
})

after(async () => {
  for (const h of extra) await h.close()
  await hoster.close()
  await attestor.destroy()
  await testnet.destroy()
  await removeDir(dir)
})

function opts(over: Partial<ChallengeOptions> = {}): ChallengeOptions {
  return {
    dht: attestor,
    hosterNodeKey: hoster.keyPair.publicKey,
    coreKey: core.key,
    agreementId: 'agr-1',
    epoch: 7,
    indices: sampleIndices(blake2b(Buffer.from('beacon-7')), LENGTH, 16),
    minLength: LENGTH,
    deadlineMs: 1000,
    connectTimeoutMs: 5000,
    ...over
  }
}

async function challenge(over: Partial<ChallengeOptions> = {}): Promise<ChallengeResult> {
  return withTimeout(runChallenge(opts(over)), 15_000, 'a challenge')
}

test('an honest hoster passes, with evidence and a report result', async () => {
  const r = await challenge()
  assert.equal(r.outcome, 'pass', JSON.stringify(r.error))
  assert.equal(r.samples, 16)
  assert.equal(r.signedLength, LENGTH)
  assert.equal(r.blocks?.length, 16)
  for (const b of r.blocks ?? []) assert.deepEqual(b.value, block(b.index, SIZE))
  assert.equal(r.perBlockMs?.length, 16)
  assert.ok(r.connectMs !== null && r.responseMs !== null && r.latencyMs >= r.responseMs)
  assert.equal(r.evidenceHash.length, 32)
  assert.equal(r.evidence.contactSignature.length, 64)
  assert.deepEqual(r.evidence.hosterNodeKey, hoster.keyPair.publicKey)
  const rep = toReportResult('agr-1', r)
  assert.deepEqual(Object.keys(rep).sort(), ['agreementId', 'evidenceHash', 'latencyP50Ms', 'latencyP99Ms', 'outcome', 'samples'])
  assert.equal(rep.outcome, 'pass')
  assert.ok(Number.isInteger(rep.latencyP50Ms) && Number.isInteger(rep.latencyP99Ms) && rep.latencyP50Ms <= rep.latencyP99Ms)
  // a second challenge with another nonce has other evidence
  const r2 = await challenge()
  assert.equal(r2.outcome, 'pass')
  assert.notDeepEqual(r2.evidenceHash, r.evidenceHash)
})

test('a hoster without the core is missing (NOT_HOSTED); one that cleared it is missing (MISSING_BLOCK)', async () => {
  const gone = await publishTo(hoster, dir, 'gone', 64, SIZE)
  const key = gone.key
  hoster.hosted.delete(key.toString('hex'))
  const r = await challenge({ coreKey: key, minLength: 64, indices: [1, 2, 3] })
  assert.equal(r.outcome, 'missing')
  assert.equal(r.error?.code, 'NOT_HOSTED')

  const cleared = await publishTo(hoster, dir, 'cleared', 64, SIZE)
  await cleared.clear(0, cleared.length)
  const r2 = await challenge({ coreKey: cleared.key, minLength: 64, indices: [5, 20, 40] })
  assert.equal(r2.outcome, 'missing')
  assert.equal(r2.error?.code, 'MISSING_BLOCK')
})

test('a hoster that dropped 10 % of its blocks is caught by 3 × 16 samples', async () => {
  const lossy = await publishTo(hoster, dir, 'lossy', LENGTH, SIZE)
  // drop 100 of the 500 even blocks (odd single clears corrupt the tree in hypercore 11.37.1)
  const evens = sampleIndices(blake2b(Buffer.from('drop')), LENGTH / 2, LENGTH / 10).map(i => 2 * i)
  for (const i of evens) await lossy.clear(i, i + 1)
  const dropped = new Set(evens)
  const TRIALS = 6
  let detectedTrials = 0
  let missingChallenges = 0
  for (let t = 0; t < TRIALS; t++) {
    let caught = false
    for (let a = 0; a < 3; a++) {
      const indices = sampleIndices(blake2b(Buffer.from(`trial-${t}-attestor-${a}`)), LENGTH, 16)
      const r = await challenge({ coreKey: lossy.key, indices, agreementId: 'agr-lossy' })
      const hits = indices.some(i => dropped.has(i))
      // exact: missing iff a sampled block was dropped; otherwise the honest remainder still passes
      assert.equal(r.outcome, hits ? 'missing' : 'pass', `trial ${t} attestor ${a}: ${JSON.stringify(r.error)}`)
      if (hits) {
        assert.equal(r.error?.code, 'MISSING_BLOCK')
        missingChallenges++
        caught = true
      }
    }
    if (caught) detectedTrials++
  }
  console.log(`# 10 % loss: ${missingChallenges}/${3 * TRIALS} challenges missing, ${detectedTrials}/${TRIALS} epochs detected`)
  // P(one attestor misses) ≈ 0.9^16 ≈ 0.18; P(an epoch escapes all three) ≈ 0.6 %.
  assert.ok(missingChallenges >= 10, `only ${missingChallenges} of ${3 * TRIALS} challenges caught the loss (expected ~15)`)
  assert.ok(detectedTrials >= TRIALS - 1, `only ${detectedTrials} of ${TRIALS} epochs caught the loss`)
})

test('an offline hoster is unreachable, not missing', async () => {
  const nobody = keyPair(seedFromName('never-online')).publicKey
  const started = Date.now()
  const r = await challenge({ hosterNodeKey: nobody, connectTimeoutMs: 1500 })
  assert.equal(r.outcome, 'unreachable')
  assert.ok(r.connectMs === null)
  assert.ok(Date.now() - started < 1500 + 1000, 'bounded by the connect timeout')

  // a hoster that was online and then went away
  const gone = await startHoster(testnet.bootstrap, dir, 'went-offline')
  const key = gone.keyPair.publicKey
  await gone.close()
  const r2 = await challenge({ hosterNodeKey: key, connectTimeoutMs: 1500 })
  assert.equal(r2.outcome, 'unreachable', JSON.stringify(r2.error))
})

test('a hoster delayed past the deadline is slow (late but valid, or no answer at all)', async () => {
  const lazy = await startHoster(testnet.bootstrap, dir, 'lazy', { delayMs: 400 })
  extra.push(lazy)
  const c = await publishTo(lazy, dir, 'lazy', 64, SIZE)
  const base = { hosterNodeKey: lazy.keyPair.publicKey, coreKey: c.key, minLength: 64, indices: [0, 10, 63] }
  const late = await challenge({ ...base, deadlineMs: 150, hardTimeoutMs: 3000 })
  assert.equal(late.outcome, 'slow')
  assert.equal(late.error?.code, 'LATE')
  assert.equal(late.blocks?.length, 3, 'the late answer was still verified')
  const stalled = await challenge({ ...base, deadlineMs: 100, hardTimeoutMs: 250 })
  assert.equal(stalled.outcome, 'slow')
  assert.equal(stalled.error?.code, 'NO_ANSWER')
  const patient = await challenge({ ...base, deadlineMs: 2000 })
  assert.equal(patient.outcome, 'pass')
})

test('invalid answers are missing: another core under the key, a signed length below the agreement', async () => {
  const liar = await startHoster(testnet.bootstrap, dir, 'liar')
  extra.push(liar)
  const real = await publishTo(liar, dir, 'real', 64, SIZE)
  const fake = await publishTo(liar, dir, 'fake', 64, SIZE)
  liar.hosted.set(real.key.toString('hex'), fake) // serves another core's blocks for the agreed key
  const r = await challenge({ hosterNodeKey: liar.keyPair.publicKey, coreKey: real.key, minLength: 64, indices: [3, 4] })
  assert.equal(r.outcome, 'missing')
  assert.equal(r.error?.code, 'BAD_MANIFEST')

  const short = await challenge({ minLength: LENGTH + 50, indices: [1, 2] })
  assert.equal(short.outcome, 'missing')
  assert.equal(short.error?.code, 'TOO_SHORT')
})

/** Opens a raw challenge channel and sends `bytes` as a request; resolves when the hoster closes it. */
async function sendRaw(bytes: Uint8Array): Promise<{ closed: boolean; replies: number }> {
  const rogue = createDht({ bootstrap: testnet.bootstrap, keyPair: keyPair(seedFromName(`rogue-${Math.random()}`)) })
  try {
    const conn = rogue.connect(hoster.keyPair.publicKey)
    conn.on('error', () => undefined) // the hoster resets the connection: expected
    const closed = new Promise<void>(resolve => conn.once('close', () => resolve()))
    await withTimeout(once(conn, 'open'), 5000, 'rogue connection')
    let replies = 0
    const ch = muxOf(conn).createChannel({ protocol: CHALLENGE_PROTOCOL })
    assert.ok(ch)
    const req = ch.addMessage({ encoding: rawCodec })
    for (let i = 0; i < 3; i++) ch.addMessage({ encoding: rawCodec, onmessage: () => { replies++ } })
    const opened = new Promise<void>(resolve => {
      const check = setInterval(() => { if (ch.opened) { clearInterval(check); resolve() } }, 5)
    })
    ch.open()
    await withTimeout(opened, 5000, 'rogue channel open')
    req.send(bytes)
    await withTimeout(closed, 5000, 'the hoster closing the rogue connection')
    return { closed: true, replies }
  } finally {
    await rogue.destroy()
  }
}

test('garbage, oversized and truncated requests close that connection with a clear error; others are still served', async () => {
  const good = encodeMessage(requestCodec, { agreementId: 'agr-1', coreKey: core.key, epoch: 1, nonce: Buffer.alloc(32, 7), indices: [1, 2, 3] })
  const cases: [string, Uint8Array, string][] = [
    ['garbage', Buffer.from('\xff\xff\xff\xff\xffgarbage', 'latin1'), 'MALFORMED'],
    ['oversized', Buffer.alloc(64 * 1024, 1), 'OVERSIZED'],
    ['truncated', good.subarray(0, good.length - 5), 'MALFORMED'],
    ['trailing', Buffer.concat([good, Buffer.from([0])]), 'MALFORMED']
  ]
  for (const [what, bytes, code] of cases) {
    const before = hoster.log.entries.length
    // a concurrent honest challenge on another connection is not disturbed
    const [raw, honest] = await Promise.all([sendRaw(bytes), challenge({ indices: [5, 6, 7] })])
    assert.equal(raw.closed, true, what)
    assert.equal(raw.replies, 1, `${what}: one error reply before the close`)
    assert.equal(honest.outcome, 'pass', `${what}: ${JSON.stringify(honest.error)}`)
    const logged = hoster.log.entries.slice(before).find(e => e.level === 'error')
    assert.ok(logged, `${what}: logged`)
    assert.match(logged.msg, /protocol violation/)
    assert.equal((logged.data as { code: string }).code, code, what)
  }
  const after = await challenge()
  assert.equal(after.outcome, 'pass')
})

test('replication and challenges share the hoster server', async () => {
  const { openStore } = await import('../../src/stack/index.js')
  const path = await import('node:path')
  const reader = openStore(path.join(dir, 'reader'))
  try {
    const conn = attestor.connect(hoster.keyPair.publicKey)
    conn.on('error', () => undefined)
    await withTimeout(once(conn, 'open'), 5000, 'reader connection')
    reader.replicate(conn)
    const copy = reader.get({ key: core.key })
    await copy.ready()
    const [value, r] = await Promise.all([
      withTimeout(copy.get(123, { timeout: 5000 }), 6000, 'a replicated block'),
      challenge({ indices: [123, 124] })
    ])
    assert.deepEqual(value, block(123, SIZE))
    assert.equal(r.outcome, 'pass')
    conn.destroy()
  } finally {
    await reader.close()
  }
})
