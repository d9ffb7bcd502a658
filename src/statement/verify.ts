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
  /** Indexer-set changes the statement's chain carried the trust across. */
  chainLinks: number
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
/** A view proof's signatures checked (not yet who signed, nor their namespaces): its head, signers, blocks. */
function checkedView(bytes: Buffer, what: string): VerifiedViewProof {
  let proof: ViewProof
  try {
    proof = decodeViewProof(bytes)
  } catch (err) {
    fromProofError(err)
  }
  // The view key is not derivable from the network key (it depends on the indexer set and the view's
  // history); it is whatever the manifest hashes to. Trust comes from who signed under it.
  let viewKey: Buffer
  try {
    viewKey = manifestKey(decodeManifest(proof.manifest))
  } catch (err) {
    throw new StatementError('MALFORMED', `${what}: the view manifest does not decode: ${(err as Error).message}`, { cause: err })
  }
  let verified: VerifiedViewProof
  try {
    verified = verifyViewProof(viewKey, proof)
  } catch (err) {
    fromProofError(err)
  }
  return verified
}

/** Every signer's namespace must name this network's ledger view (bind.ts). */
function checkNamespaces(verified: VerifiedViewProof, network: Buffer, entropy: Buffer, what: string): void {
  const expectedNs = viewSignerNamespace(network, entropy)
  verified.manifest.namespaces.forEach((ns, i) => {
    if (!ns.equals(expectedNs)) throw new StatementError('WRONG_NETWORK', `${what}: signer ${i}'s namespace does not name this network's ledger view`)
  })
}

function blocksOf(verified: VerifiedViewProof): BeeBlocks {
  return new BeeBlocks((seq) => {
    const b = verified.blocks.get(seq)
    if (b === undefined) throw new MissingBlockError(seq)
    return b
  })
}

/** The ledger's network record at a proven head; its admin must be the network's bootstrap writer. */
function metaAt(blocks: BeeBlocks, length: number, network: Buffer): Record<string, unknown> {
  const metaBytes = lookup(blocks, length, keys.meta)
  if (metaBytes === null) throw new StatementError('BAD_PATH', 'the proven ledger has no network record')
  const meta = parseRecord(metaBytes, 'network')
  if (meta.admin !== network.toString('hex')) throw new StatementError('WRONG_NETWORK', 'the proven ledger\'s admin is not the network\'s bootstrap writer')
  return meta
}

const majority = (n: number): number => Math.floor(n / 2) + 1

/**
 * Follows the indexer-set chain from the anchor (the bootstrap writer, plus any indexers the verifier
 * trusts): each link is a signed view head at which the ledger's network record names the next set,
 * signed by a majority of the current set. Returns the set trusted after the last link, and its length.
 */
function followChain(links: readonly Buffer[], anchor: Set<string>, network: Buffer, entropy: Buffer): { trusted: Set<string>, length: number } {
  let trusted = anchor
  let last = 0
  links.forEach((bytes, i) => {
    const what = `chain link ${i}`
    const v = checkedView(bytes, what)
    checkNamespaces(v, network, entropy, what)
    const signedBy = v.signers.filter((s) => trusted.has(accountOfSigner(v.manifest.publicKeys[s] as Buffer).toString('hex'))).length
    if (signedBy < majority(trusted.size)) {
      throw new StatementError('BAD_CHAIN', `${what} is signed by ${signedBy} of the ${trusted.size} indexers trusted before it; a majority (${majority(trusted.size)}) is needed`)
    }
    if (v.length <= last) throw new StatementError('BAD_CHAIN', `${what} is at ledger version ${v.length}, not after the previous link (${last})`)
    const blocks = blocksOf(v)
    const meta = metaAt(blocks, v.length, network)
    if (blocks.touched.size !== v.blocks.size) throw new StatementError('MALFORMED', `${what}: ${v.blocks.size - blocks.touched.size} proven blocks are not on the network record's path`)
    const next = hexList(meta, 'indexers', 'network')
    if (next.length === 0) throw new StatementError('BAD_CHAIN', `${what}: the ledger names no indexers`)
    trusted = new Set(next)
    last = v.length
  })
  return { trusted, length: last }
}

/**
 * Verifies a statement file and returns the values it proves. Throws StatementError with a stable code
 * (MALFORMED, OVERSIZED, UNSUPPORTED_VERSION, WRONG_NETWORK, UNKNOWN_SIGNER, BAD_CHAIN, BAD_SIGNATURE,
 * BAD_PATH, NO_SUCH_ACCOUNT, TOO_OLD).
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

  // Trust: the bootstrap writer (the network's first indexer) and any indexers the verifier names,
  // carried across indexer changes by the chain; every signer of the statement's view must be in the
  // set the chain ends with.
  const anchor = new Set<string>([network.toString('hex')])
  for (const k of opts.indexers ?? []) anchor.add(key32(k, 'an indexer key').toString('hex'))
  const { trusted, length: chainLength } = followChain(st.chain, anchor, network, st.entropy)
  const verified = checkedView(st.viewProof, 'the statement')
  if (verified.length < chainLength) throw new StatementError('BAD_CHAIN', `the statement's ledger version ${verified.length} is before its chain's last link (${chainLength})`)
  for (const pk of verified.manifest.publicKeys) {
    const id = accountOfSigner(pk).toString('hex')
    if (!trusted.has(id)) throw new StatementError('UNKNOWN_SIGNER', `the view is signed under ${id}, not an indexer the network key (and the statement's chain) vouches for`)
  }
  checkNamespaces(verified, network, st.entropy, 'the statement')

  // The records, by Hyperbee's own lookup over exactly the proven blocks.
  const blocks = blocksOf(verified)
  const length = verified.length
  const meta = metaAt(blocks, length, network)
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
    chainLinks: st.chain.length,
    bytes: bytes.byteLength
  }
}
