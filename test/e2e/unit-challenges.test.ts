// favor/challenge/2 against every kind of core a unit holds, between real nodes, judged by the contract:
//  - an Autobase with two indexers, published as one `autobase` request (both writer cores and the view
//    core, signed under a two-signer manifest with a prologue);
//  - a drive, published as one `drive` request (metadata and blobs cores).
// Three hosters hold every core: an honest one passes on the view core and on the blobs core; one that
// dropped half of the blocks (even indices: hypercore 11.37.1) of the view core and of the blobs core signs
// NOT_HELD and fails (missing, proven); one that answers view-core challenges with proofs whose
// multi-signature envelope it altered fails with the stable proof code BAD_SIGNATURE, and the contract
// (version 2) re-verifies that proof and accepts the `missing`.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { listAgreements, versionInForce, type Agreement } from '../../src/ledger/index.js'
import type { ChallengeRecord, FavorNode } from '../../src/node.js'
import { isMultiSignerManifest } from '../../src/proof/index.js'
import type { AnswerItem } from '../../src/proof/index.js'
import type { ResponderTestHooks } from '../../src/protocol/index.js'
import { decodeManifest, decodeMultiSignature, decodeWireProof, encodeMultiSignature, encodeWireProof } from '../../src/stack/index.js'
import { removeDir } from '../harness/tmp.js'
import { waitFor } from '../harness/wait.js'
import { accepted, agreementOf, decidedAttestation } from './challenge-net.js'
import { E2ENet, TEST_PARAMS } from './helpers.js'
import { smallFolder, twoIndexerBase } from './unit-cores.js'

const MiB = 1024 * 1024

/** A proof item with one byte of its first signature flipped (the envelope re-encoded, so it still decodes). */
function tamper(item: AnswerItem): AnswerItem {
  if (item.kind !== 'proof') return item
  const p = decodeWireProof(item.proof)
  if (p.block === null || p.upgrade === null) return item
  const env = decodeMultiSignature(p.upgrade.signature)
  const first = env.proofs[0]
  if (first === undefined) return item
  const sig = Buffer.from(first.signature)
  sig[0] = (sig[0] ?? 0) ^ 1
  const signature = encodeMultiSignature({ ...env, proofs: [{ ...first, signature: sig }, ...env.proofs.slice(1)] })
  return { kind: 'proof', proof: encodeWireProof({ fork: p.fork, block: p.block, hash: null, seek: null, upgrade: { ...p.upgrade, signature }, manifest: null }) }
}

/** Alters every proof of a multi-signer core (the view) before the answer is signed; other cores honestly. */
const tamperView: ResponderTestHooks = {
  alter: (answer) => (answer.manifest.byteLength > 0 && isMultiSignerManifest(decodeManifest(answer.manifest)) ? { ...answer, items: answer.items.map(tamper) } : answer)
}

test('challenges against an Autobase view core (two indexers) and a drive\'s blobs core: honest pass, dropped blocks and a tampered multi-signature fail', { timeout: 400_000 }, async (t) => {
  const net = await E2ENet.create()
  let folder: string | null = null
  let closeBase: (() => Promise<void>) | null = null
  t.after(async () => {
    await closeBase?.()
    await net.close()
    if (folder !== null) await removeDir(folder)
  })
  // longer epochs and budgets than the single-core tests: 5 cores × 3 hosters × 3 attestors each epoch
  const timing = { epochMs: 6000, challenge: { deadlineMs: 2500, connectTimeoutMs: 2500, hardTimeoutMs: 3000 } }
  const idx = await net.addNode({ name: 'idx' }, { ...timing, params: { ...TEST_PARAMS, attestors: 3 } })
  const pub = await net.addNode({ name: 'pub' }, timing)
  await net.addNode({ name: 'att' }, timing)
  const hoster = (group: string) => ({ capacityBytes: 256 * MiB, group })
  const good = await net.addNode({ name: 'good', hoster: hoster('good') }, timing)
  const bad = await net.addNode({ name: 'bad', hoster: hoster('bad') }, timing)
  const forger = await net.addNode({ name: 'forger', hoster: hoster('forger') }, { ...timing, testing: { responder: tamperView } })
  const records: ChallengeRecord[] = []
  for (const n of net.nodes) n.on('challenge', (c) => records.push(c))
  const meta = await idx.meta()
  assert.ok(meta !== null && versionInForce(meta).contractVersion >= 2, 'the network runs contract version 2')

  const base = await twoIndexerBase(pub, 24)
  closeBase = () => base.close()
  assert.equal(base.manifest.signers.length, 2, 'two indexers sign the view')
  assert.equal(base.manifest.quorum, 2)
  assert.ok(base.manifest.prologue !== null, 'the view has a prologue (its indexer set changed)')
  const ab = await pub.publisher.publishCores(base.cores, { replicas: 3, kind: 'autobase' })
  folder = await smallFolder()
  const drive = await pub.publishFolder(folder, { replicas: 3 })
  const blobs = drive.cores.find((c) => c.kind === 'blobs')
  assert.ok(blobs && blobs.length >= 64)
  const viewKey = base.view.key.toString('hex')
  const viewLength = base.view.length

  // every core of both requests held by all three hosters
  const held = async (requestId: number, keys: string[]): Promise<Agreement[] | null> => {
    const agrs = (await listAgreements(idx.ledger.kv, { requestId })).filter((a) => a.state === 'active')
    return keys.every((k) => agrs.filter((a) => a.coreKey === k).length === 3) ? agrs : null
  }
  const abAgrs = await waitFor(() => held(ab.requestId, base.cores.map((c) => c.key.toString('hex'))), 120_000, 'the autobase\'s 3 cores active on 3 hosters', 200)
  const driveAgrs = await waitFor(() => held(drive.requestId, drive.cores.map((c) => c.key)), 120_000, 'the drive\'s 2 cores active on 3 hosters', 200)
  const agr = (agrs: Agreement[], key: string, h: FavorNode): Agreement => {
    const a = agrs.find((x) => x.coreKey === key && x.hoster === h.account)
    assert.ok(a, `${h.name} hosts ${key}`)
    return a
  }
  const view = { good: agr(abAgrs, viewKey, good), bad: agr(abAgrs, viewKey, bad), forger: agr(abAgrs, viewKey, forger) }
  const blob = { good: agr(driveAgrs, blobs.key, good), bad: agr(driveAgrs, blobs.key, bad) }
  assert.ok(view.good.length >= viewLength - 1 && view.good.length > 0)

  // the lossy hoster drops the even blocks (not the last) of the view core and of the blobs core
  const evens = (length: number): number[] => Array.from({ length }, (_, i) => i).filter((i) => i % 2 === 0 && i < length - 1)
  assert.ok(await bad.dropCopy(viewKey, evens(view.bad.length)))
  assert.ok(await bad.dropCopy(blobs.key, evens(blobs.length)))

  const from = (await idx.epoch()) + 1
  let last = from
  const judged = async (a: Agreement): Promise<string[]> => {
    const d = await decidedAttestation(idx, from, a.id)
    last = Math.max(last, d.epoch)
    return accepted(d.att)
  }
  const outcomes = {
    viewGood: await judged(view.good), viewBad: await judged(view.bad), viewForger: await judged(view.forger),
    blobGood: await judged(blob.good), blobBad: await judged(blob.bad)
  }
  t.diagnostic(JSON.stringify(outcomes))
  assert.ok(outcomes.viewGood.every((o) => o === 'pass'), `honest view hoster: ${JSON.stringify(outcomes.viewGood)}`)
  assert.ok(outcomes.blobGood.every((o) => o === 'pass'), `honest blobs hoster: ${JSON.stringify(outcomes.blobGood)}`)
  // P(8 samples draw no dropped block) = 2⁻⁸ per attestor: at least one of ≥ 2 sees the loss (an epoch
  // judged by one attestor counts only if it saw the loss)
  assert.ok(outcomes.viewBad.includes('missing'), `lossy view hoster: ${JSON.stringify(outcomes.viewBad)}`)
  assert.ok(outcomes.blobBad.includes('missing'), `lossy blobs hoster: ${JSON.stringify(outcomes.blobBad)}`)
  // every proof it sends is forged: every accepted result is missing, none refused by the contract
  assert.ok(outcomes.viewForger.length >= 1 && outcomes.viewForger.every((o) => o === 'missing'), `forging view hoster: ${JSON.stringify(outcomes.viewForger)}`)

  // the attestors' own judgements carry the stable codes
  const codes = (a: Agreement): Set<string | null> => new Set(records.filter((r) => r.agreementId === a.id && r.outcome === 'missing').map((r) => r.errorCode))
  assert.deepEqual([...codes(view.forger)], ['BAD_SIGNATURE'], 'a tampered multi-signature: BAD_SIGNATURE')
  assert.deepEqual([...codes(view.bad)], ['ADMITTED'], 'dropped view blocks: signed NOT_HELD')
  assert.deepEqual([...codes(blob.bad)], ['ADMITTED'], 'dropped blobs blocks: signed NOT_HELD')
  assert.equal(records.filter((r) => r.agreementId === view.good.id && r.outcome === 'missing').length, 0)

  // the epochs settle: the failing agreements carry the proven loss, the honest ones passed
  await waitFor(async () => (await idx.epoch()) >= last + 1, 60_000, 'the judged epochs settle')
  for (const a of [view.bad, view.forger, blob.bad]) {
    const s = await agreementOf(idx, a.id)
    assert.ok(s.fails >= 1 && s.warning === 'missing', `agreement ${a.id}: fails ${s.fails}, warning ${s.warning}`)
  }
  for (const a of [view.good, blob.good]) {
    const s = await agreementOf(idx, a.id)
    assert.ok(s.fails === 0 && s.passes >= 1, `honest agreement ${a.id}: fails ${s.fails}, passes ${s.passes}`)
  }
})
