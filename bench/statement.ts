// Balance statements (issue 16): for ledgers of 100 and 10,000 accounts (a real Autobase + Hyperbee
// view on a real corestore, one indexer), prints the statement size, the time to make one and to verify
// one, next to the time `favor ledger verify` (a full replay of the writers' logs) takes on the same
// ledger. No assertions: numbers only.
//
// The size depends on which record the last op of the signed version wrote: Hyperbee's root node lives
// in the last block, and a lookup needs the whole block. Today every admission ends by rewriting the
// contract's account list (`meta/accounts`, O(accounts)), so a head right after an admission carries
// that list; after any other op it does not. Both are printed.
// Standalone: node --import tsx bench/statement.ts [--quick]
import { pathToFileURL } from 'node:url'
import { performance } from 'node:perf_hooks'
import { mkdtemp } from 'node:fs/promises'
import path from 'node:path'
import { verifyLive } from '../src/ledger/index.js'
import { makeStatement, verifyStatement } from '../src/statement/index.js'
import { settledStatement, soloLedger } from '../test/statement/helpers.js'
import { waitFor } from '../test/harness/wait.js'
import { openSignedView, signedHead } from '../src/stack/index.js'
import { syntheticLedger } from './statement-synthetic.js'

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
    const { ledger } = solo
    const pick = (i: number): string => solo.accounts[Math.floor((i * 7919) % solo.accounts.length)] as string
    // A head right after admissions: its root block is the account list.
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

    const scratch = await mkdtemp(path.join(solo.dir, 'verify-'))
    const tr = performance.now()
    const report = await verifyLive(ledger, solo.store, scratch, 3_600_000)
    const replayMs = performance.now() - tr

    console.log(`ledger of ${fmt(n + 1)} accounts (view ${fmt(ledger.view.core.length)} blocks; built and signed in ${ms(built)})`)
    console.log(`  statement size         median ${fmt(median(sizes))} B (min ${fmt(Math.min(...sizes))}, max ${fmt(Math.max(...sizes))}) over ${samples} accounts`)
    console.log(`  … at a head whose last write is the account list: ${fmt(heavy.byteLength)} B (verify ${ms(heavyVerify)})`)
    console.log(`  make a statement       median ${ms(median(makeMs))}`)
    console.log(`  verify a statement     median ${ms(median(verifyMs))} (${fmt(verifyMs.length)} runs; max ${ms(Math.max(...verifyMs))})`)
    console.log(`  favor ledger verify    ${ms(replayMs)} (replay ${report.ok ? 'matches' : 'DIFFERS'}; ${fmt(report.entries)} entries)`)
    console.log(`  replay / verify        ${fmt(replayMs / Math.max(median(verifyMs), 1e-3))}×`)
  } finally {
    await solo.close()
  }
}

/** Statement size and verify time on a view of `n` accounts written outside the contract. */
export async function syntheticStatementBench(n: number, samples: number): Promise<void> {
  const t0 = performance.now()
  const led = await syntheticLedger(n)
  try {
    const bytes0 = await waitFor(async () => {
      await led.base.update()
      const core = await openSignedView(led.base)
      let signedAll: boolean
      try {
        signedAll = signedHead(core)?.length === led.base.view.core.length
      } finally {
        await core.close()
      }
      return signedAll ? await makeStatement(led, led.accounts[0] as string) : null
    }, 1_800_000, 'the synthetic view signed', 200)
    const built = performance.now() - t0
    const sizes: number[] = [bytes0.byteLength]
    const makeMs: number[] = []
    const files: Buffer[] = [bytes0]
    for (let i = 1; i < samples; i++) {
      const t = performance.now()
      const b = await makeStatement(led, led.accounts[Math.floor((i * 7919) % n)] as string)
      makeMs.push(performance.now() - t)
      sizes.push(b.byteLength)
      files.push(b)
    }
    const verifyMs: number[] = []
    for (let r = 0; r < 5; r++) {
      for (const b of files) {
        const t = performance.now()
        verifyStatement(b, { networkKey: led.key })
        verifyMs.push(performance.now() - t)
      }
    }
    console.log(`view of ${fmt(n)} accounts written outside the contract (${fmt(led.base.view.core.length)} blocks; built and signed in ${ms(built)})`)
    console.log(`  statement size         median ${fmt(median(sizes))} B (min ${fmt(Math.min(...sizes))}, max ${fmt(Math.max(...sizes))}) over ${samples} accounts`)
    console.log(`  make a statement       median ${ms(median(makeMs))}`)
    console.log(`  verify a statement     median ${ms(median(verifyMs))} (${fmt(verifyMs.length)} runs; max ${ms(Math.max(...verifyMs))})`)
    console.log('  favor ledger verify    not comparable (no contract ops to replay)')
  } finally {
    await led.close()
  }
}

export async function runStatementBench(opts: { quick?: boolean } = {}): Promise<void> {
  const sizes = opts.quick === true ? [100] : [100, 10_000]
  for (const n of sizes) await one(n, opts.quick === true ? 5 : 20)
  console.log('')
  // 100,000 accounts cannot be admitted through the contract here: every admission rewrites its
  // O(accounts) account list (quadratic). The statement side is measured on a view written directly.
  await syntheticStatementBench(opts.quick === true ? 10_000 : 100_000, opts.quick === true ? 5 : 20)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runStatementBench({ quick: process.argv.includes('--quick') })
}
