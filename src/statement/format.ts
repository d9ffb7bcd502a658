// The statement file, format version 1 (binary, canonical):
//
//   magic "FAVORSTM" (8 bytes) ‖ uint formatVersion(=1)
//   ‖ fixed32 networkKey        the network (the bootstrap writer's core key)
//   ‖ fixed32 bootstrapSigner   the bootstrap writer's ed25519 key: its default manifest hashes to networkKey
//   ‖ fixed32 entropy           Autobase's namespace entropy for the view's signer namespaces
//   ‖ fixed32 account           the account (writer key) the statement is about
//   ‖ buffer viewProof          src/proof's view proof: the view manifest, the signed head, the blocks
//
// Everything a verifier reports (balance, epoch, time, ledger version…) is read from the proven blocks,
// never from a field of its own, so there is nothing to alter that a hash or a signature does not cover.
import c from 'compact-encoding'
import { StatementError } from './errors.js'

export const STATEMENT_MAGIC = Buffer.from('FAVORSTM', 'ascii')
export const STATEMENT_VERSION = 1
/** Far above a statement for a ledger of millions of accounts (tens of KiB): a hard limit on input. */
export const MAX_STATEMENT_BYTES = 4 * 1024 * 1024

export interface StatementFile {
  networkKey: Buffer
  bootstrapSigner: Buffer
  entropy: Buffer
  account: Buffer
  viewProof: Buffer
}

type EncState = { start: number; end: number; buffer: Uint8Array | null }
type DecState = { start: number; end: number; buffer: Uint8Array }

export function encodeStatement(s: StatementFile): Buffer {
  for (const [name, b] of [['networkKey', s.networkKey], ['bootstrapSigner', s.bootstrapSigner], ['entropy', s.entropy], ['account', s.account]] as const) {
    if (b.byteLength !== 32) throw new RangeError(`${name} must be 32 bytes`)
  }
  const state: EncState = { start: 0, end: STATEMENT_MAGIC.byteLength, buffer: null }
  c.uint.preencode(state, STATEMENT_VERSION)
  state.end += 4 * 32
  c.buffer.preencode(state, s.viewProof)
  const buf = Buffer.allocUnsafe(state.end)
  state.buffer = buf
  STATEMENT_MAGIC.copy(buf, 0)
  state.start = STATEMENT_MAGIC.byteLength
  c.uint.encode(state, STATEMENT_VERSION)
  for (const b of [s.networkKey, s.bootstrapSigner, s.entropy, s.account]) c.fixed32.encode(state, b)
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
    if (version !== STATEMENT_VERSION) throw new StatementError('UNSUPPORTED_VERSION', `statement format version ${version}; this verifier knows ${STATEMENT_VERSION}`)
    const networkKey = Buffer.from(c.fixed32.decode(state))
    const bootstrapSigner = Buffer.from(c.fixed32.decode(state))
    const entropy = Buffer.from(c.fixed32.decode(state))
    const account = Buffer.from(c.fixed32.decode(state))
    const len = c.uint.decode(state)
    if (len > state.end - state.start) throw new StatementError('MALFORMED', 'view proof truncated')
    const viewProof = buf.subarray(state.start, state.start + len)
    state.start += len
    out = { networkKey, bootstrapSigner, entropy, account, viewProof }
  } catch (err) {
    if (err instanceof StatementError) throw err
    throw new StatementError('MALFORMED', `statement does not decode: ${(err as Error).message}`, { cause: err })
  }
  if (state.start !== state.end) throw new StatementError('MALFORMED', `${state.end - state.start} trailing bytes`)
  if (!encodeStatement(out).equals(buf)) throw new StatementError('MALFORMED', 'statement is not in canonical form')
  return out
}
