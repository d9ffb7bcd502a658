// A real Autobase view core for the multi-signer proof tests: a one-indexer ledger in a temp dir with a
// few ops applied, and its signed view (past the prologue). Closed by the test's `after` hooks.
import type { TestContext } from 'node:test'
import { Ledger } from '../../src/ledger/index.js'
import { openSignedView, openStore, signedHead, type Core } from '../../src/stack/index.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'
import { waitFor } from '../harness/wait.js'
import { testParams } from '../ledger/helpers.js'

/** Waits until the ledger's view has a signed head past its prologue with at least `min` blocks. */
export async function signedView(ledger: Ledger, min: number): Promise<Core> {
  return waitFor(async () => {
    await ledger.update()
    const core = await openSignedView(ledger.base)
    const head = signedHead(core)
    if (head !== null && head.length >= min) return core
    await core.close()
    return null
  }, 30_000, `a signed view head of ≥ ${min} blocks`, 50)
}

/** A one-indexer ledger with `ops` withdrawals after genesis, and its signed view of at least `min` blocks. */
export async function viewCoreOf(t: TestContext, name: string, ops: number, min: number): Promise<{ ledger: Ledger; core: Core }> {
  const dir = await makeTempDir(name)
  const store = openStore(dir)
  const ledger = await Ledger.open({ store, bootstrap: null, ackIntervalMs: 100 })
  t.after(async () => {
    await ledger.close()
    await store.close()
    await removeDir(dir)
  })
  await ledger.append({ type: 'init-network', time: Date.now(), params: testParams() })
  for (let i = 0; i < ops; i++) await ledger.append({ type: 'withdraw', time: Date.now() })
  const core = await signedView(ledger, min)
  t.after(() => core.close())
  return { ledger, core }
}
