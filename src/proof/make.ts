// Hoster side: block proofs against the core's current signed head.
import { encodeManifest, encodeWireProof } from '../stack/index.js'
import type { Core, CoreProof } from '../stack/index.js'
import { ProofError } from './errors.js'
import { encodeBundle, MAX_BLOCK_BYTES, MAX_PROOFS } from './format.js'
import type { BlockProofBundle } from './format.js'
import { makeMultisigWireProof } from './make-multisig.js'
import { isMultiSignerManifest } from './multisig.js'
import type { Manifest } from '../stack/index.js'

const HEAD_RETRIES = 3

async function proveOne(core: Core, index: number, length: number): Promise<CoreProof> {
  if (!Number.isSafeInteger(index) || index < 0) throw new ProofError('WRONG_INDEX', `bad block index ${index}`)
  if (index >= length) throw new ProofError('NOT_HELD', `block ${index} is beyond the local length ${length}`)
  let p: CoreProof
  try {
    p = await core.proof({ block: { index, nodes: 0 }, upgrade: { start: 0, length } })
  } catch (err) {
    // Missing tree nodes (a cleared core) make hypercore throw INVALID_OPERATION.
    throw new ProofError('NOT_HELD', `cannot prove block ${index}: ${(err as Error).message}`, { cause: err })
  }
  if (!p.block || !p.block.value) throw new ProofError('NOT_HELD', `block ${index} is not held locally`)
  if (p.block.value.byteLength > MAX_BLOCK_BYTES) {
    throw new ProofError('OVERSIZED', `block ${index} is ${p.block.value.byteLength} bytes, above ${MAX_BLOCK_BYTES}`)
  }
  if (!p.upgrade || !p.upgrade.signature) throw new ProofError('NOT_HELD', `core has no signed head to prove block ${index} against`)
  return p
}

function sameHead(a: CoreProof, b: CoreProof): boolean {
  return a.fork === b.fork && a.upgrade !== null && b.upgrade !== null && a.upgrade.length === b.upgrade.length &&
    a.upgrade.signature.equals(b.upgrade.signature)
}

/**
 * Proofs for `indices` (1..64, in that order) against ONE signed head: the current length, fork and
 * signature of `core`. If the core moves (an append or truncation) while the proofs are made, it tries
 * again. Throws ProofError('NOT_HELD') when any block or tree node is not held locally.
 */
export async function makeBlockProofs(core: Core, indices: readonly number[]): Promise<BlockProofBundle> {
  if (indices.length === 0 || indices.length > MAX_PROOFS) throw new RangeError(`1..${MAX_PROOFS} indices per bundle`)
  await core.ready()
  const manifest = encodeManifest(core.manifest)
  // Autobase views: the proofs come from the signed head (core.proof cannot prove past a prologue)
  if (isMultiSignerManifest(core.manifest as Manifest | null)) {
    const proofs: Uint8Array[] = []
    for (const i of indices) proofs.push(await makeMultisigWireProof(core, i))
    return { manifest, proofs }
  }
  for (let attempt = 0; ; attempt++) {
    const length = core.length
    const fork = core.fork
    const proofs = await Promise.all(indices.map(i => proveOne(core, i, length)))
    const first = proofs[0] as CoreProof
    const consistent = core.length === length && core.fork === fork && proofs.every(p => sameHead(first, p))
    if (consistent) return { manifest, proofs: proofs.map(p => encodeWireProof(p)) }
    if (attempt + 1 >= HEAD_RETRIES) throw new ProofError('HEAD_MISMATCH', `core head kept moving while proving ${indices.length} blocks`)
  }
}

/** One block's proof, as a one-proof bundle. */
export async function makeBlockProof(core: Core, index: number): Promise<BlockProofBundle> {
  return makeBlockProofs(core, [index])
}

/** The encoded bytes of a one-block proof (manifest + wire proof), for storing or sending. */
export async function makeBlockProofBytes(core: Core, index: number): Promise<Buffer> {
  return encodeBundle(await makeBlockProof(core, index))
}
