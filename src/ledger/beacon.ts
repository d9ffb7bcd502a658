// Commit–reveal randomness beacon. In tick e an indexer reveals secret_e (committed in its tick for e−1)
// and commits to secret_{e+1}. beacon_e = H(beacon_{e−1} ‖ reveals in apply order).
// The commitment is the head of a hash chain: H^R(secret), R = roundsPerEpoch + 1. During epoch e the
// indexer's `round` ops reveal the chain's links H^(R−1)(secret_{e+1}), H^(R−2)(…), … one at a time
// (rounds.ts); the tick that starts e+1 reveals secret_{e+1} = H^0 itself. Each link is a preimage of
// the one revealed before it, so nobody but the indexer can compute the next link; the secret, the
// beacon's input, stays hidden until the tick exactly as with a plain H(secret) commitment (R = 1).
import { blake2b } from '../stack/crypto.js'

/** The commitment to a secret: BLAKE2b(secret). */
export function commitOf(secret: Uint8Array): Buffer {
  return blake2b(secret)
}

/** Does `reveal` open `commit`? */
export function checkReveal(commit: Uint8Array, reveal: Uint8Array): boolean {
  return reveal.byteLength === 32 && Buffer.from(commitOf(reveal)).equals(Buffer.from(commit))
}

/** H^n(x): x hashed n times (n = 0 gives x). */
export function hashChain(x: Uint8Array, n: number): Buffer {
  let h: Buffer = Buffer.from(x)
  for (let i = 0; i < n; i++) h = blake2b(h)
  return h
}

/** The commitment an indexer publishes for a secret: the head H^R(secret) of its chain of R = rounds + 1 links. */
export function chainCommit(secret: Uint8Array, roundsPerEpoch: number): Buffer {
  return hashChain(secret, roundsPerEpoch + 1)
}

/** Link `index` (0 = the head, roundsPerEpoch + 1 = the secret) of the chain: H^(R−index)(secret). */
export function chainLink(secret: Uint8Array, roundsPerEpoch: number, index: number): Buffer {
  return hashChain(secret, roundsPerEpoch + 1 - index)
}

/** Does `link` hash in exactly `steps` (≥ 1) steps to `anchor` (the commitment or a link revealed before)? */
export function checkLink(anchor: Uint8Array, link: Uint8Array, steps: number): boolean {
  return steps >= 1 && link.byteLength === 32 && hashChain(link, steps).equals(Buffer.from(anchor))
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
