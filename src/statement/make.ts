// Maker side: a statement for one account from this node's copy of the ledger, against the view head
// the indexers last signed (never the node's own unsigned tail).
import type { Ledger } from '../ledger/autobase.js'
import { keys } from '../ledger/state.js'
import { ProofError } from '../proof/errors.js'
import { encodeViewProof } from '../proof/view-proof.js'
import { makeViewProof } from '../proof/make-view.js'
import {
  DEFAULT_SIGNER_NAMESPACE, decodeManifest, openSignedView, readCoreManifest, signedHead, systemEntropy, writerKeyForSigner,
  type Core
} from '../stack/index.js'
import { beeGet } from './bee-walk.js'
import { makeChain } from './chain.js'
import { verifyStatement } from './verify.js'
import { collectBlocks } from './collect.js'
import { viewSignerNamespace } from './bind.js'
import { StatementError } from './errors.js'
import { encodeStatement } from './format.js'
import { intField, parseRecord } from './values.js'

const ATTEMPTS = 5

function accountKey(account: string | Uint8Array): Buffer {
  const b = typeof account === 'string' ? (/^[0-9a-f]{64}$/i.test(account) ? Buffer.from(account, 'hex') : null) : Buffer.from(account)
  if (b === null || b.byteLength !== 32) throw new StatementError('MALFORMED', 'an account id is 32 bytes (64 hex characters)')
  return b
}
/** The blocks Hyperbee's lookups of the meta, the account and the current epoch read at `length`. */
async function lookupBlocks(core: Core, length: number, account: string): Promise<number[]> {
  const { seqs } = await collectBlocks(core, length, (blocks) => {
    const meta = beeGet(blocks, length, Buffer.from(keys.meta))
    if (meta === null) throw new StatementError('NOT_READY', 'the signed ledger has no network record yet')
    const acct = beeGet(blocks, length, Buffer.from(keys.account(account)))
    if (acct === null) throw new StatementError('NO_SUCH_ACCOUNT', `account ${account} does not exist at ledger version ${length}`)
    const epoch = intField(parseRecord(meta, 'network'), 'epoch', 'network')
    if (epoch > 0) beeGet(blocks, length, Buffer.from(keys.epoch(epoch)))
  })
  return seqs
}

/** Which entropy (see bind.ts) the view's signers were derived with. */
function findEntropy(networkKey: Buffer, namespace: Buffer, candidates: (Buffer | null)[]): Buffer {
  for (const e of candidates) if (e !== null && viewSignerNamespace(networkKey, e).equals(namespace)) return e
  throw new StatementError('NOT_READY', 'cannot tie the view\'s signers to this network (unknown namespace entropy)')
}

/**
 * A statement (the file's bytes) for `account` at the latest version the indexers signed. Throws
 * StatementError: NO_SUCH_ACCOUNT, NOT_READY (no signed head yet; blocks not local), MALFORMED (bad id).
 */
/**
 * A statement must verify from the network key alone. Right after an indexer change the view may be
 * signed by the new set before any head signed by the old set records it: no chain link exists yet, so
 * the statement would be refused as UNKNOWN_SIGNER. That is transient: say NOT_READY (try again).
 */
function selfCheck(bytes: Buffer, networkKey: Buffer): void {
  try {
    verifyStatement(bytes, { networkKey })
  } catch (err) {
    if (err instanceof StatementError && err.code === 'UNKNOWN_SIGNER') {
      throw new StatementError('NOT_READY', 'the indexer set changed and no signed head links the new set to the network key yet; try again in a few seconds', { cause: err })
    }
    throw err
  }
}

export async function makeStatement(ledger: Pick<Ledger, 'key' | 'base'>, account: string | Uint8Array): Promise<Buffer> {
  const acct = accountKey(account)
  const networkKey = ledger.key
  const bootManifest = await readCoreManifest(ledger.base, networkKey)
  const bootSigner = bootManifest?.signers[0]?.publicKey
  if (!bootSigner || bootManifest.signers.length !== 1 || !writerKeyForSigner(bootSigner).equals(networkKey)) {
    throw new StatementError('NOT_READY', 'the network key is not (yet known to be) a default single-signer writer core')
  }
  // The chain first: its links are at or before the view's current signed head, which only grows.
  const chain = await makeChain(ledger.base, networkKey)
  const core = await openSignedView(ledger.base)
  try {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const head = signedHead(core)
      if (head === null) throw new StatementError('NOT_READY', 'the ledger view has no signed head yet')
      const seqs = await lookupBlocks(core, head.length, acct.toString('hex'))
      let proof
      try {
        proof = await makeViewProof(core, seqs)
      } catch (err) {
        if (err instanceof ProofError) throw new StatementError('NOT_READY', err.message, { cause: err })
        throw err
      }
      if (proof.length !== head.length) continue // the head moved between the lookup and the proof
      const ns = decodeManifest(proof.manifest).signers[0]?.namespace
      if (!ns) throw new StatementError('NOT_READY', 'the view manifest has no signers')
      const entropy = findEntropy(networkKey, Buffer.from(ns), [DEFAULT_SIGNER_NAMESPACE, systemEntropy(ledger.base)])
      const bytes = encodeStatement({ networkKey, bootstrapSigner: Buffer.from(bootSigner), entropy, account: acct, chain: chain.links, viewProof: encodeViewProof(proof) })
      selfCheck(bytes, networkKey)
      return bytes
    }
    throw new StatementError('NOT_READY', 'the signed head kept moving')
  } finally {
    await core.close()
  }
}
