// Multi-signer (Autobase view) proofs: real view cores of a real ledger — one indexer, then three on a
// loopback swarm — verify from the view key and the bytes alone; tampering fails with stable codes.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Ledger } from '../../src/ledger/index.js'
import { decodeManifest, decodeMultiSignature, encodeMultiSignature, openSignedView, signedHead } from '../../src/stack/index.js'
import { ProofError, decodeViewProof, encodeViewProof, makeViewProof, verifyViewProof, type ViewProof } from '../../src/proof/index.js'
import { TestNetwork } from '../harness/network.js'
import { waitFor } from '../harness/wait.js'
import { testParams } from '../ledger/helpers.js'
import { viewCoreOf } from './view-core.js'

function code(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    if (err instanceof ProofError) return err.code
    throw err
  }
  return 'OK'
}

function clone(p: ViewProof): ViewProof {
  return decodeViewProof(encodeViewProof(p))
}

test('a one-indexer Autobase view: blocks verify from the view key alone; tampering is rejected with stable codes', { timeout: 60_000 }, async (t) => {
  const { core } = await viewCoreOf(t, 'multisig-one', 5, 10)
  const head = signedHead(core)
  assert.ok(head)
  const man = decodeManifest((await makeViewProof(core, [0])).manifest)
  assert.equal(man.signers.length, 1, 'one indexer signs the view')
  assert.ok(man.allowPatch, 'Autobase view manifests allow patches')

  const indices = [0, 1, Math.floor(head.length / 2), head.length - 1]
  const proof = await makeViewProof(core, indices)
  const bytes = encodeViewProof(proof)
  const ok = verifyViewProof(core.key, bytes)
  assert.equal(ok.length, head.length)
  assert.deepEqual(ok.signers, [0])
  for (const i of indices) assert.deepEqual(ok.blocks.get(i), await core.get(i), `block ${i} is the core's`)

  // Tampering: each yields its stable code.
  const other = Buffer.from(core.key)
  other[0] = (other[0] ?? 0) ^ 1
  assert.equal(code(() => verifyViewProof(other, bytes)), 'BAD_MANIFEST')
  const badBlock = clone(proof)
  const v = badBlock.blocks[1]?.value
  assert.ok(v)
  v[0] = (v[0] ?? 0) ^ 0x10
  assert.equal(code(() => verifyViewProof(core.key, badBlock)), 'BAD_SIGNATURE')
  const badSig = clone(proof)
  badSig.signature.writeUInt8((badSig.signature.readUInt8(badSig.signature.length - 5) ^ 1), badSig.signature.length - 5)
  assert.equal(code(() => verifyViewProof(core.key, badSig)), 'BAD_SIGNATURE')
  const badRoot = clone(proof)
  const r0 = badRoot.roots[0]
  assert.ok(r0)
  r0.size += 1
  assert.equal(code(() => verifyViewProof(core.key, badRoot)), 'BAD_SIGNATURE')
  const badFork = clone(proof)
  badFork.fork += 1
  assert.equal(code(() => verifyViewProof(core.key, badFork)), 'BAD_SIGNATURE')
  const shorter = clone(proof)
  shorter.length -= 1
  assert.notEqual(code(() => verifyViewProof(core.key, shorter)), 'OK')
  assert.equal(code(() => verifyViewProof(core.key, Buffer.concat([bytes, Buffer.from([0])]))), 'MALFORMED')
  assert.equal(code(() => verifyViewProof(core.key, bytes.subarray(0, bytes.length - 3))), 'MALFORMED')
})

test('a three-indexer Autobase view (quorum 2): proofs verify, a lone signature or a foreign signer does not', { timeout: 120_000 }, async (t) => {
  const net = await TestNetwork.create({ peers: ['ms-alice', 'ms-bob', 'ms-carol'] })
  const ledgers: Ledger[] = []
  t.after(async () => {
    for (const l of ledgers.reverse()) await l.close()
    await net.close()
  })
  const open = async (name: string, key: Buffer | null): Promise<Ledger> => {
    const peer = net.peer(name)
    const ledger = await Ledger.open({ store: peer.store, bootstrap: key, ackIntervalMs: 100 })
    peer.swarm.join(ledger.discoveryKey, { server: true, client: true })
    ledgers.push(ledger)
    return ledger
  }
  const alice = await open('ms-alice', null)
  await alice.append({ type: 'init-network', time: Date.now(), params: testParams({ indexerTarget: 3 }) })
  const bob = await open('ms-bob', alice.key)
  const carol = await open('ms-carol', alice.key)
  // The contract promotes bob and carol together once the network has three members (indexerTarget 3).
  await alice.append([
    { type: 'add-writer', time: Date.now(), writerKey: bob.writerKey, indexer: false },
    { type: 'add-writer', time: Date.now(), writerKey: carol.writerKey, indexer: false }
  ])
  // Activity from every writer so that all three ack and the view migrates to the 3-signer manifest.
  const core = await waitFor(async () => {
    for (const l of ledgers) {
      await l.update()
      if (l.writable) await l.append({ type: 'withdraw', time: Date.now() })
    }
    const c = await openSignedView(alice.base)
    const head = signedHead(c)
    if (head !== null && decodeManifest((await makeViewProof(c, [0])).manifest).signers.length === 3) return c
    await c.close()
    return null
  }, 90_000, 'a view signed under a 3-indexer manifest', 200)
  t.after(() => core.close())
  const head = signedHead(core)
  assert.ok(head)
  const proof = await makeViewProof(core, [0, head.length - 1])
  const ok = verifyViewProof(core.key, proof)
  assert.ok(ok.signers.length >= 2, `a quorum of 2 of 3 signed (${ok.signers.join(',')})`)
  assert.equal(ok.manifest.quorum, 2)
  t.diagnostic(`3-indexer view: length ${ok.length}, signers ${ok.signers.join(',')}, envelope ${proof.signature.byteLength} bytes`)

  // Dropping signatures below the quorum, or naming a signer twice, is refused.
  const ms = decodeMultiSignature(proof.signature)
  const lone = { ...proof, signature: encodeMultiSignature({ proofs: ms.proofs.slice(0, 1), patch: ms.proofs[0]?.patch ? ms.patch : [] }) }
  assert.equal(code(() => verifyViewProof(core.key, lone)), 'BAD_SIGNATURE')
  const first = ms.proofs[0]
  assert.ok(first)
  const twice = { ...proof, signature: encodeMultiSignature({ proofs: [first, first], patch: first.patch ? ms.patch : [] }) }
  assert.equal(code(() => verifyViewProof(core.key, twice)), 'BAD_SIGNATURE')
})
