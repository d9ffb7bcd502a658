// Block proofs: made from a real hypercore, verified from the key and bytes alone.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { openStore, decodeWireProof, encodeWireProof, encodeManifest } from '../../src/stack/index.js'
import type { Core, Store } from '../../src/stack/index.js'
import {
  ProofError,
  decodeBundle,
  encodeBundle,
  makeBlockProof,
  makeBlockProofBytes,
  makeBlockProofs,
  verifyBlockProof,
  verifyBlockProofs,
  MAX_PROOFS
} from '../../src/proof/index.js'
import type { BlockProofBundle, ProofErrorCode } from '../../src/proof/index.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'

const execFileP = promisify(execFile)

let dir: string
let store: Store
let counter = 0

before(async () => {
  dir = await makeTempDir('proof')
  store = openStore(path.join(dir, 'store'))
  await store.ready()
})

after(async () => {
  await store.close()
  await removeDir(dir)
})

function block(i: number, size: number): Buffer {
  const b = Buffer.alloc(size, i % 251)
  b.writeUInt32LE(i, 0)
  return b
}

async function makeCore(length: number, size = 64): Promise<Core> {
  const core = store.get({ name: `core-${counter++}` })
  await core.ready()
  const blocks: Buffer[] = []
  for (let i = 0; i < length; i++) blocks.push(block(i, size))
  if (blocks.length) await core.append(blocks)
  return core
}

function flip(b: Buffer, i: number): void {
  b[i] = (b[i] ?? 0) ^ 1
}

function rejects(fn: () => unknown, code: ProofErrorCode): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ProofError, `expected ProofError, got ${String(err)}`)
    assert.equal(err.code, code, err.message)
    return true
  })
}

/** Decodes the i-th wire proof, lets `edit` change it, re-encodes it into a copy of the bundle. */
function tamper(bundle: BlockProofBundle, i: number, edit: (p: ReturnType<typeof decodeWireProof>) => void): BlockProofBundle {
  const p = decodeWireProof(bundle.proofs[i] as Uint8Array)
  const copy = {
    fork: p.fork,
    block: p.block ? { index: p.block.index, value: Buffer.from(p.block.value), nodes: p.block.nodes.map(n => ({ ...n, hash: Buffer.from(n.hash) })) } : null,
    upgrade: p.upgrade ? { ...p.upgrade, signature: Buffer.from(p.upgrade.signature), nodes: p.upgrade.nodes.map(n => ({ ...n, hash: Buffer.from(n.hash) })) } : null
  }
  edit(copy)
  const proofs = bundle.proofs.slice()
  proofs[i] = encodeWireProof({ ...copy, hash: null, seek: null, manifest: null })
  return { manifest: bundle.manifest, proofs }
}

test('a block proof verifies for every position at lengths with one or several full roots', async () => {
  for (const length of [1, 2, 3, 7, 8, 13, 100, 1000]) {
    const core = await makeCore(length)
    const picks = [...new Set([0, 1, Math.floor(length / 2), length - 2, length - 1].filter(i => i >= 0 && i < length))]
    for (const i of picks) {
      const bytes = await makeBlockProofBytes(core, i)
      const r = verifyBlockProof(core.key, bytes, i, { minLength: length })
      assert.equal(r.index, i)
      assert.equal(r.length, length)
      assert.equal(r.fork, 0)
      assert.deepEqual(r.value, block(i, 64))
    }
  }
})

test('k blocks against one signed head verify together', async () => {
  const core = await makeCore(14591 % 1000 + 37) // 628: several roots
  const indices = [0, 5, 100, 627, 313, 314, 2, 9, 64, 65, 600, 511, 512, 1, 3, 4]
  const bundle = await makeBlockProofs(core, indices)
  const r = verifyBlockProofs(core.key, encodeBundle(bundle), { minLength: core.length, expectedIndices: indices })
  assert.deepEqual(r.blocks.map(b => b.index), indices)
  for (const b of r.blocks) assert.deepEqual(b.value, block(b.index, 64))
  assert.equal(r.length, core.length)
})

test('tampered bytes are BAD_SIGNATURE, in a single proof and in the middle of a batch', async () => {
  const core = await makeCore(37)
  const one = await makeBlockProof(core, 11)
  rejects(() => verifyBlockProof(core.key, tamper(one, 0, p => { flip((p.block as { value: Buffer }).value, 7) }), 11), 'BAD_SIGNATURE')
  rejects(() => verifyBlockProof(core.key, tamper(one, 0, p => { const n = p.block?.nodes[0]; if (n) flip(n.hash, 0) }), 11), 'BAD_SIGNATURE')
  rejects(() => verifyBlockProof(core.key, tamper(one, 0, p => { const s = p.upgrade?.signature; if (s) flip(s, s.length - 1) }), 11), 'BAD_SIGNATURE')
  rejects(() => verifyBlockProof(core.key, tamper(one, 0, p => { const n = p.upgrade?.nodes[0]; if (n) n.size += 1 }), 11), 'BAD_SIGNATURE')

  const batch = await makeBlockProofs(core, [1, 2, 30, 36])
  rejects(() => verifyBlockProofs(core.key, tamper(batch, 2, p => { flip((p.block as { value: Buffer }).value, 0) })), 'BAD_SIGNATURE')
  rejects(() => verifyBlockProofs(core.key, tamper(batch, 3, p => { (p.block as { value: Buffer }).value = Buffer.from('x') })), 'BAD_SIGNATURE')
})

test('a wrong key or a bad manifest is BAD_MANIFEST', async () => {
  const a = await makeCore(9)
  const b = await makeCore(9)
  const proof = await makeBlockProof(a, 4)
  rejects(() => verifyBlockProof(b.key, proof, 4), 'BAD_MANIFEST')
  rejects(() => verifyBlockProof(Buffer.alloc(31), proof, 4), 'BAD_MANIFEST')
  // b's manifest with a's proof: the manifest hashes to b's key, but b's signer did not sign a's tree
  rejects(() => verifyBlockProof(b.key, { manifest: encodeManifest(b.manifest), proofs: proof.proofs }, 4), 'BAD_SIGNATURE')
  const padded = Buffer.concat([proof.manifest, Buffer.from([0])])
  rejects(() => verifyBlockProof(a.key, { manifest: padded, proofs: proof.proofs }, 4), 'BAD_MANIFEST')
  rejects(() => verifyBlockProof(a.key, { manifest: Buffer.from([9, 9, 9]), proofs: proof.proofs }, 4), 'BAD_MANIFEST')
})

test('a proof for another index is WRONG_INDEX; a broken path is BAD_PATH', async () => {
  const core = await makeCore(21)
  const proof = await makeBlockProof(core, 6)
  rejects(() => verifyBlockProof(core.key, proof, 5), 'WRONG_INDEX')
  rejects(() => verifyBlockProofs(core.key, proof, { expectedIndices: [6, 7] }), 'WRONG_INDEX')
  // relabel the proof as block 7 (keeping 6's path): sibling indices no longer line up
  rejects(() => verifyBlockProof(core.key, tamper(proof, 0, p => { (p.block as { index: number }).index = 7 }), 7), 'BAD_PATH')
  rejects(() => verifyBlockProof(core.key, tamper(proof, 0, p => { p.block?.nodes.pop() }), 6), 'BAD_PATH')
  rejects(() => verifyBlockProof(core.key, tamper(proof, 0, p => { p.upgrade?.nodes.pop() }), 6), 'BAD_PATH')
  rejects(() => verifyBlockProof(core.key, tamper(proof, 0, p => { (p.block as { index: number }).index = 40 }), 40), 'BAD_PATH')
})

test('a signed length below minLength is TOO_SHORT', async () => {
  const core = await makeCore(10)
  const proof = await makeBlockProof(core, 3)
  assert.equal(verifyBlockProof(core.key, proof, 3, { minLength: 10 }).length, 10)
  rejects(() => verifyBlockProof(core.key, proof, 3, { minLength: 11 }), 'TOO_SHORT')
})

test('proofs against two different heads in one bundle are HEAD_MISMATCH', async () => {
  const core = await makeCore(10)
  const a = await makeBlockProof(core, 3)
  await core.append(block(10, 64))
  const b = await makeBlockProof(core, 4)
  rejects(() => verifyBlockProofs(core.key, { manifest: a.manifest, proofs: [...a.proofs, ...b.proofs] }), 'HEAD_MISMATCH')
})

test('an old fork: a truncated and re-written core invalidates proofs from before', async () => {
  const core = await makeCore(16)
  const old = await makeBlockProof(core, 3)
  const truncatable = core as unknown as { truncate(length: number): Promise<void> }
  await truncatable.truncate(4)
  assert.equal(core.fork, 1)
  await core.append([Buffer.from('new-4'), Buffer.from('new-5')])
  // The old head (length 16, fork 0) is still a valid signature by the writer, so minLength alone (6)
  // cannot catch it: a verifier that knows the core is at fork 1 must say so.
  assert.equal(verifyBlockProof(core.key, old, 3, { minLength: 6 }).fork, 0)
  rejects(() => verifyBlockProof(core.key, old, 3, { minLength: 6, minFork: 1 }), 'FORK_MISMATCH')
  const fresh = await makeBlockProof(core, 3)
  assert.equal(verifyBlockProof(core.key, fresh, 3, { minLength: 6, minFork: 1 }).fork, 1)
  // Grown past the old length: the old proof is also too short for the agreement's new length.
  const more: Buffer[] = []
  for (let i = 6; i < 24; i++) more.push(block(i, 64))
  await core.append(more)
  rejects(() => verifyBlockProof(core.key, old, 3, { minLength: 24 }), 'TOO_SHORT')
  // Mixing a new-fork proof with the old one is not one head.
  const now = await makeBlockProof(core, 5)
  rejects(() => verifyBlockProofs(core.key, { manifest: old.manifest, proofs: [...old.proofs, ...now.proofs] }), 'HEAD_MISMATCH')
})

test('trailing, truncated, garbage and oversized bytes are MALFORMED or OVERSIZED', async () => {
  const core = await makeCore(12)
  const proof = await makeBlockProof(core, 2)
  const bytes = encodeBundle(proof)
  rejects(() => verifyBlockProof(core.key, Buffer.concat([bytes, Buffer.from([0])]), 2), 'MALFORMED')
  rejects(() => verifyBlockProof(core.key, bytes.subarray(0, bytes.length - 5), 2), 'MALFORMED')
  rejects(() => verifyBlockProof(core.key, Buffer.from('not a proof at all'), 2), 'MALFORMED')
  rejects(() => verifyBlockProof(core.key, Buffer.alloc(0), 2), 'MALFORMED')
  const wire = proof.proofs[0] as Uint8Array
  rejects(() => verifyBlockProof(core.key, { manifest: proof.manifest, proofs: [Buffer.concat([wire, Buffer.from([1, 2])])] }, 2), 'MALFORMED')
  rejects(() => verifyBlockProof(core.key, { manifest: proof.manifest, proofs: [wire.subarray(0, 40)] }, 2), 'MALFORMED')
  // a proof without its upgrade
  rejects(() => verifyBlockProof(core.key, tamper(proof, 0, p => { p.upgrade = null }), 2), 'MALFORMED')
  // more proofs than a bundle may hold, and a length prefix far above the limit
  const many = encodeBundle({ manifest: proof.manifest, proofs: Array.from({ length: MAX_PROOFS }, () => wire) })
  assert.equal(decodeBundle(many).proofs.length, MAX_PROOFS)
  const tooMany = Buffer.from(many)
  tooMany[1 + 1 + proof.manifest.length] = MAX_PROOFS + 1 // the count varint (one byte for ≤ 252)
  rejects(() => decodeBundle(tooMany), 'OVERSIZED')
  const hugePrefix = Buffer.from([1, 0xfe, 0xff, 0xff, 0xff, 0x7f])
  rejects(() => decodeBundle(hugePrefix), 'OVERSIZED')
})

test('makeBlockProof throws NOT_HELD for a block that is not held', async () => {
  const core = await makeCore(40)
  await core.clear(10, 11)
  await assert.rejects(makeBlockProof(core, 10), (err: unknown) => err instanceof ProofError && err.code === 'NOT_HELD')
  await assert.rejects(makeBlockProof(core, 40), (err: unknown) => err instanceof ProofError && err.code === 'NOT_HELD')
  const ok = await makeBlockProof(core, 11)
  assert.equal(verifyBlockProof(core.key, ok, 11).index, 11)
  await core.clear(0, core.length)
  await assert.rejects(makeBlockProof(core, 11), (err: unknown) => err instanceof ProofError && err.code === 'NOT_HELD')
})

test('a proof verifies in a separate process that knows only the key', async () => {
  const core = await makeCore(1234, 4096)
  const index = 777
  const file = path.join(dir, 'proof.bin')
  await writeFile(file, await makeBlockProofBytes(core, index))
  const self = fileURLToPath(import.meta.url)
  const ts = self.endsWith('.ts')
  const child = path.join(path.dirname(self), 'fixtures', ts ? 'verify-child.ts' : 'verify-child.js')
  const args = [...(ts ? ['--import', 'tsx'] : []), child, core.key.toString('hex'), file, String(index), '1234']
  const { stdout } = await execFileP(process.execPath, args, { timeout: 20_000 })
  const out = JSON.parse(stdout.trim()) as { ok: boolean; index: number; length: number; valueHex: string }
  assert.equal(out.ok, true, stdout)
  assert.equal(out.index, index)
  assert.equal(out.length, 1234)
  assert.equal(out.valueHex, block(index, 4096).toString('hex'))
  // and the same child rejects it against another key
  const other = await makeCore(3)
  const bad = await execFileP(process.execPath, [...args.slice(0, ts ? 3 : 1), other.key.toString('hex'), file, String(index)], { timeout: 20_000 })
  assert.equal((JSON.parse(bad.stdout.trim()) as { code: string }).code, 'BAD_MANIFEST')
})
