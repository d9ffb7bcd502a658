// Commit–reveal randomness beacon. In tick e an indexer reveals secret_e (committed as H(secret_e) in
// its tick for e−1) and commits H(secret_{e+1}). beacon_e = H(beacon_{e−1} ‖ reveals in apply order).
import { blake2b } from '../stack/crypto.js'

/** The commitment to a secret: BLAKE2b(secret). */
export function commitOf(secret: Uint8Array): Buffer {
  return blake2b(secret)
}

/** Does `reveal` open `commit`? */
export function checkReveal(commit: Uint8Array, reveal: Uint8Array): boolean {
  return reveal.byteLength === 32 && Buffer.from(commitOf(reveal)).equals(Buffer.from(commit))
}

/** beacon_e from beacon_{e−1} and the reveals in apply order. */
export function nextBeacon(previous: Uint8Array, reveals: readonly Uint8Array[]): Buffer {
  return blake2b([Buffer.from('favor/beacon/1'), previous, ...reveals])
}

/** The genesis beacon: bound to the bootstrap writer and the genesis op bytes. */
export function genesisBeacon(bootstrapWriter: Uint8Array, genesisOp: Uint8Array): Buffer {
  return blake2b([Buffer.from('favor/beacon/genesis'), bootstrapWriter, genesisOp])
}

/** A deterministic secret for (seed, epoch): how a node derives its per-epoch secrets. */
export function secretFor(seed: Uint8Array, epoch: number): Buffer {
  const e = Buffer.allocUnsafe(8)
  e.writeBigUInt64BE(BigInt(epoch))
  return blake2b([Buffer.from('favor/beacon/secret'), seed, e])
}
