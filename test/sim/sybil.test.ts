// The Sybil economics in the simulator (the real contract, issue 11, docs/sybil.md): a Sybil operator with
// k identities vouched for through one sponsor lineage, against 20 honest hosters, never holds all replicas
// of a core, gets the replicas its proven capacity earns, and never forms an attestor majority on its own
// agreements; fresh identities laundering welcome credit leave their hoster nothing to transfer. The
// accounting invariants are checked after every op of these runs (src/ledger/invariants.ts).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runLaundering, runSybil } from '../../src/sim/index.js'

test('Sybil operator, one lineage: never all replicas of a core, replicas ≈ proven share, no attestor majority of its own', { timeout: 240_000 }, async () => {
  for (const [k, x] of [[3, 0.1], [10, 0.2]] as const) {
    const r = await runSybil({ identities: k, realShare: x, vouching: 'lineage', epochs: 10 })
    assert.equal(r.coresAllSybil, 0, `k=${k} x=${x}: cores all Sybil`)
    assert.equal(r.cores, 40)
    assert.ok(r.replicaShare <= r.provenShare + 0.05, `k=${k} x=${x}: replicas ${r.replicaShare} vs proven ${r.provenShare}`)
    assert.ok(r.replicaShare <= 1 / 3 + 1e-9, 'at most one replica of three per lineage')
    assert.ok(r.attestedOnSybil > 0)
    assert.equal(r.attestMajoritySybil, 0, 'never a majority of its own attestors')
  }
})

test('laundering in the simulator: the hoster holds favor paid out of fresh identities\' credit and can transfer none of it', { timeout: 120_000 }, async () => {
  const l = await runLaundering({ identities: 8, epochs: 14 })
  assert.ok(l.hosterHolds > 10_000_000n, `the hoster holds ${l.hosterHolds}`)
  assert.equal(l.hosterTransferable, 0n)
  assert.ok(l.identitiesOwe > 0n)
})
