// Typed access to the pieces of hypercore 11.37.1 a multi-signer (Autobase view) head is checked with:
// the manifest hash (the core key), the default single-signer manifest, the multi-signature envelope
// and flat-tree arithmetic. Pure functions over bytes: this file imports no network module (no
// 'hypercore' main module, no corestore, no swarm), so offline verifiers can use it.
import c from 'compact-encoding'
import hypercoreCrypto from 'hypercore-crypto'
import flat from 'flat-tree'
import caps from 'hypercore/lib/caps.js'
import messages from 'hypercore/lib/messages.js'
import type { Manifest } from './merkle.js'
import type { TreeNode } from './hypercore.js'

/** One signer's part of a multi-signature: it signed the tree at (signed length + patch). */
export interface MultisigProof {
  signer: number
  signature: Buffer
  patch: number
}

/** hypercore's v1 multi-signature envelope: the signers' proofs and the tree nodes their patches need. */
export interface MultiSignature {
  proofs: MultisigProof[]
  patch: TreeNode[]
}

/** Throws on malformed bytes (caller maps to a typed error). */
export function decodeMultiSignature(bytes: Uint8Array): MultiSignature {
  return c.decode<MultiSignature>(messages.multiSignature, bytes)
}

export function encodeMultiSignature(sig: MultiSignature): Buffer {
  return c.encode(messages.multiSignature, sig) as Buffer
}

/** The core key of a manifest: BLAKE2b(MANIFEST namespace ‖ encoded manifest), as hypercore computes it. */
export function manifestKey(manifest: Manifest): Buffer {
  const encoded = c.encode(messages.manifest, manifest) as Buffer
  return hypercoreCrypto.hash(Buffer.concat([caps.MANIFEST as Buffer, encoded])) as Buffer
}

/** hypercore's default namespace for single-signer cores. */
export const DEFAULT_SIGNER_NAMESPACE: Buffer = caps.DEFAULT_NAMESPACE as Buffer

/** The default (v1, one ed25519 signer) manifest of a writer core with this public key. */
export function defaultSignerManifest(publicKey: Uint8Array): Manifest {
  return {
    version: 1,
    hash: 'blake2b',
    allowPatch: false,
    quorum: 1,
    signers: [{ signature: 'ed25519', namespace: DEFAULT_SIGNER_NAMESPACE, publicKey: Buffer.from(publicKey) }],
    prologue: null,
    linked: null,
    userData: null
  }
}

/** The core key of a default single-signer core (an Autobase writer, a plain hypercore) for `publicKey`. */
export function writerKeyForSigner(publicKey: Uint8Array): Buffer {
  return manifestKey(defaultSignerManifest(publicKey))
}

/** `count` 32-byte namespace hashes for a name, as hypercore-crypto derives them. */
export function cryptoNamespace(name: string, count: number): Buffer[] {
  return hypercoreCrypto.namespace(name, count) as Buffer[]
}

export function flatSibling(index: number): number {
  return flat.sibling(index) as number
}

export function flatParent(index: number): number {
  return flat.parent(index) as number
}
