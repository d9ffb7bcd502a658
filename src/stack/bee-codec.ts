// Typed access to Hyperbee 2.27's block encoding (protocol buffers), so a Hyperbee lookup can be
// replayed over blocks held in memory — by an offline verifier that opens no Hyperbee, core or store.
// Pure: imports only hyperbee's message codec, never the Hyperbee module itself.
import messages from 'hyperbee/lib/messages.js'

/** One Hyperbee block: the key/value put in it and its serialized index (the tree nodes it wrote). */
export interface BeeNodeBlock {
  index: Buffer
  key: Buffer
  /** null for a deletion (or a key whose value is empty and absent). */
  value: Buffer | null
}

/** One tree node: keys as block seqs, children as (seq, level offset) pairs flattened. */
export interface BeeLevel {
  keys: number[]
  children: number[]
}

/** Throws on malformed bytes (caller maps to a typed error). */
export function decodeBeeNode(bytes: Uint8Array): BeeNodeBlock {
  const n = messages.Node.decode(bytes) as { index: Buffer | null; key: Buffer | null; value: Buffer | null }
  if (n.index === null || n.key === null) throw new Error('hyperbee node lacks its index or key')
  return { index: n.index, key: n.key, value: n.value }
}

/** Throws on malformed bytes (caller maps to a typed error). */
export function decodeBeeIndex(bytes: Uint8Array): BeeLevel[] {
  const d = messages.YoloIndex.decode(bytes) as { levels: BeeLevel[] }
  return d.levels
}
