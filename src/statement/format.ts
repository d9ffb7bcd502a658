// The statement file, format version 2 (binary, canonical; version 1 files, without the chain, still decode):
//
//   magic "FAVORSTM" (8 bytes) ‖ uint formatVersion(=2)
//   ‖ fixed32 networkKey        the network (the bootstrap writer's core key)
//   ‖ fixed32 bootstrapSigner   the bootstrap writer's ed25519 key: its default manifest hashes to networkKey
//   ‖ fixed32 entropy           Autobase's namespace entropy for the view's signer namespaces
//   ‖ fixed32 account           the account (writer key) the statement is about
//   ‖ uint n ‖ n × buffer link  (v2) the indexer-set chain: view proofs of the ledger's network record,
//                               each signed by a majority of the set the previous one established (chain.ts)
//   ‖ buffer viewProof          src/proof's view proof: the view manifest, the signed head, the blocks
//
// Everything a verifier reports (balance, epoch, time, ledger version…) is read from the proven blocks,
// never from a field of its own, so there is nothing to alter that a hash or a signature does not cover.
import c from 'compact-encoding'
import { StatementError } from './errors.js'

export const STATEMENT_MAGIC = Buffer.from('FAVORSTM', 'ascii')
export const STATEMENT_VERSION = 2
/** Format versions this decoder reads (1: no chain). */
const READABLE_VERSIONS = new Set([1, 2])
/** Indexer-set changes a statement may carry links for (each link is a few KiB). */
export const MAX_CHAIN_LINKS = 64
/** Far above a statement for a ledger of millions of accounts (tens of KiB): a hard limit on input. */
export const MAX_STATEMENT_BYTES = 4 * 1024 * 1024

export interface StatementFile {
  networkKey: Buffer
  bootstrapSigner: Buffer
  entropy: Buffer
  account: Buffer
  /** View proofs of the network record, oldest first (empty: no indexer change to cover). */
  chain: Buffer[]
  viewProof: Buffer
  /** The format version the file was written in (encodeStatement writes it back the same). */
  version?: number
}

type EncState = { start: number; end: number; buffer: Uint8Array | null }
type DecState = { start: number; end: number; buffer: Uint8Array }

export function encodeStatement(s: StatementFile): Buffer {
  for (const [name, b] of [['networkKey', s.networkKey], ['bootstrapSigner', s.bootstrapSigner], ['entropy', s.entropy], ['account', s.account]] as const) {
    if (b.byteLength !== 32) throw new RangeError(`${name} must be 32 bytes`)
  }
  const version = s.version ?? STATEMENT_VERSION
  if (version === 1 && s.chain.length > 0) throw new RangeError('format version 1 has no chain')
  const state: EncState = { start: 0, end: STATEMENT_MAGIC.byteLength, buffer: null }
  c.uint.preencode(state, version)
  state.end += 4 * 32
  if (version >= 2) {
    c.uint.preencode(state, s.chain.length)
    for (const l of s.chain) c.buffer.preencode(state, l)
  }
  c.buffer.preencode(state, s.viewProof)
  const buf = Buffer.allocUnsafe(state.end)
  state.buffer = buf
  STATEMENT_MAGIC.copy(buf, 0)
  state.start = STATEMENT_MAGIC.byteLength
  c.uint.encode(state, version)
  for (const b of [s.networkKey, s.bootstrapSigner, s.entropy, s.account]) c.fixed32.encode(state, b)
  if (version >= 2) {
    c.uint.encode(state, s.chain.length)
    for (const l of s.chain) c.buffer.encode(state, l)
  }
  c.buffer.encode(state, s.viewProof)
  return buf
}

/**
 * Decodes a statement file strictly. MALFORMED for a wrong magic, truncation, trailing or non-canonical
 * bytes; OVERSIZED above MAX_STATEMENT_BYTES; UNSUPPORTED_VERSION for a format version other than 1.
 */
export function decodeStatement(bytes: Uint8Array): StatementFile {
  if (bytes.byteLength > MAX_STATEMENT_BYTES) throw new StatementError('OVERSIZED', `${bytes.byteLength} bytes exceed the ${MAX_STATEMENT_BYTES}-byte limit`)
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (buf.byteLength < STATEMENT_MAGIC.byteLength || !buf.subarray(0, STATEMENT_MAGIC.byteLength).equals(STATEMENT_MAGIC)) {
    throw new StatementError('MALFORMED', 'not a Favor statement (bad magic)')
  }
  const state: DecState = { start: STATEMENT_MAGIC.byteLength, end: buf.byteLength, buffer: buf }
  let out: StatementFile
  try {
    const version = c.uint.decode(state)
    if (!READABLE_VERSIONS.has(version)) throw new StatementError('UNSUPPORTED_VERSION', `statement format version ${version}; this verifier knows ${[...READABLE_VERSIONS].join(' and ')}`)
    const networkKey = Buffer.from(c.fixed32.decode(state))
    const bootstrapSigner = Buffer.from(c.fixed32.decode(state))
    const entropy = Buffer.from(c.fixed32.decode(state))
    const account = Buffer.from(c.fixed32.decode(state))
    const part = (what: string): Buffer => {
      const len = c.uint.decode(state)
      if (len > state.end - state.start) throw new StatementError('MALFORMED', `${what} truncated`)
      const b = buf.subarray(state.start, state.start + len)
      state.start += len
      return b
    }
    const chain: Buffer[] = []
    if (version >= 2) {
      const n = c.uint.decode(state)
      if (n > MAX_CHAIN_LINKS) throw new StatementError('OVERSIZED', `${n} chain links, more than ${MAX_CHAIN_LINKS}`)
      for (let i = 0; i < n; i++) chain.push(part(`chain link ${i}`))
    }
    const viewProof = part('view proof')
    out = { networkKey, bootstrapSigner, entropy, account, chain, viewProof, version }
  } catch (err) {
    if (err instanceof StatementError) throw err
    throw new StatementError('MALFORMED', `statement does not decode: ${(err as Error).message}`, { cause: err })
  }
  if (state.start !== state.end) throw new StatementError('MALFORMED', `${state.end - state.start} trailing bytes`)
  if (!encodeStatement(out).equals(buf)) throw new StatementError('MALFORMED', 'statement is not in canonical form')
  return out
}
