// Hyperbee's `get`, replayed over blocks given by a callback — the same descent Hyperbee 2.27 makes
// (lib: `_get`): start at the root node (level 0 of the last block), compare with the block's own key,
// binary-search the node's keys (each key lives in the block it was put in), descend into a child
// (block seq + level offset). The maker runs it over the live core to learn which blocks a lookup
// reads; the verifier runs it over the proven blocks only. Synchronous and pure.
import { FavorError } from '../errors.js'
import { decodeBeeIndex, decodeBeeNode } from '../stack/bee-codec.js'
import type { BeeLevel, BeeNodeBlock } from '../stack/bee-codec.js'
import { StatementError } from './errors.js'

/** Thrown by a block source that does not have block `seq` (the maker fetches it and walks again). */
export class MissingBlockError extends FavorError {
  readonly seq: number
  constructor(seq: number) {
    super(`block ${seq} is needed`, 'MISSING_BLOCK')
    this.seq = seq
  }
}

/** Raw block bytes by seq; throws MissingBlockError when absent. */
export type BlockSource = (seq: number) => Buffer

const MAX_DEPTH = 64

interface Decoded {
  node: BeeNodeBlock
  levels: BeeLevel[] | null
}

/** Decodes blocks on demand (once each) and records which seqs a walk touched. */
export class BeeBlocks {
  private readonly decoded = new Map<number, Decoded>()
  readonly touched = new Set<number>()

  constructor(private readonly source: BlockSource) {}

  node(seq: number): BeeNodeBlock {
    return this.entry(seq).node
  }

  levels(seq: number): BeeLevel[] {
    const e = this.entry(seq)
    if (e.levels === null) {
      try {
        e.levels = decodeBeeIndex(e.node.index)
      } catch (err) {
        throw new StatementError('MALFORMED', `block ${seq}: its tree index does not decode`, { cause: err })
      }
    }
    return e.levels
  }

  private entry(seq: number): Decoded {
    const hit = this.decoded.get(seq)
    if (hit) return hit
    const bytes = this.source(seq) // may throw MissingBlockError
    this.touched.add(seq)
    let node: BeeNodeBlock
    try {
      node = decodeBeeNode(bytes)
    } catch (err) {
      throw new StatementError('MALFORMED', `block ${seq} is not a Hyperbee node`, { cause: err })
    }
    const d: Decoded = { node, levels: null }
    this.decoded.set(seq, d)
    return d
  }
}

function hasKey(levels: BeeLevel[], seq: number): boolean {
  return levels.some((l) => l.keys.includes(seq))
}

/**
 * The value stored under `key` in the Hyperbee of `length` blocks, or null when the key is absent (or
 * deleted). Throws MissingBlockError (from the source) or StatementError('BAD_PATH') for a tree that
 * points outside itself.
 */
export function beeGet(blocks: BeeBlocks, length: number, key: Buffer): Buffer | null {
  if (length < 2) return null
  let seq = length - 1
  let offset = 0
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    if (seq < 1 || seq >= length) throw new StatementError('BAD_PATH', `tree points to block ${seq}, outside 1..${length - 1}`)
    const block = blocks.node(seq)
    const level = blocks.levels(seq)[offset]
    if (level === undefined) throw new StatementError('BAD_PATH', `block ${seq} has no tree level ${offset}`)
    if (block.key.equals(key)) {
      if (block.value === null && !hasKey(blocks.levels(seq), seq)) return null
      return block.value ?? Buffer.alloc(0)
    }
    let s = 0
    let e = level.keys.length
    let c = 0
    while (s < e) {
      const mid = (s + e) >> 1
      const kseq = level.keys[mid] as number
      if (kseq < 1 || kseq >= length) throw new StatementError('BAD_PATH', `tree key points to block ${kseq}, outside 1..${length - 1}`)
      c = Buffer.compare(key, kseq === seq ? block.key : blocks.node(kseq).key)
      if (c === 0) return blocks.node(kseq).value ?? Buffer.alloc(0)
      if (c < 0) e = mid
      else s = mid + 1
    }
    if (level.children.length === 0) return null
    const i = c < 0 ? e : s
    const childSeq = level.children[2 * i]
    const childOffset = level.children[2 * i + 1]
    if (childSeq === undefined || childOffset === undefined) throw new StatementError('BAD_PATH', `block ${seq} level ${offset} has no child ${i}`)
    seq = childSeq
    offset = childOffset
  }
  throw new StatementError('BAD_PATH', `tree deeper than ${MAX_DEPTH}`)
}
