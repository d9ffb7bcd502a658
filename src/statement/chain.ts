// Maker side of the indexer-set chain (verifier: followChain in verify.ts). Autobase 7.28.1 moves the
// ledger view to a new core whenever the indexer set changes; every core it ever had stays in the store
// with the last head its indexers signed. A link is such a signed head, with the blocks of the ledger's
// network record (`meta/network`: its `indexers`), chosen so that a majority of the set trusted so far
// signed it and the record names a new set. Starting from the bootstrap writer (the network key), the
// links carry the trust to the set that signed the statement's head.
import { keys } from '../ledger/state.js'
import { ProofError } from '../proof/errors.js'
import { makeViewProof } from '../proof/make-view.js'
import { encodeViewProof } from '../proof/view-proof.js'
import { decodeMultiSignature, isTruncatedUnderRead, openCoreByKey, signedHead, viewKeyHistory, type Base, type Manifest } from '../stack/index.js'
import { beeGet } from './bee-walk.js'
import { accountOfSigner } from './bind.js'
import { collectBlocks } from './collect.js'
import { StatementError } from './errors.js'
import { hexList, parseRecord } from './values.js'

const majority = (n: number): number => Math.floor(n / 2) + 1

export interface Chain {
  /** Encoded view proofs, oldest first. */
  links: Buffer[]
  /** The indexer set (account ids, hex) the last link establishes (the bootstrap writer without links). */
  trusted: Set<string>
}

function signersOf(manifest: Manifest, envelope: Buffer): string[] {
  return decodeMultiSignature(envelope).proofs.map((p) => {
    const pk = manifest.signers[p.signer]?.publicKey
    if (pk === undefined) throw new StatementError('NOT_READY', 'a view signature names a signer its manifest lacks')
    return accountOfSigner(pk).toString('hex')
  })
}

const sameSet = (a: Set<string>, b: readonly string[]): boolean => a.size === b.length && b.every((x) => a.has(x))

/** The links from the network key to the ledger view's current signers (none while they are the bootstrap writer alone). */
export async function makeChain(base: Base, networkKey: Buffer): Promise<Chain> {
  let trusted = new Set([networkKey.toString('hex')])
  const links: Buffer[] = []
  const current = base.view.core.manifest as Manifest | null
  const only = current?.signers.length === 1 ? current.signers[0] : undefined
  if (only !== undefined && accountOfSigner(only.publicKey).equals(networkKey)) return { links, trusted }

  let last = 0
  let history: Buffer[]
  try {
    history = await viewKeyHistory(base)
  } catch (err) {
    // the system core was reordered under the walk (seen under test:stress while indexers changed)
    if (isTruncatedUnderRead(err)) throw new StatementError('NOT_READY', 'the ledger reordered while its view history was read: try again', { cause: err })
    throw err
  }
  for (const key of history) {
    const core = await openCoreByKey(base, key)
    try {
      const head = signedHead(core)
      const manifest = core.manifest as Manifest | null
      if (head === null || manifest === null || head.length <= last) continue
      const signedBy = signersOf(manifest, head.signature).filter((s) => trusted.has(s)).length
      if (signedBy < majority(trusted.size)) continue
      const { result: meta, seqs } = await collectBlocks(core, head.length, (blocks) => beeGet(blocks, head.length, Buffer.from(keys.meta)))
      if (meta === null) continue
      const next = hexList(parseRecord(meta, 'network'), 'indexers', 'network')
      if (next.length === 0 || sameSet(trusted, next)) continue
      let proof
      try {
        proof = await makeViewProof(core, seqs)
      } catch (err) {
        if (err instanceof ProofError) throw new StatementError('NOT_READY', `chain link: ${err.message}`, { cause: err })
        throw err
      }
      if (proof.length !== head.length) continue // the head moved (only the current core's can): the next pass of the caller retries
      links.push(encodeViewProof(proof))
      trusted = new Set(next)
      last = proof.length
    } finally {
      await core.close()
    }
  }
  return { links, trusted }
}
