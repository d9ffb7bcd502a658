// The one check every proof verifier starts with: the manifest bytes decode, are canonical, and hash to
// the core key (so whatever the manifest names as signers is what the core's owner committed to).
// Imports only the pure codec modules of src/stack (no network module: statements verify offline with it).
import { decodeManifest, encodeManifest } from '../stack/merkle.js'
import type { Manifest } from '../stack/merkle.js'
import { manifestKey } from '../stack/multisig.js'
import { ProofError } from './errors.js'

function toBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength)
}

/** Decodes a manifest and checks it is canonical and hashes to `key`. Throws ProofError('BAD_MANIFEST'). */
export function decodeBoundManifest(key: Uint8Array, bytes: Uint8Array): Manifest {
  let m: Manifest
  try {
    m = decodeManifest(toBuffer(bytes))
  } catch (err) {
    throw new ProofError('BAD_MANIFEST', `manifest does not decode: ${(err as Error).message}`, { cause: err })
  }
  let canonical: Buffer
  let hashed: Buffer
  try {
    canonical = toBuffer(encodeManifest(m))
    hashed = manifestKey(m)
  } catch (err) {
    throw new ProofError('BAD_MANIFEST', `manifest does not re-encode: ${(err as Error).message}`, { cause: err })
  }
  if (!canonical.equals(toBuffer(bytes))) throw new ProofError('BAD_MANIFEST', 'manifest bytes are not canonical (trailing or padded bytes)')
  if (!hashed.equals(toBuffer(key))) throw new ProofError('BAD_MANIFEST', 'manifest does not hash to the core key')
  return m
}
