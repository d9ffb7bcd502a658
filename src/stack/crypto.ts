// Typed access to hypercore-crypto (BLAKE2b via libsodium, ed25519). The ledger, proofs and protocol
// hash and sign through these functions only.
import hypercoreCrypto from 'hypercore-crypto'

export interface KeyPair {
  readonly publicKey: Buffer
  readonly secretKey: Buffer
}

/** BLAKE2b-256 of one buffer or of the concatenation of several. */
export function blake2b(data: Uint8Array | readonly Uint8Array[]): Buffer {
  return hypercoreCrypto.hash(Array.isArray(data) ? [...data] : data) as Buffer
}

/** An ed25519 key pair; deterministic when a 32-byte seed is given. */
export function keyPair(seed?: Uint8Array): KeyPair {
  const kp = hypercoreCrypto.keyPair(seed)
  return { publicKey: kp.publicKey as Buffer, secretKey: kp.secretKey as Buffer }
}

export function sign(message: Uint8Array, secretKey: Uint8Array): Buffer {
  return hypercoreCrypto.sign(message, secretKey) as Buffer
}

/** Never throws: wrong lengths verify as false. */
export function verify(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.byteLength !== 64 || publicKey.byteLength !== 32) return false
  return hypercoreCrypto.verify(message, signature, publicKey) as boolean
}

export function randomBytes(n: number): Buffer {
  return hypercoreCrypto.randomBytes(n) as Buffer
}

/** The topic a core is announced on: BLAKE2b keyed hash of the core key (hypercore's own rule). */
export function discoveryKey(key: Uint8Array): Buffer {
  return hypercoreCrypto.discoveryKey(key) as Buffer
}

/** A 32-byte seed derived from a readable name, for deterministic test identities. */
export function seedFromName(name: string): Buffer {
  return blake2b(Buffer.from('favor/seed/' + name))
}
