// Offline verification of a balance statement: from the file's bytes and the network key alone — no
// daemon, no corestore, no network. Imports only pure modules (src/proof's view-proof verifier,
// src/stack's byte-level helpers, the ledger's record codec); test/statement checks the module graph.
//
// Trust chain (docs/statements.md):
//  1. network key = core key of the bootstrap writer's default single-signer manifest → its signer;
//  2. the view manifest's signers are trusted indexers: by default only that bootstrap signer (the
//     network's first and, unless changed, only indexer); `indexers` adds account ids the verifier
//     trusts as indexers too (an anchor it takes from elsewhere — see the docs);
//  3. every signer's namespace names this network and the ledger view (bind.ts);
//  4. a quorum of them signed the head; each block's Merkle path ends at a signed root;
//  5. Hyperbee's lookup of the account, the network meta and the current epoch, replayed over exactly
//     the proven blocks, finds the records the values are read from.
import { ProofError } from '../proof/errors.js'
import { verifyViewProof, decodeViewProof } from '../proof/view-proof.js'
import type { VerifiedViewProof, ViewProof } from '../proof/view-proof.js'
import { keys } from '../ledger/state.js'
import { decodeManifest } from '../stack/merkle.js'
import { manifestKey, writerKeyForSigner } from '../stack/multisig.js'
import { BeeBlocks, MissingBlockError, beeGet } from './bee-walk.js'
import { accountOfSigner, viewSignerNamespace } from './bind.js'
import { StatementError } from './errors.js'
import { decodeStatement } from './format.js'
import { bigField, hexList, intField, parseRecord, reputationOf } from './values.js'
import type { StatementValues } from './values.js'

export interface VerifyStatementOptions {
  /** The network the verifier asks about (32 bytes or 64 hex chars). */
  networkKey: Uint8Array | string
  /** Refuse (TOO_OLD) a statement whose epoch time is older than this, or unknown. */
  maxAgeMs?: number
  /** "Now" for the age check, ms (default Date.now()). */
  now?: number
  /** Extra indexer account ids (hex or bytes) the verifier trusts besides the network's bootstrap writer. */
  indexers?: readonly (Uint8Array | string)[]
}

export interface VerifiedStatement extends StatementValues {
  /** now − epochTime, ms (null at epoch 0). */
  ageMs: number | null
  /** Size of the file, bytes. */
  bytes: number
}

function key32(k: Uint8Array | string, what: string): Buffer {
  const b = typeof k === 'string' ? (/^[0-9a-f]{64}$/i.test(k) ? Buffer.from(k, 'hex') : null) : Buffer.from(k)
  if (b === null || b.byteLength !== 32) throw new StatementError('MALFORMED', `${what} must be 32 bytes (64 hex characters)`)
  return b
}

function fromProofError(err: unknown): never {
  if (err instanceof ProofError) {
    const code = err.code === 'BAD_PATH' ? 'BAD_PATH'
      : err.code === 'BAD_SIGNATURE' ? 'BAD_SIGNATURE'
        : err.code === 'OVERSIZED' ? 'OVERSIZED'
          : 'MALFORMED'
    throw new StatementError(code, err.message, { cause: err })
  }
  throw err
}

function lookup(blocks: BeeBlocks, length: number, key: string): Buffer | null {
  try {
    return beeGet(blocks, length, Buffer.from(key))
  } catch (err) {
    if (err instanceof MissingBlockError) throw new StatementError('BAD_PATH', `the lookup of ${key} needs block ${err.seq}, which the statement does not carry`)
    throw err
  }
}

/**
 * Verifies a statement file and returns the values it proves. Throws StatementError with a stable code
 * (MALFORMED, OVERSIZED, UNSUPPORTED_VERSION, WRONG_NETWORK, UNKNOWN_SIGNER, BAD_SIGNATURE, BAD_PATH,
 * NO_SUCH_ACCOUNT, TOO_OLD).
 */
export function verifyStatement(bytes: Uint8Array, opts: VerifyStatementOptions): VerifiedStatement {
  const network = key32(opts.networkKey, 'the network key')
  const st = decodeStatement(bytes)
  if (!st.networkKey.equals(network)) {
    throw new StatementError('WRONG_NETWORK', `statement of network ${st.networkKey.toString('hex')}, expected ${network.toString('hex')}`)
  }
  if (!writerKeyForSigner(st.bootstrapSigner).equals(network)) {
    throw new StatementError('UNKNOWN_SIGNER', 'the bootstrap signer the statement names is not the network key\'s')
  }

  let proof: ViewProof
  try {
    proof = decodeViewProof(st.viewProof)
  } catch (err) {
    fromProofError(err)
  }
  // The view key is not derivable from the network key (it depends on the indexer set and the view's
  // history); it is whatever the manifest hashes to. Trust comes from who signed under it (below).
  let viewKey: Buffer
  try {
    viewKey = manifestKey(decodeManifest(proof.manifest))
  } catch (err) {
    throw new StatementError('MALFORMED', `the view manifest does not decode: ${(err as Error).message}`, { cause: err })
  }

  // Trust: every signer of the view must be a trusted indexer, and its namespace must name this network.
  const trusted = new Set<string>([network.toString('hex')])
  for (const k of opts.indexers ?? []) trusted.add(key32(k, 'an indexer key').toString('hex'))
  let verified: VerifiedViewProof
  try {
    verified = verifyViewProof(viewKey, proof)
  } catch (err) {
    fromProofError(err)
  }
  const expectedNs = viewSignerNamespace(network, st.entropy)
  verified.manifest.publicKeys.forEach((pk, i) => {
    const id = accountOfSigner(pk).toString('hex')
    if (!trusted.has(id)) throw new StatementError('UNKNOWN_SIGNER', `the view is signed under ${id}, not a trusted indexer of this network`)
    if (!(verified.manifest.namespaces[i] as Buffer).equals(expectedNs)) {
      throw new StatementError('WRONG_NETWORK', `signer ${i}'s namespace does not name this network's ledger view`)
    }
  })

  // The records, by Hyperbee's own lookup over exactly the proven blocks.
  const blocks = new BeeBlocks((seq) => {
    const b = verified.blocks.get(seq)
    if (b === undefined) throw new MissingBlockError(seq)
    return b
  })
  const length = verified.length
  const metaBytes = lookup(blocks, length, keys.meta)
  if (metaBytes === null) throw new StatementError('BAD_PATH', 'the proven ledger has no network record')
  const meta = parseRecord(metaBytes, 'network')
  if (meta.admin !== network.toString('hex')) throw new StatementError('WRONG_NETWORK', 'the proven ledger\'s admin is not the network\'s bootstrap writer')
  const account = st.account.toString('hex')
  const acctBytes = lookup(blocks, length, keys.account(account))
  if (acctBytes === null) throw new StatementError('NO_SUCH_ACCOUNT', `account ${account} does not exist at ledger version ${length}`)
  const acct = parseRecord(acctBytes, 'account')
  const epoch = intField(meta, 'epoch', 'network')
  let epochTime: number | null = null
  if (epoch > 0) {
    const epochBytes = lookup(blocks, length, keys.epoch(epoch))
    if (epochBytes === null) throw new StatementError('BAD_PATH', `the proven ledger has no record of its epoch ${epoch}`)
    epochTime = intField(parseRecord(epochBytes, 'epoch'), 'time', 'epoch')
  }
  if (blocks.touched.size !== verified.blocks.size) {
    throw new StatementError('MALFORMED', `${verified.blocks.size - blocks.touched.size} proven blocks are not on any lookup path`)
  }

  const now = opts.now ?? Date.now()
  const ageMs = epochTime === null ? null : now - epochTime
  if (opts.maxAgeMs !== undefined && (ageMs === null || ageMs > opts.maxAgeMs)) {
    throw new StatementError('TOO_OLD', ageMs === null ? 'the statement is from before the first epoch: its age is unknown' : `the statement is ${ageMs} ms old, more than ${opts.maxAgeMs} ms`)
  }

  return {
    network: network.toString('hex'),
    account,
    version: length,
    fork: verified.fork,
    epoch,
    epochTime,
    ageMs,
    balance: bigField(acct, 'balance', 'account'),
    given: bigField(acct, 'given', 'account'),
    received: bigField(acct, 'received', 'account'),
    heldBack: bigField(acct, 'heldBack', 'account'),
    reputationPpm: reputationOf(acct),
    signers: verified.signers.map((i) => accountOfSigner(verified.manifest.publicKeys[i] as Buffer).toString('hex')),
    indexers: hexList(meta, 'indexers', 'network'),
    bytes: bytes.byteLength
  }
}
