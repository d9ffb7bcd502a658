// Challenge items for multi-signer cores (Autobase views): the hoster's proof (make-multisig.ts) is the
// same wire shape as a single-signer one, judged by judgeItem with `multiSigner` (the attestor always;
// the contract from version 2 on) and refused as BAD_MANIFEST without it (what contract version 1 did).
// Tampering with the signature envelope, the manifest or the block yields a stable code; the contract's
// evidence check (checkEvidence with `multiSigner`, what contract version 2 passes) tells a valid
// view-core proof reported as `missing` from a tampered one.
import { test } from 'node:test'
import { sizeDisproof } from '../../src/roles/size-check.js'
import assert from 'node:assert/strict'
import { RejectCode, checkEvidence } from '../../src/ledger/index.js'
import type { ReportResult } from '../../src/ledger/index.js'
import { decodeMultiSignature, decodeWireProof, encodeMultiSignature, encodeWireProof, signedHead, type Core } from '../../src/stack/index.js'
import { ProofError, answerHash, challengeIndicesV2, itemHash, judgeItem, makeBlockProofs, makeMultisigWireProof, signReceipt, verifyBlockProofs } from '../../src/proof/index.js'
import type { AnswerItem } from '../../src/proof/index.js'
import { blake2b, encodeManifest, keyPair } from '../../src/stack/index.js'
import { viewCoreOf } from './view-core.js'

function judge(core: Core, manifest: Uint8Array, index: number, proof: Uint8Array, multiSigner: boolean, minLength = 1): string {
  return judgeItem(core.key, manifest, index, { kind: 'proof', proof }, { minFork: 0, minLength, multiSigner }).code
}

/** A wire proof with its signature envelope replaced. */
function withSignature(proof: Uint8Array, signature: Buffer): Uint8Array {
  const p = decodeWireProof(proof)
  assert.ok(p.block && p.upgrade)
  return encodeWireProof({ fork: p.fork, block: p.block, hash: null, seek: null, upgrade: { ...p.upgrade, signature }, manifest: null })
}

test('a view core\'s block proofs: valid with multiSigner, BAD_MANIFEST without; a tampered envelope, manifest or block is refused with its code', { timeout: 60_000 }, async (t) => {
  const { core } = await viewCoreOf(t, 'multisig-wire', 5, 10)
  const head = signedHead(core)
  assert.ok(head)
  const manifest = encodeManifest(core.manifest)

  for (const index of [0, 1, Math.floor(head.length / 2), head.length - 1]) {
    const proof = await makeMultisigWireProof(core, index)
    assert.equal(judge(core, manifest, index, proof, true, head.length), 'VALID', `block ${index}`)
    assert.equal(judge(core, manifest, index, proof, false), 'BAD_MANIFEST', `block ${index} under contract v1`)
    const v = verifyBlockProofs(core.key, { manifest, proofs: [proof] }, { multiSigner: true })
    assert.deepEqual(v.blocks[0]?.value, await core.get(index), `block ${index} is the core's`)
    assert.equal(judge(core, manifest, index === 0 ? 1 : 0, proof, true), 'WRONG_INDEX')
    assert.equal(judge(core, manifest, index, proof, true, head.length + 1), 'TOO_SHORT')
  }
  // the responder's path: makeBlockProofs picks the multi-signer maker from the manifest
  const bundle = await makeBlockProofs(core, [2])
  assert.equal(judge(core, bundle.manifest, 2, bundle.proofs[0] as Uint8Array, true), 'VALID')
  await assert.rejects(makeMultisigWireProof(core, head.length), (err: unknown) => err instanceof ProofError && err.code === 'NOT_HELD')
  // the signed tree's byte length (what prove-size checks a declaration against) is the blocks' total
  let bytes = 0
  for (let i = 0; i < head.length; i++) bytes += (await core.get(i))?.byteLength ?? 0
  const sized = verifyBlockProofs(core.key, { manifest: bundle.manifest, proofs: bundle.proofs }, { multiSigner: true })
  assert.equal(sized.length, head.length)
  assert.equal(sized.byteLength, bytes)
  const rec = { requestId: 1, coreKey: core.key, length: head.length, byteLength: bytes, fork: head.fork }
  const sample = { manifest: bundle.manifest, proof: bundle.proofs[0] as Uint8Array }
  assert.equal(sizeDisproof(rec, sample), null, 'a true declaration of a view core is not disproven')
  assert.equal(sizeDisproof({ ...rec, byteLength: bytes * 2 }, sample)?.type, 'prove-size', 'a false one is')

  const proof = await makeMultisigWireProof(core, 3)
  const wire = decodeWireProof(proof)
  assert.ok(wire.upgrade)
  const env = decodeMultiSignature(wire.upgrade.signature)
  const first = env.proofs[0]
  assert.ok(first)
  // a flipped signature byte
  const sig = Buffer.from(first.signature)
  sig[5] = (sig[5] ?? 0) ^ 1
  assert.equal(judge(core, manifest, 3, withSignature(proof, encodeMultiSignature({ ...env, proofs: [{ ...first, signature: sig }, ...env.proofs.slice(1)] })), true), 'BAD_SIGNATURE')
  // a signer the manifest does not have
  assert.equal(judge(core, manifest, 3, withSignature(proof, encodeMultiSignature({ ...env, proofs: [{ ...first, signer: 7 }, ...env.proofs.slice(1)] })), true), 'BAD_SIGNATURE')
  // no signature at all (below the quorum)
  assert.equal(judge(core, manifest, 3, withSignature(proof, encodeMultiSignature({ proofs: [], patch: [] })), true), 'BAD_SIGNATURE')
  // a manifest that is not the core's (another quorum): it does not hash to the core key
  const m = structuredClone(core.manifest) as { quorum: number }
  m.quorum += 1
  assert.equal(judge(core, encodeManifest(m), 3, proof, true), 'BAD_MANIFEST')
  // a changed block byte
  assert.ok(wire.block)
  const value = Buffer.from(wire.block.value)
  value[0] = (value[0] ?? 0) ^ 0x10
  assert.equal(judge(core, manifest, 3, encodeWireProof({ fork: wire.fork, block: { ...wire.block, value }, hash: null, seek: null, upgrade: wire.upgrade, manifest: null }), true), 'BAD_SIGNATURE')
})

test('the contract\'s evidence check: a valid view-core proof reported as missing is refused from version 2 on (ITEM_SHOWS_NO_LOSS), accepted as v1 did; a tampered one is accepted', { timeout: 60_000 }, async (t) => {
  const { core } = await viewCoreOf(t, 'multisig-evidence', 3, 6)
  const manifest = encodeManifest(core.manifest)
  const hoster = keyPair(blake2b(Buffer.from('view hoster')))
  const x = {
    networkId: blake2b(Buffer.from('net')), beacon: blake2b(Buffer.from('beacon')), epoch: 4, agreementId: 9,
    attestorKey: blake2b(Buffer.from('attestor')), nodeKey: hoster.publicKey, coreKey: core.key, length: core.length, fork: 0, samples: 4
  }
  const nonce = Buffer.alloc(32, 7)
  const indices = challengeIndicesV2(x.beacon, x.agreementId, x.attestorKey, nonce, x.length, x.samples)
  /** A signed answer whose items are proofs of the challenged blocks, the one at position 0 replaced by `first`. */
  const report = async (first: (proof: Uint8Array) => Uint8Array): Promise<ReportResult> => {
    const items: AnswerItem[] = []
    for (const [p, index] of indices.entries()) {
      const proof = await makeMultisigWireProof(core, index)
      items.push({ kind: 'proof', proof: p === 0 ? first(proof) : proof })
    }
    const itemHashes = items.map((item, p) => itemHash(p, indices[p] as number, item))
    const hash = answerHash(manifest, itemHashes)
    const signature = signReceipt({ networkId: x.networkId, agreementId: x.agreementId, epoch: x.epoch, attestorKey: x.attestorKey, nonce, answerHash: hash, fork: 0, length: x.length }, hoster.secretKey)
    const item0 = items[0] as AnswerItem & { kind: 'proof' }
    return {
      agreementId: x.agreementId, outcome: 'missing', samples: x.samples, latencyP50Ms: 1, latencyP99Ms: 1, rttMs: 1, code: 0,
      receipt: { nonce, fork: 0, length: x.length, answerHash: hash, signature },
      failing: { position: 0, kind: 'proof', errorCode: 0, proof: item0.proof, manifest, itemHashes }
    }
  }
  const honest = await report((p) => p)
  assert.equal(checkEvidence(honest, { ...x, multiSigner: true }), RejectCode.ITEM_SHOWS_NO_LOSS, 'v2: a valid proof shows no loss')
  assert.equal(checkEvidence(honest, { ...x, multiSigner: false }), null, 'v1: the manifest was unsupported, so the item counted as failing')
  const forged = await report((p) => {
    const w = decodeWireProof(p)
    assert.ok(w.block && w.upgrade)
    const env = decodeMultiSignature(w.upgrade.signature)
    const s0 = env.proofs[0]
    assert.ok(s0)
    const sig = Buffer.from(s0.signature)
    sig[1] = (sig[1] ?? 0) ^ 1
    return encodeWireProof({ fork: w.fork, block: w.block, hash: null, seek: null, upgrade: { ...w.upgrade, signature: encodeMultiSignature({ ...env, proofs: [{ ...s0, signature: sig }, ...env.proofs.slice(1)] }) }, manifest: null })
  })
  assert.equal(checkEvidence(forged, { ...x, multiSigner: true }), null, 'v2: a tampered multi-signature is proven loss')
  assert.equal(checkEvidence(forged, { ...x, multiSigner: false }), null)
})
