// Ops/s through Autobase: the Favor contract vs a no-op apply, one writer (batched) and three writers,
// all in this process on direct replication streams. Figures only; nothing here asserts a time.
import { pipeline } from 'node:stream'
import { pathToFileURL } from 'node:url'
import {
  openAutobase, openStore, keyPair, type ApplyHandler, type Base, type Store
} from '../src/stack/index.js'
import { Ledger, encodeOp, defaultParams, type Op } from '../src/ledger/index.js'
import { makeTempDir, removeDir } from '../test/harness/tmp.js'
import { fig } from './figures.js'

interface Writer {
  /** Ops this node has applied at least once (progress only: apply may re-run after reorders). */
  readonly seen: Set<string>
  append(values: Buffer[]): Promise<void>
  update(): Promise<void>
  readonly length: number
  readonly writable: boolean
  readonly writerKey: Buffer
  readonly key: Buffer
  close(): Promise<void>
}

const ADD = Buffer.from('add:')

/** Baseline: Autobase with an apply that only admits writers and touches nothing else. */
function noopApply(seen: Set<string>): ApplyHandler {
  return async (nodes, view, host) => {
    const batch = view.batch()
    for (const node of nodes) {
      if (!node.value) continue
      seen.add(`${node.from.key.toString('hex')}:${node.length}`)
      if (node.value.subarray(0, 4).equals(ADD)) await host.addWriter(node.value.subarray(4), { indexer: false })
    }
    await batch.flush()
  }
}

function wrapBase(base: Base, seen: Set<string>): Writer {
  return {
    seen,
    append: async (values) => { await base.append(values) },
    update: () => base.update(),
    get length() { return base.length },
    get writable() { return base.writable },
    get writerKey() { return base.local.key },
    get key() { return base.key },
    close: () => base.close()
  }
}

function wrapLedger(ledger: Ledger): Writer {
  const seen = new Set<string>()
  ledger.on('applied', (info) => seen.add(info.opId))
  return {
    seen,
    append: async (values) => { await ledger.base.append(values) },
    update: () => ledger.update(),
    get length() { return ledger.base.length },
    get writable() { return ledger.writable },
    get writerKey() { return ledger.writerKey },
    get key() { return ledger.key },
    close: () => ledger.close()
  }
}

type Kind = 'contract' | 'noop'

async function openWriter(kind: Kind, store: Store, key: Buffer | null): Promise<Writer> {
  if (kind === 'contract') return wrapLedger(await Ledger.open({ store, bootstrap: key, ackIntervalMs: 1000 }))
  const seen = new Set<string>()
  const base = openAutobase(store, key, { apply: noopApply(seen), ackInterval: 1000 })
  await base.ready()
  return wrapBase(base, seen)
}

function opsFor(kind: Kind, count: number, salt: number): Buffer[] {
  const nodeKey = keyPair().publicKey
  return Array.from({ length: count }, (_, i) => {
    const op: Op = { type: 'offer', time: 1_700_000_000_000 + i, capacityBytes: (1 + ((i + salt) % 97)) * 1024 * 1024, group: `g${salt}`, nodeKey }
    return kind === 'contract' ? encodeOp(op) : Buffer.concat([Buffer.from('op:'), encodeOp(op)])
  })
}

async function waitUntil(check: () => Promise<boolean>, ms: number, what: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`bench wait timed out ${what()}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** ops/s for `writers` writers each appending `perWriter` ops in batches of `batch`. */
async function measure(kind: Kind, writers: number, perWriter: number, batch: number): Promise<number> {
  const dirs: string[] = []
  const stores: Store[] = []
  const nodes: Writer[] = []
  const streams: NodeJS.ReadWriteStream[] = []
  try {
    for (let i = 0; i < writers; i++) {
      const dir = await makeTempDir(`bench-ab-${kind}-${i}`)
      dirs.push(dir)
      stores.push(openStore(dir))
    }
    const first = await openWriter(kind, stores[0]!, null)
    nodes.push(first)
    if (kind === 'contract') await first.append([encodeOp({ type: 'init-network', time: Date.now(), params: defaultParams({ admissionsPerEpoch: 1000 }) })])
    for (let i = 1; i < writers; i++) nodes.push(await openWriter(kind, stores[i]!, first.key))
    // Full mesh of direct replication streams.
    for (let i = 0; i < writers; i++) {
      for (let j = i + 1; j < writers; j++) {
        const a = stores[i]!.replicate(true)
        const b = stores[j]!.replicate(false)
        pipeline(a, b, a, () => {})
        streams.push(a, b)
      }
    }
    const admits = nodes.slice(1).map((n) => kind === 'contract'
      ? encodeOp({ type: 'add-writer', time: Date.now(), writerKey: n.writerKey, indexer: false })
      : Buffer.concat([ADD, n.writerKey]))
    if (admits.length) await first.append(admits)
    for (const n of nodes) await waitUntil(async () => { await n.update(); return n.writable }, 30_000, () => 'writable')

    const work = nodes.map((_, i) => opsFor(kind, perWriter, i))
    const total = nodes.map((n) => n.seen.size)
    const start = performance.now()
    await Promise.all(nodes.map(async (n, i) => {
      const ops = work[i]!
      for (let off = 0; off < ops.length; off += batch) await n.append(ops.slice(off, off + batch))
    }))
    // Done when every node has applied every op of every writer.
    await waitUntil(async () => {
      for (const n of nodes) await n.update()
      return nodes.every((n, i) => n.seen.size >= total[i]! + writers * perWriter)
    }, 300_000, () => `${kind}: applied ${nodes.map((n, i) => n.seen.size - total[i]!).join('/')} of ${writers * perWriter}`)
    return (writers * perWriter) / ((performance.now() - start) / 1000)
  } finally {
    for (const s of streams) (s as unknown as { destroy(): void }).destroy()
    for (const n of nodes) await n.close()
    for (const s of stores) await s.close()
    for (const d of dirs) await removeDir(d)
  }
}

export async function runAutobaseBench(opts: { quick?: boolean } = {}): Promise<void> {
  const per = opts.quick ? 300 : 1500
  const rows: [string, number, number][] = []
  for (const [label, writers, batch] of [['1 writer, batches of 100', 1, 100], ['3 writers, batches of 100', 3, 100], ['3 writers, batches of 10', 3, 10]] as const) {
    const perWriter = Math.round(per / writers)
    const noop = await measure('noop', writers, perWriter, batch)
    const contract = await measure('contract', writers, perWriter, batch)
    rows.push([label, contract, noop])
  }
  console.log(`Autobase throughput, ${per} ops per scenario (offer ops; same process, direct streams)`)
  console.log('scenario'.padEnd(28) + 'contract ops/s'.padStart(16) + 'no-op ops/s'.padStart(14) + 'overhead ×'.padStart(12))
  for (const [label, contract, noop] of rows) {
    const n = fig(`${label}: no-op`, noop, 'ops/s')
    const c = fig(`${label}: contract`, contract, 'ops/s', { baseline: n })
    const o = fig(`${label}: overhead`, noop / contract, '×', { aim: { on: 'value', cmp: '<', limit: 2 } })
    console.log(label.padEnd(28) + c.v.padStart(16) + n.v.padStart(14) + o.v.padStart(12) + '  ' + o.verdict)
  }
  console.log('aim: contract overhead under 2× the no-op apply (no-op ops/s ÷ contract ops/s)')
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runAutobaseBench({ quick: process.argv.includes('--quick') })
}
