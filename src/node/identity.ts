// The node's identity from its directory: the seed (node.json, 0600, never silently replaced: a corrupt
// file stops the node, src/runtime/identity.ts), the keys derived from it, and the network it belongs to.
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { FavorError } from '../errors.js'
import { blake2b, keyPair, randomBytes, type KeyPair } from '../stack/index.js'
import { loadIdentity, type Identity } from '../runtime/index.js'

export interface NodeIdentity {
  /** What node.json holds (written once the ledger is open: `networkKey` is known then). */
  readonly file: Identity
  readonly name: string
  readonly seed: Buffer
  /** The DHT key pair: the node key challenges reach. */
  readonly nodeKeyPair: KeyPair
  readonly swarmKeyPair: KeyPair
}

/**
 * Loads (or makes, for a new directory) the identity of the node in `dataDir`. Throws NETWORK_MISMATCH
 * when the directory belongs to another network than `networkKey`.
 */
export async function loadNodeIdentity(dataDir: string, opts: { name?: string | undefined; networkKey?: string | null | undefined }): Promise<NodeIdentity> {
  await mkdir(dataDir, { recursive: true })
  let id = await loadIdentity(dataDir)
  const name = opts.name ?? id?.name ?? path.basename(dataDir)
  if (id === null) id = { seed: randomBytes(32).toString('hex'), networkKey: null, name }
  if (opts.networkKey !== undefined && opts.networkKey !== null) {
    if (id.networkKey !== null && id.networkKey !== opts.networkKey) {
      throw new FavorError(`${dataDir} belongs to network ${id.networkKey}, not ${opts.networkKey}`, 'NETWORK_MISMATCH')
    }
    id.networkKey = opts.networkKey
  }
  const seed = Buffer.from(id.seed, 'hex')
  return {
    file: id,
    name,
    seed,
    nodeKeyPair: keyPair(blake2b([Buffer.from('favor/node-key'), seed])),
    swarmKeyPair: keyPair(blake2b([Buffer.from('favor/swarm-key'), seed]))
  }
}
