// Deterministic block contents and digests, so two processes can agree on what a core holds.
import { blake2b, type Core } from '../../src/stack/index.js'

export function makeBlock(label: string, index: number, size: number): Buffer {
  const out = Buffer.alloc(size)
  const seed = blake2b(Buffer.from(`${label}/${index}`))
  for (let off = 0; off < size; off += seed.length) seed.copy(out, off)
  return out
}

export function makeBlocks(label: string, start: number, count: number, size: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => makeBlock(label, start + i, size))
}

/** BLAKE2b over every block of the core in order. `core.get` itself verifies each block's Merkle proof. */
export async function digestCore(core: Core, timeoutMs = 10_000): Promise<string> {
  const blocks: Buffer[] = []
  for (let i = 0; i < core.length; i++) {
    const block = await core.get(i, { timeout: timeoutMs })
    if (!block) throw new Error(`block ${i} missing`)
    blocks.push(blake2b(block))
  }
  return blake2b(blocks).toString('hex')
}
