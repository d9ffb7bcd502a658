// favor/challenge/2 between real nodes, judged by the contract: a prefetching hoster fails while the
// honest one passes; a hoster answering from an abandoned fork fails; a hoster that closes the connection
// after the nonce is `slow`, never `missing`.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { getAttestation, getBeacon } from '../../src/ledger/index.js'
import { ItemError, Prng } from '../../src/proof/index.js'
import type { AnswerItem } from '../../src/proof/index.js'
import { JudgementCode } from '../../src/proof/index.js'
import type { FavorNode } from '../../src/node.js'
import { openStore, type Core } from '../../src/stack/index.js'
import type { ResponderTestHooks } from '../../src/protocol/index.js'
import { makeBlocks } from '../harness/blocks.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'
import { waitFor } from '../harness/wait.js'
import { accepted, agreementOf, attestationHistory, challengeNet, decidedAttestation, settledAttestation } from './challenge-net.js'

/**
 * A prefetcher: at the start of the epoch the attestation record and the beacon are public, so under
 * favor/challenge/1's formula — PRNG('favor/challenge/1' ‖ beacon ‖ agreement ‖ attestor) — it could
 * compute every selected attestor's indices and hold only those blocks. It answers honestly from what it
 * would hold: proofs for those blocks, NOT_HELD for the rest. (The live protocol test builds the same
 * hoster from a real partial copy: test/protocol/challenge.test.ts.)
 */
function prefetcher(bad: () => FavorNode): ResponderTestHooks {
  return {
    alter: async (answer, req) => {
      const kv = bad().ledger.kv
      const [att, beacon] = await Promise.all([getAttestation(kv, req.epoch, req.agreementId), getBeacon(kv, req.epoch)])
      if (att === null || beacon === null) return answer
      const held = new Set(att.attestors.flatMap((a) =>
        Prng.from('favor/challenge/1', beacon, req.agreementId, Buffer.from(a, 'hex')).sampleDistinct(att.length, Math.min(att.samples, att.length))))
      const items = answer.items.map((item, p): AnswerItem => (held.has(answer.indices[p] as number) ? item : { kind: 'error', code: ItemError.NOT_HELD }))
      return { ...answer, items }
    }
  }
}

test('a prefetching hoster (indices computed at epoch start) fails; the honest hoster passes', { timeout: 150_000 }, async (t) => {
  const cn = await challengeNet({ blocks: 1024, blockBytes: 1024, badHooks: prefetcher })
  t.after(() => cn.net.close())
  const e0 = (await cn.idx.epoch()) + 1
  const { att: bad } = await decidedAttestation(cn.idx, e0, cn.badAgr.id)
  const { att: good, epoch: eGood } = await decidedAttestation(cn.idx, e0, cn.goodAgr.id)
  assert.ok(bad.samples >= 8, `samples ${bad.samples}`)
  assert.ok(accepted(bad).every((o) => o === 'missing'), `prefetcher: ${JSON.stringify(bad.results)}`)
  assert.ok(accepted(good).every((o) => o === 'pass'), `honest: ${JSON.stringify(good.results)}`)
  const e = Math.max(e0, eGood)
  await waitFor(async () => (await cn.idx.epoch()) >= e + 1, 60_000, 'the epoch settles')
  const b = await agreementOf(cn.idx, cn.badAgr.id)
  const g = await agreementOf(cn.idx, cn.goodAgr.id)
  assert.ok(b.fails >= 1 && b.warning === 'missing', `prefetcher agreement: fails ${b.fails}, warning ${b.warning}`)
  assert.ok(g.fails === 0 && g.passes >= 1, `honest agreement: fails ${g.fails}, passes ${g.passes}`)
})

test('a hoster answering from the abandoned fork after the publisher truncated and rewrote: missing', { timeout: 150_000 }, async (t) => {
  let stale: Core | null = null
  const cn = await challengeNet({ blocks: 200, blockBytes: 1024, badHooks: { core: (_key, hosted) => stale ?? hosted } })
  const dir = await makeTempDir('stale-copy')
  const side = openStore(dir)
  t.after(async () => {
    await cn.net.close()
    await side.close()
    await removeDir(dir)
  })
  // a copy of fork 0, kept aside before the rewrite
  const a = cn.pub.store.replicate(true)
  const b = side.replicate(false)
  a.pipe(b).pipe(a)
  const copy = side.get({ key: cn.core.key })
  await copy.ready()
  await copy.update({ wait: true })
  await copy.download({ start: 0, end: cn.core.length }).done()
  a.destroy()
  b.destroy()
  assert.equal(copy.fork, 0)
  stale = copy

  await cn.core.truncate(150)
  await cn.core.append(makeBlocks('rewrite', 0, 60, 1024))
  assert.equal(cn.core.fork, 1)
  // once the ledger challenges fork 1 (the rewrite was recorded and acknowledged, or its grace ran out)
  await waitFor(async () => (await agreementOf(cn.idx, cn.badAgr.id)).challengedFork === 1, 40_000, 'fork 1 challenged on the bad agreement')
  const { att: bad, epoch: e } = await decidedAttestation(cn.idx, (await cn.idx.epoch()) + 1, cn.badAgr.id)
  assert.ok(bad.fork === 1)
  assert.ok(accepted(bad).every((o) => o === 'missing'), `stale: ${JSON.stringify(bad.results)}`)
  const good = await settledAttestation(cn.idx, e, cn.goodAgr.id)
  if (good?.fork === 1) assert.ok(accepted(good).every((o) => o === 'pass'), `honest: ${JSON.stringify(good.results)}`)
  const g = await waitFor(async () => {
    const x = await agreementOf(cn.idx, cn.goodAgr.id)
    return x.challengedFork === 1 && x.challengedLength === 210 ? x : null
  }, 40_000, 'the honest hoster acknowledged the rewrite')
  assert.equal(g.fails, 0, `honest hoster's attestations: ${await attestationHistory(cn.idx, cn.goodAgr.id, 1, await cn.idx.epoch())}`)
})

test('a hoster that closes the connection after the nonce is slow (CLOSED_AFTER_REQUEST), never missing', { timeout: 150_000 }, async (t) => {
  const cn = await challengeNet({ blocks: 64, blockBytes: 4096, badHooks: { shape: () => 'close' } })
  t.after(() => cn.net.close())
  const { att: bad, epoch: e } = await decidedAttestation(cn.idx, (await cn.idx.epoch()) + 1, cn.badAgr.id)
  const results = bad.results.filter((r) => r !== null && r.refused === '')
  assert.ok(results.length >= 2, JSON.stringify(bad.results))
  for (const r of results) {
    assert.equal(r?.outcome, 'slow')
    assert.equal(r?.code, JudgementCode.CLOSED_AFTER_REQUEST)
  }
  await waitFor(async () => (await cn.idx.epoch()) >= e + 1, 60_000, 'the epoch settles')
  const b = await agreementOf(cn.idx, cn.badAgr.id)
  assert.notEqual(b.warning, 'missing')
  assert.equal(b.warning, 'slow')
})
