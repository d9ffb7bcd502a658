// Balance statements over a real ledger (Autobase + Hyperbee view on a real corestore): the values
// equal the ledger's; every sampled single-bit flip fails; bad files, other networks, foreign or
// changed signers get their stable codes.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Ledger } from '../../src/ledger/index.js'
import { keyPair } from '../../src/stack/index.js'
import {
  MAX_STATEMENT_BYTES, StatementError, decodeStatement, encodeStatement, makeStatement, verifyStatement, type VerifyStatementOptions
} from '../../src/statement/index.js'
import { TestNetwork } from '../harness/network.js'
import { waitFor } from '../harness/wait.js'
import { Prng } from '../../src/ledger/index.js'
import { testParams } from '../ledger/helpers.js'
import { ledgerValuesAt, settledStatement, soloLedger } from './helpers.js'

function code(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    if (err instanceof StatementError) return err.code
    throw err
  }
  return 'OK'
}

function flipBit(bytes: Buffer, bit: number): Buffer {
  const out = Buffer.from(bytes)
  const i = bit >> 3
  out.writeUInt8((out.readUInt8(i) ^ (1 << (bit & 7))), i)
  return out
}

test('a statement verifies from the network key alone and proves the ledger\'s values; every flipped bit fails', { timeout: 180_000 }, async (t) => {
  const solo = await soloLedger('st-solo', 300)
  t.after(() => solo.close())
  const { ledger } = solo
  const accounts = [solo.accounts[0], solo.accounts[150], solo.accounts[299], ledger.account] as string[]
  const opts: VerifyStatementOptions = { networkKey: ledger.key }

  let sample: Buffer | null = null
  for (const id of accounts) {
    const bytes = await settledStatement(ledger, id)
    const v = verifyStatement(bytes, opts)
    const truth = await ledgerValuesAt(ledger, v.version, id)
    assert.ok(truth, `the ledger has ${id} at version ${v.version}`)
    assert.equal(v.account, id)
    assert.equal(v.network, ledger.key.toString('hex'))
    assert.deepEqual(
      { balance: v.balance, given: v.given, received: v.received, heldBack: v.heldBack, reputationPpm: v.reputationPpm, epoch: v.epoch, epochTime: v.epochTime },
      truth
    )
    assert.deepEqual(v.signers, [ledger.key.toString('hex')], 'signed by the bootstrap writer, the only indexer')
    sample ??= bytes
  }
  assert.ok(sample)
  t.diagnostic(`statement: ${sample.byteLength} bytes for a ledger of ${solo.accounts.length + 1} accounts`)

  // Every single-bit flip fails: exhaustively when small, else 10,000 seeded positions.
  const bits = sample.byteLength * 8
  const prng = new Prng(Buffer.from('favor/statement/bitflips'))
  const positions = bits <= 10_000 ? Array.from({ length: bits }, (_, i) => i) : prng.sampleDistinct(bits, 10_000)
  const codes = new Map<string, number>()
  const t0 = Date.now()
  for (const bit of positions) {
    const c = code(() => verifyStatement(flipBit(sample, bit), opts))
    assert.notEqual(c, 'OK', `flipping bit ${bit} (byte ${bit >> 3}) must fail`)
    codes.set(c, (codes.get(c) ?? 0) + 1)
  }
  t.diagnostic(`${positions.length} of ${bits} bit flips all rejected in ${Date.now() - t0} ms: ${[...codes].map(([c, n]) => `${c} ${n}`).join(', ')}`)

  // Bad files.
  assert.equal(code(() => verifyStatement(sample.subarray(0, sample.length - 1), opts)), 'MALFORMED')
  for (let n = 0; n < sample.length; n += Math.max(1, Math.floor(sample.length / 200))) {
    assert.notEqual(code(() => verifyStatement(sample.subarray(0, n), opts)), 'OK', `truncated to ${n} bytes`)
  }
  assert.equal(code(() => verifyStatement(Buffer.concat([sample, Buffer.from([0])]), opts)), 'MALFORMED')
  assert.equal(code(() => verifyStatement(Buffer.alloc(MAX_STATEMENT_BYTES + 1), opts)), 'OVERSIZED')
  assert.equal(code(() => verifyStatement(Buffer.alloc(0), opts)), 'MALFORMED')
  assert.equal(code(() => verifyStatement(keyPair().secretKey, opts)), 'MALFORMED')
  const garbage = Buffer.concat([Buffer.from('FAVORSTM'), Buffer.from([1]), Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919 + 13) & 0xff))])
  assert.notEqual(code(() => verifyStatement(garbage, opts)), 'OK')
  const v3 = Buffer.from(sample)
  v3.writeUInt8(3, 8) // the format version right after the magic
  assert.equal(code(() => verifyStatement(v3, opts)), 'UNSUPPORTED_VERSION')
  // A version 1 file (no chain) still verifies: a one-indexer network needs no chain.
  const asV1 = encodeStatement({ ...decodeStatement(sample), version: 1 })
  assert.equal(verifyStatement(asV1, opts).balance, verifyStatement(sample, opts).balance)
  assert.equal(code(() => verifyStatement(sample, { networkKey: 'zz' })), 'MALFORMED')

  // Age: epoch 0 has no time, so any maximum age refuses it.
  assert.equal(code(() => verifyStatement(sample, { ...opts, maxAgeMs: 3_600_000 })), 'TOO_OLD')

  // An account the ledger does not have: the maker refuses with the code.
  await assert.rejects(makeStatement(ledger, keyPair().publicKey), (err: unknown) => err instanceof StatementError && err.code === 'NO_SUCH_ACCOUNT')
  await assert.rejects(makeStatement(ledger, 'not-a-key'), (err: unknown) => err instanceof StatementError && err.code === 'MALFORMED')

  // Another network: its own statements verify against its key, never against this one's.
  const other = await soloLedger('st-other', 3)
  t.after(() => other.close())
  const foreign = await settledStatement(other.ledger, other.accounts[0] as string)
  assert.equal(verifyStatement(foreign, { networkKey: other.ledger.key }).account, other.accounts[0])
  assert.equal(code(() => verifyStatement(foreign, opts)), 'WRONG_NETWORK')
  // …relabelled as this network: the bootstrap signer does not derive this network key.
  const f = decodeStatement(foreign)
  const mine = decodeStatement(sample)
  assert.equal(code(() => verifyStatement(encodeStatement({ ...f, networkKey: ledger.key }), opts)), 'UNKNOWN_SIGNER')
  // …and with this network's bootstrap signer too: the view is signed by the other network's indexer.
  assert.equal(code(() => verifyStatement(encodeStatement({ ...f, networkKey: ledger.key, bootstrapSigner: mine.bootstrapSigner }), opts)), 'UNKNOWN_SIGNER')
  // …even when the verifier trusts that indexer: its signer namespace names the other network.
  assert.equal(code(() => verifyStatement(encodeStatement({ ...f, networkKey: ledger.key, bootstrapSigner: mine.bootstrapSigner }), { ...opts, indexers: [other.ledger.key] })), 'WRONG_NETWORK')
  // A view proof of this network relabelled with another account: that account's lookup needs blocks
  // the file lacks (BAD_PATH) or leaves some of its blocks unused (MALFORMED), depending on the tree.
  const relabelled = code(() => verifyStatement(encodeStatement({ ...mine, account: Buffer.from(solo.accounts[1] as string, 'hex') }), opts))
  assert.ok(relabelled === 'BAD_PATH' || relabelled === 'MALFORMED', relabelled)
})

test('after an indexer change, the statement\'s chain carries trust from the network key alone; without it, UNKNOWN_SIGNER', { timeout: 120_000 }, async (t) => {
  const net = await TestNetwork.create({ peers: ['sti-alice', 'sti-bob', 'sti-carol'] })
  const ledgers: Ledger[] = []
  t.after(async () => {
    for (const l of ledgers.reverse()) await l.close()
    await net.close()
  })
  const open = async (name: string, key: Buffer | null): Promise<Ledger> => {
    const peer = net.peer(name)
    const l = await Ledger.open({ store: peer.store, bootstrap: key, ackIntervalMs: 100 })
    peer.swarm.join(l.discoveryKey, { server: true, client: true })
    ledgers.push(l)
    return l
  }
  const alice = await open('sti-alice', null)
  await alice.append({ type: 'init-network', time: Date.now(), params: testParams({ indexerTarget: 3 }) })
  // One more op, so that the view is signed past the prologue Autobase gives it with its first indexer.
  await alice.append({ type: 'withdraw', time: Date.now() })
  const before = await settledStatement(alice, alice.account)
  assert.equal(verifyStatement(before, { networkKey: alice.key }).signers.length, 1)
  assert.equal(decodeStatement(before).chain.length, 0, 'one indexer: no chain')

  const bob = await open('sti-bob', alice.key)
  const carol = await open('sti-carol', alice.key)
  // With three members the contract promotes bob and carol together (indexerTarget 3; never two indexers).
  await alice.append([
    { type: 'add-writer', time: Date.now(), writerKey: bob.writerKey, indexer: false },
    { type: 'add-writer', time: Date.now(), writerKey: carol.writerKey, indexer: false }
  ])
  // Activity from all until the view is signed under the three-indexer manifest.
  const after = await waitFor(async () => {
    for (const l of ledgers) {
      await l.update()
      if (l.writable) await l.append({ type: 'withdraw', time: Date.now() })
    }
    try {
      const bytes = await makeStatement(alice, alice.account)
      const st = decodeStatement(bytes)
      const signers = verifyStatement(encodeStatement({ ...st, chain: [] }), { networkKey: alice.key, indexers: [bob.writerKey, carol.writerKey] }).signers
      return signers.length >= 2 ? bytes : null
    } catch (err) {
      if (err instanceof StatementError && err.code === 'NOT_READY') return null
      throw err
    }
  }, 90_000, 'a statement signed under the new indexer set', 200)

  // From the network key alone: the chain links the bootstrap writer to the three-indexer set.
  const st = decodeStatement(after)
  assert.ok(st.chain.length >= 1, 'the statement carries a chain link')
  const v = verifyStatement(after, { networkKey: alice.key })
  assert.ok(v.signers.length >= 2, 'a quorum (2 of 3) of the indexers signed')
  assert.equal(v.chainLinks, st.chain.length)
  assert.deepEqual([...v.indexers].sort(), [alice.account, bob.writerKey.toString('hex'), carol.writerKey.toString('hex')].sort(), 'the ledger records all three as indexers')
  t.diagnostic(`statement after the change: ${after.byteLength} bytes, ${st.chain.length} chain link(s) of ${st.chain.map((l) => l.byteLength).join(', ')} bytes`)

  // The old statement still verifies (it is what the old indexer signed; its age is what tells).
  assert.equal(code(() => verifyStatement(before, { networkKey: alice.key })), 'OK')
  // A chain that does not cover the change: the new signers are unknown.
  const unchained = encodeStatement({ ...st, chain: [] })
  assert.equal(code(() => verifyStatement(unchained, { networkKey: alice.key })), 'UNKNOWN_SIGNER')
  // …unless the verifier names the new indexer itself (the anchor it takes from elsewhere).
  assert.equal(code(() => verifyStatement(unchained, { networkKey: alice.key, indexers: [bob.writerKey, carol.writerKey] })), 'OK')
  // Trusting an unrelated key instead does not help.
  assert.equal(code(() => verifyStatement(unchained, { networkKey: alice.key, indexers: [keyPair().publicKey] })), 'UNKNOWN_SIGNER')
  // A link repeated (not after the previous one) or a statement older than its chain: BAD_CHAIN.
  const link = st.chain[0] as Buffer
  assert.equal(code(() => verifyStatement(encodeStatement({ ...st, chain: [link, link] }), { networkKey: alice.key })), 'BAD_CHAIN')
  const old = decodeStatement(before)
  assert.equal(code(() => verifyStatement(encodeStatement({ ...old, chain: [link] }), { networkKey: alice.key })), 'BAD_CHAIN')
  // A chain whose only link is the old indexer's head from before the change does not cover it (a link
  // carries only the network record's blocks, so this one is MALFORMED; were it not, its record names
  // only the old indexer and the new signer would stay unknown).
  const stale = code(() => verifyStatement(encodeStatement({ ...st, chain: [old.viewProof] }), { networkKey: alice.key }))
  assert.ok(stale === 'MALFORMED' || stale === 'UNKNOWN_SIGNER', stale)
  // Every single-bit flip of the chained statement fails (seeded sample, 2,000 positions here; the
  // 10,000-position run is on the one-indexer statement above).
  const prng = new Prng(Buffer.from('favor/statement/chain-bitflips'))
  const bits = after.byteLength * 8
  const codes = new Map<string, number>()
  for (const bit of prng.sampleDistinct(bits, Math.min(bits, 2000))) {
    const c = code(() => verifyStatement(flipBit(after, bit), { networkKey: alice.key }))
    assert.notEqual(c, 'OK', `flipping bit ${bit} (byte ${bit >> 3}) must fail`)
    codes.set(c, (codes.get(c) ?? 0) + 1)
  }
  t.diagnostic(`chained statement bit flips: ${[...codes].map(([c, n]) => `${c} ${n}`).join(', ')}`)
})

const viewSigners = (l: Ledger): number => (l.base.view.core.manifest as { signers?: unknown[] } | null)?.signers?.length ?? 0

test('two indexer changes (1 → 3 → 5): the chain links each set to the next, from the network key alone', { timeout: 180_000 }, async (t) => {
  const names = ['st3-alice', 'st3-bob', 'st3-carol', 'st3-dave', 'st3-erin']
  const net = await TestNetwork.create({ peers: names })
  const ledgers: Ledger[] = []
  t.after(async () => {
    for (const l of ledgers.reverse()) await l.close()
    await net.close()
  })
  const open = async (name: string, key: Buffer | null): Promise<Ledger> => {
    const peer = net.peer(name)
    const l = await Ledger.open({ store: peer.store, bootstrap: key, ackIntervalMs: 100 })
    peer.swarm.join(l.discoveryKey, { server: true, client: true })
    ledgers.push(l)
    return l
  }
  const activity = async (): Promise<void> => {
    for (const l of ledgers) {
      await l.update()
      if (l.writable) await l.append({ type: 'withdraw', time: Date.now() })
    }
  }
  const alice = await open('st3-alice', null)
  await alice.append({ type: 'init-network', time: Date.now(), params: testParams({ indexerTarget: 5 }) })
  const bob = await open('st3-bob', alice.key)
  const carol = await open('st3-carol', alice.key)
  // three members: the contract promotes bob and carol (1 → 3)
  await alice.append([
    { type: 'add-writer', time: Date.now(), writerKey: bob.writerKey, indexer: false },
    { type: 'add-writer', time: Date.now(), writerKey: carol.writerKey, indexer: false }
  ])
  await waitFor(async () => {
    await activity()
    return viewSigners(alice) === 3 && bob.writable && carol.writable
  }, 60_000, 'three indexers', 100)
  // five members: dave and erin are promoted too (3 → 5)
  const dave = await open('st3-dave', alice.key)
  const erin = await open('st3-erin', alice.key)
  await alice.append([
    { type: 'add-writer', time: Date.now(), writerKey: dave.writerKey, indexer: false },
    { type: 'add-writer', time: Date.now(), writerKey: erin.writerKey, indexer: false }
  ])
  const tries = { n: 0, codes: new Map<string, number>() }
  const bytes = await waitFor(async () => {
    await activity()
    if (viewSigners(alice) !== 5) return null
    try {
      const b = await makeStatement(alice, alice.account)
      tries.n++
      const c = code(() => verifyStatement(b, { networkKey: alice.key }))
      tries.codes.set(c, (tries.codes.get(c) ?? 0) + 1)
      return c === 'OK' ? b : null
    } catch (err) {
      if (err instanceof StatementError && err.code === 'NOT_READY') return null
      throw err
    }
  }, 120_000, 'a statement under five indexers that verifies from the network key alone', 200)
  const st = decodeStatement(bytes)
  const v = verifyStatement(bytes, { networkKey: alice.key })
  assert.equal(v.indexers.length, 5)
  assert.ok(st.chain.length >= 1)
  t.diagnostic(`after ${tries.n} statement(s) (${[...tries.codes].map(([c, n]) => `${c} ${n}`).join(', ')}): ${bytes.byteLength} bytes, ${st.chain.length} link(s), signed by ${v.signers.length} of 5`)
  // Without its chain, or with only its first link, the five-indexer statement is refused.
  assert.equal(code(() => verifyStatement(encodeStatement({ ...st, chain: [] }), { networkKey: alice.key })), 'UNKNOWN_SIGNER')
  if (st.chain.length >= 2) assert.equal(code(() => verifyStatement(encodeStatement({ ...st, chain: st.chain.slice(0, 1) }), { networkKey: alice.key })), 'UNKNOWN_SIGNER')
})
