// Balance statements (issue 16): for ledgers of 100, 10,000 and 100,000 accounts, each built through the
// contract on a real Autobase + Hyperbee view on a real corestore (one indexer; every account is admitted
// by an `add-writer` op and becomes an Autobase writer), prints the statement size, the time to make one
// and to verify one, next to the time `favor ledger verify` (a full replay of the writers' logs) takes on
// the same ledger. No assertions: numbers only.
//
// The size depends on which record the last op of the signed version wrote: Hyperbee's root node lives
// in the last block, and a lookup needs the whole block. An admission ends with the account index's
// small count record (src/ledger/account-index.ts), so a head right after admissions is measured too.
// Standalone: node --import tsx bench/statement.ts [--quick] [--sizes 100,10000]
import { pathToFileURL } from 'node:url'
import { performance } from 'node:perf_hooks'
import { getHeapStatistics } from 'node:v8'
import { mkdtemp } from 'node:fs/promises'
import path from 'node:path'
import { verifyLive } from '../src/ledger/index.js'
import { makeStatement, verifyStatement } from '../src/statement/index.js'
import { settledStatement, soloLedger } from '../test/statement/helpers.js'
import { waitFor } from '../test/harness/wait.js'
import { fig } from './figures.js'

/** Heap the replay of `favor ledger verify` holds per writer (measured: 53 to 65 KB at 5,000 to 100,000 writers). */
const REPLAY_HEAP_PER_WRITER = 65_000

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')
const ms = (n: number): string => (n < 10 ? n.toFixed(2) : fmt(n)) + ' ms'

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? 0
}

async function one(n: number, samples: number): Promise<void> {
  const t0 = performance.now()
  let lastLog = performance.now()
  const solo = await soloLedger('bench-statement', n, 200, (done) => {
    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now()
      console.log(`  … ${fmt(done)} of ${fmt(n)} accounts admitted (${ms(performance.now() - t0)})`)
    }
  })
  try {
    const admitted = performance.now() - t0
    const { ledger } = solo
    const pick = (i: number): string => solo.accounts[Math.floor((i * 7919) % solo.accounts.length)] as string
    // A head right after admissions: its last block is the account index's count record.
    const heavy = await settledStatement(ledger, pick(0), 600_000)
    const built = performance.now() - t0

    // Any other op (a refused `withdraw` writes a small `rejected/` record): the usual case.
    const heavyVersion = verifyStatement(heavy, { networkKey: ledger.key }).version
    await ledger.append({ type: 'withdraw', time: Date.now() })
    await waitFor(async () => verifyStatement(await settledStatement(ledger, pick(0), 600_000), { networkKey: ledger.key }).version > heavyVersion, 600_000, 'a signed head past the withdraw', 100)
    const sizes: number[] = []
    const makeMs: number[] = []
    const files: Buffer[] = []
    for (let i = 0; i < samples; i++) {
      const t = performance.now()
      const b = await makeStatement(ledger, pick(i))
      makeMs.push(performance.now() - t)
      sizes.push(b.byteLength)
      files.push(b)
    }
    const verifyMs: number[] = []
    const key = ledger.key
    for (let r = 0; r < 5; r++) {
      for (const b of files) {
        const t = performance.now()
        verifyStatement(b, { networkKey: key })
        verifyMs.push(performance.now() - t)
      }
    }
    const heavyT = performance.now()
    verifyStatement(heavy, { networkKey: key })
    const heavyVerify = performance.now() - heavyT

    const at = `${n} accounts`
    const msF = (name: string, v: number): string => { fig(`${at}: ${name}`, v, 'ms'); return ms(v) }
    const bF = (name: string, v: number): string => fig(`${at}: ${name}`, v, 'B').v
    console.log(`ledger of ${fmt(n + 1)} accounts (view ${fmt(ledger.view.core.length)} blocks; ${fmt(n)} admissions in ${msF('admissions', admitted)}, ${msF('one admission', admitted / Math.max(n, 1))} each; signed after ${ms(built)})`)
    console.log(`  statement size         median ${bF('statement size median', median(sizes))} B (min ${bF('statement size min', Math.min(...sizes))}, max ${bF('statement size max', Math.max(...sizes))}) over ${samples} accounts`)
    console.log(`  … at a head right after the admissions: ${bF('statement size after admissions', heavy.byteLength)} B (verify ${msF('verify after admissions', heavyVerify)})`)
    console.log(`  make a statement       median ${msF('make statement median', median(makeMs))}`)
    console.log(`  verify a statement     median ${msF('verify statement median', median(verifyMs))} (${fmt(verifyMs.length)} runs; max ${msF('verify statement max', Math.max(...verifyMs))})`)

    // `favor ledger verify`: fetch every writer log (all local here), then replay them into a fresh view.
    // The replay holds every writer core open, with a replication session on each side (55 to 65 KB of
    // heap per writer): at 100,000 accounts more than Node's default heap limit.
    const needMb = Math.round((n * REPLAY_HEAP_PER_WRITER) / 1e6) + 512
    const limitMb = Math.round(getHeapStatistics().heap_size_limit / 1e6)
    if (limitMb < needMb) {
      fig(`${at}: ledger verify`, null, 'ms', { note: 'skipped: heap limit' })
      console.log(`  favor ledger verify    skipped: the replay needs about ${fmt(needMb)} MB of heap, the limit is ${fmt(limitMb)} MB (NODE_OPTIONS=--max-old-space-size=${Math.ceil((needMb * 1.5) / 1024) * 1024})`)
      return
    }
    const scratch = await mkdtemp(path.join(solo.dir, 'verify-'))
    let peakHeap = 0
    const sampler = setInterval(() => { peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed) }, 1000)
    const tr = performance.now()
    let replayStarted = 0
    let lastReplayLog = tr
    const report = await verifyLive(ledger, solo.store, scratch, 4 * 3_600_000, (p) => {
      const now = performance.now()
      if (p.stage === 'replay' && replayStarted === 0) replayStarted = now
      if (p.stage === 'replay' && now - lastReplayLog > 30_000) {
        lastReplayLog = now
        console.log(`  … replay at version ${fmt(p.version)} of ${fmt(p.targetVersion)} (${ms(now - tr)})`)
      }
    })
    const replayMs = performance.now() - tr
    clearInterval(sampler)
    const fetchMs = (replayStarted === 0 ? performance.now() : replayStarted) - tr
    console.log(`  favor ledger verify    ${msF('ledger verify', replayMs)} (replay ${report.ok ? 'matches' : 'DIFFERS'}; ${fmt(report.entries)} entries; ${fmt(report.writers)} writer logs opened in ${msF('ledger verify open writers', fetchMs)}; peak heap ${fig(`${at}: ledger verify peak heap`, peakHeap / 1e6, 'MB').v} MB)`)
    console.log(`  replay / verify        ${fig(`${at}: replay over statement verify`, replayMs / Math.max(median(verifyMs), 1e-3), '×', { digits: 0 }).v}×`)
  } finally {
    await solo.close()
  }
}

export async function runStatementBench(opts: { quick?: boolean; sizes?: number[] } = {}): Promise<void> {
  const sizes = opts.sizes ?? (opts.quick === true ? [100] : [100, 10_000, 100_000])
  for (const n of sizes) await one(n, opts.quick === true ? 5 : 20)
}

function sizesArg(argv: string[]): number[] | undefined {
  const i = argv.indexOf('--sizes')
  const v = i >= 0 ? argv[i + 1] : undefined
  return v === undefined ? undefined : v.split(',').map((x) => Number(x))
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const sizes = sizesArg(process.argv)
  await runStatementBench({ quick: process.argv.includes('--quick'), ...(sizes ? { sizes } : {}) })
}
