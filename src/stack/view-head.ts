// The signed head of an Autobase view core and Merkle paths of its blocks, read from hypercore's
// session state. `core.proof` cannot serve here: for a core with a prologue (every Autobase view after
// its first indexer is set) hypercore 11.37.1 forces an upgrade proof to the prologue's length, so a
// block past the prologue cannot be proven from 0. The head (roots, length, fork, signature) and each
// block's path to its full root are read directly instead; the verifier recomputes everything.
import type { Base } from './autobase.js'
import type { Core, TreeNode } from './hypercore.js'
import type { Manifest } from './merkle.js'

export interface SignedHead {
  /** Blocks covered by the signature. */
  length: number
  fork: number
  /** The full roots of `length`, left to right. */
  roots: TreeNode[]
  /** hypercore's signature bytes for this head (a multi-signature envelope for Autobase views). */
  signature: Buffer
}

interface StateView {
  length: number
  fork: number
  roots: TreeNode[]
  signature: Buffer | null
}

/**
 * A session on the default (signed) state of the Autobase's view core: its length is what the indexers
 * signed, not what this node applied on top. Close it when done.
 */
export async function openSignedView(base: Base): Promise<Core> {
  const key = base.view.core.key
  const store = (base as unknown as { store: { get(o: unknown): Core } }).store
  const core = store.get({ key, active: false })
  await core.ready()
  return core
}

/** The head the core's current signature covers, or null when it has none (nothing signed past a prologue). */
export function signedHead(core: Core): SignedHead | null {
  const state = (core as unknown as { state: StateView }).state
  if (!state.signature || state.length === 0) return null
  return {
    length: state.length,
    fork: state.fork,
    roots: state.roots.map((r) => ({ index: r.index, size: r.size, hash: Buffer.from(r.hash) })),
    signature: Buffer.from(state.signature)
  }
}

/**
 * Block `index` and the `depth` sibling nodes from its leaf up to its full root at the core's current
 * length (`depth` = the root's height; hypercore's `nodes` counts the levels the proof climbs).
 */
export async function blockPath(core: Core, index: number, depth: number): Promise<{ value: Buffer; nodes: TreeNode[] }> {
  const p = await core.proof({ block: { index, nodes: depth } })
  if (!p.block || !p.block.value) throw new Error(`block ${index} is not held locally`)
  return {
    value: Buffer.from(p.block.value),
    nodes: p.block.nodes.map((n) => ({ index: n.index, size: n.size, hash: Buffer.from(n.hash) }))
  }
}

/** The manifest of a core in the Autobase's store (e.g. the bootstrap writer's), or null if unknown yet. */
export async function readCoreManifest(base: Base, key: Uint8Array): Promise<Manifest | null> {
  const store = (base as unknown as { store: { get(o: unknown): Core } }).store
  const core = store.get({ key, active: false })
  try {
    await core.ready()
    return (core.manifest as Manifest | null) ?? null
  } finally {
    await core.close()
  }
}

/** Autobase's namespace entropy of its current system (null for system version 1, which has none). */
export function systemEntropy(base: Base): Buffer | null {
  const e = (base as unknown as { _applyState?: { system?: { entropy?: Buffer | null } } })._applyState?.system?.entropy
  return e ? Buffer.from(e) : null
}

interface SystemInfo { views: { key: Uint8Array }[] }
interface SystemViewClass {
  flushes(core: Core, opts: { wait: boolean }): AsyncIterable<{ length: number, info: SystemInfo }>
}

/**
 * The keys the ledger view's core has had, oldest first: Autobase migrates the view to a new core (a
 * new multi-signer manifest) whenever the indexer set changes, and its system core records the view's
 * key in every flush (`views[0].key`). The retired cores stay in the store. Reads the whole system
 * history (one record per flush): a maker-side cost, not a verifier's.
 */
export async function viewKeyHistory(base: Base): Promise<Buffer[]> {
  const system = (base as unknown as { system?: { core: Core, constructor: SystemViewClass } | null }).system
  if (!system) return [Buffer.from(base.view.core.key)]
  const keys: Buffer[] = []
  const seen = new Set<string>()
  // flushes() walks newest first, and closes the core it is given: give it a session of its own.
  const session = (system.core as unknown as { session(): Core }).session()
  try {
    for await (const { info } of system.constructor.flushes(session, { wait: false })) {
      const k = info.views[0]?.key
      if (k === undefined) continue
      const hex = Buffer.from(k).toString('hex')
      if (!seen.has(hex)) {
        seen.add(hex)
        keys.push(Buffer.from(k))
      }
    }
  } finally {
    await session.close()
  }
  keys.reverse()
  const current = Buffer.from(base.view.core.key)
  if (!seen.has(current.toString('hex'))) keys.push(current)
  return keys
}

/** A session on the signed state of a view core by key (a retired one included). Close it when done. */
export async function openCoreByKey(base: Base, key: Uint8Array): Promise<Core> {
  const store = (base as unknown as { store: { get(o: unknown): Core } }).store
  const core = store.get({ key, active: false })
  await core.ready()
  return core
}
