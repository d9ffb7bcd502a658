// A hoster that really dropped 10 % of its blocks is failed in the first epoch after the drop in which it
// is judged (not a weak epoch, reports recorded), live:
// whether it admits the loss with signed NOT_HELD items (→ missing, proven), or goes silent whenever it
// lacks a block (→ slow by a strict majority). With 3 attestors × 32 samples (samplesNew, what the
// contract gives unvetted or recently failing hosters; set for every hoster here) the admitting hoster
// escapes an epoch with probability 0.9^96 ≈ 4·10⁻⁵, the silent one with ≈ 0.3 % (docs/challenges.md §3).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { blake2b } from '../../src/stack/index.js'
import { sampleIndices, JudgementCode } from '../../src/proof/index.js'
import type { ResponderTestHooks } from '../../src/protocol/index.js'
import { accepted, agreementOf, challengeNet, decidedAttestation } from './challenge-net.js'
import { waitFor } from '../harness/wait.js'

const BLOCKS = 1000

async function lossyEpoch(name: string, hooks: ResponderTestHooks | undefined): Promise<{ outcomes: string[]; codes: number[]; warning: string | null; fails: number; goodFails: number; close: () => Promise<void> }> {
  const cn = await challengeNet({ blocks: BLOCKS, blockBytes: 1024, params: { samples: 32, samplesNew: 32 }, ...(hooks ? { badHooks: hooks } : {}) })
  try {
    // 10 % of the blocks, even indices only (hypercore 11.37.1 corrupts the tree when odd single blocks are cleared)
    const drop = sampleIndices(blake2b(Buffer.from(`drop-${name}`)), BLOCKS / 2, BLOCKS / 10).map((i) => 2 * i)
    assert.ok(await cn.bad.dropCopy(cn.core.key.toString('hex'), drop))
    // the first epoch whose challenges all start after the drop and that enough attestors judged
    const { att, epoch: e } = await decidedAttestation(cn.idx, (await cn.idx.epoch()) + 1, cn.badAgr.id)
    await waitFor(async () => (await cn.idx.epoch()) >= e + 1, 60_000, 'the epoch settles')
    const b = await agreementOf(cn.idx, cn.badAgr.id)
    const g = await agreementOf(cn.idx, cn.goodAgr.id)
    const live = att.results.filter((r) => r !== null && r.refused === '')
    return {
      outcomes: accepted(att), codes: live.map((r) => r?.code ?? -1), warning: b.warning, fails: b.fails, goodFails: g.fails,
      close: () => cn.net.close()
    }
  } catch (err) {
    await cn.net.close()
    throw err
  }
}

test('a hoster that dropped 10 % of its blocks and signs NOT_HELD fails its first epoch (missing)', { timeout: 150_000 }, async (t) => {
  const r = await lossyEpoch('admit', undefined)
  t.after(r.close)
  assert.ok(r.outcomes.includes('missing'), JSON.stringify(r.outcomes))
  assert.ok(r.fails >= 1)
  assert.equal(r.warning, 'missing')
  assert.equal(r.goodFails, 0)
})

test('a hoster that dropped 10 % of its blocks and goes silent when it lacks one fails its first epoch (slow)', { timeout: 150_000 }, async (t) => {
  const r = await lossyEpoch('silent', { shape: (a) => (a.items.some((i) => i.kind === 'error') ? 'silent' : 'send') })
  t.after(r.close)
  assert.ok(!r.outcomes.includes('missing'), 'silence is never proven loss')
  assert.ok(r.outcomes.filter((o) => o === 'slow').length >= 2, `a strict majority of slow: ${JSON.stringify(r.outcomes)}`)
  assert.ok(r.codes.includes(JudgementCode.NO_ANSWER))
  assert.ok(r.fails >= 1)
  assert.equal(r.warning, 'slow')
  assert.equal(r.goodFails, 0)
})
