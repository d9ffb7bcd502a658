// Maker side: the view blocks a set of Hyperbee lookups reads at a signed length, fetched on demand
// (lookups run over the fetched blocks until none is missing).
import type { Core } from '../stack/index.js'
import { BeeBlocks, MissingBlockError } from './bee-walk.js'
import { StatementError } from './errors.js'

const MAX_FETCHES = 10_000
/** A signed head can run ahead of what this node applied (another indexer's view replicated in). */
const BLOCK_TIMEOUT_MS = 10_000

/** Runs `lookups` over blocks of `core` until it needs no more; returns its result and the blocks it read. */
export async function collectBlocks<T>(core: Core, length: number, lookups: (blocks: BeeBlocks) => T): Promise<{ result: T, seqs: number[] }> {
  const fetched = new Map<number, Buffer>()
  for (let n = 0; n < MAX_FETCHES; n++) {
    const blocks = new BeeBlocks((seq) => {
      const b = fetched.get(seq)
      if (b === undefined) throw new MissingBlockError(seq)
      return b
    })
    try {
      const result = lookups(blocks)
      return { result, seqs: [...blocks.touched] }
    } catch (err) {
      if (!(err instanceof MissingBlockError)) throw err
      if (err.seq >= length) throw new StatementError('BAD_PATH', `the view's tree points past its signed length (${err.seq})`)
      let b: Buffer | null
      try {
        b = await core.get(err.seq, { timeout: BLOCK_TIMEOUT_MS })
      } catch (e) {
        throw new StatementError('NOT_READY', `view block ${err.seq} is not available: ${(e as Error).message}`, { cause: e })
      }
      if (b === null) throw new StatementError('NOT_READY', `view block ${err.seq} is not available`)
      fetched.set(err.seq, b)
    }
  }
  throw new StatementError('BAD_PATH', `lookups need more than ${MAX_FETCHES} blocks`)
}
