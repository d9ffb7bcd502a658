// Indexers and the beacon (docs/challenges.md §5): a silent minority does not stop epochs and is removed;
// the set is never left at two; every commitment is opened or recorded as withheld; weak epochs select nothing.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { TestNet, GiB } from './helpers.js'
import { getEpoch, majority, RejectCode } from '../../src/ledger/index.js'

test('3 indexers, one silent: epochs keep settling, the silent one is removed after indexerSilentEpochs and a member replaces it', async () => {
  const net = await TestNet.create({ names: ['boot', 'i2', 'i3', 'pub', 'h1', 'a1', 'a2', 'a3', 'spare'], indexers: ['i2', 'i3'] })
  assert.equal((await net.indexers()).length, 3)
  await net.offer('h1', 10 * GiB)
  await net.request('pub', [{ name: 'c', byteLength: GiB }])
  await net.tick() // epoch 1: i3 still ticks
  assert.equal((await net.account('i3')).lastTickEpoch, 1)
  let removedAt = 0
  let promoted: Buffer | null = null
  for (let i = 0; i < 10; i++) {
    await net.reportAll()
    const before = await net.epoch()
    const r = await net.applyTick({ skip: ['i3'] })
    assert.equal(await net.epoch(), before + 1, 'a silent minority does not stop epochs')
    for (const x of r) {
      for (const ev of x.events) if (ev.type === 'indexer-silent') removedAt = ev.epoch
      for (const mm of x.membership) if ('addWriter' in mm && mm.indexer) promoted = mm.addWriter
    }
    if ((await net.epoch()) === 2) await net.readyAll()
  }
  const e = await net.epoch()
  assert.equal(removedAt, 1 + 6, 'removed at the start of the 6th epoch without a tick')
  assert.ok(promoted !== null && promoted.equals(net.m('pub').key), 'the replacement is promoted in the same tick')
  const ix = await net.indexers()
  assert.equal(ix.length, 3)
  assert.ok(!ix.includes(net.hex('i3')))
  // the first promotable member in admission order: pub (admitted right after the indexers)
  assert.ok(ix.includes(net.hex('pub')), `indexers ${ix.map((h) => net.nameOf(h)).join(',')}`)
  assert.equal((await net.account('i3')).silentRemovedEpoch, 7)
  // epochs settled all along: the agreement was paid in every strong epoch from its first challenge (3) to
  // e−1; the promoted member has no commitment in its first tick, which may make one epoch weak
  let strong = 0
  for (let x = 3; x <= e - 1; x++) if ((await getEpoch(net.kv, x))?.weak === false) strong++
  assert.ok(strong >= e - 1 - 2 - 1, `strong epochs ${strong}`)
  const [agr] = await net.agreements({ state: 'active' })
  assert.ok(agr !== undefined)
  assert.equal(agr.passes, strong)
})

test('no spare member: after removing a silent indexer the set of 2 drops to 1 (never left at 2), and epochs go on', async () => {
  const net = await TestNet.create({ names: ['boot', 'i2', 'i3'], indexers: ['i2', 'i3'] })
  await net.tick()
  for (let i = 0; i < 8; i++) {
    const before = await net.epoch()
    await net.applyTick({ skip: ['i3'] })
    assert.equal(await net.epoch(), before + 1)
    const n = (await net.indexers()).length
    assert.ok(n === 3 || n === 1, `indexers: ${n}`)
  }
  const ix = await net.indexers()
  assert.deepEqual(ix, [net.hex('boot')], 'i3 removed for silence; of boot and i2 (both ticking) the later admitted is demoted')
  assert.equal((await net.account('i2')).indexer, false)
  assert.equal((await net.account('i2')).silentRemovedEpoch, 0, 'i2 was not silent: it may be promoted again')
})

test('two members: one indexer; a second indexer cannot be added (INDEXER_SET_EVEN); three members get three', async () => {
  const net = await TestNet.create({ names: ['boot', 'x'], params: { indexerTarget: 3 } })
  assert.deepEqual(await net.indexers(), [net.hex('boot')])
  const vote = await net.apply('boot', { type: 'add-indexer', time: 0, writerKey: net.m('x').key })
  assert.ok(!vote.ok && vote.code === RejectCode.INDEXER_SET_EVEN, JSON.stringify(vote))
  const direct = await net.apply('boot', { type: 'add-writer', time: 0, writerKey: net.m('y').key, indexer: true })
  // y's admission promotes x along with it: three members, three indexers
  assert.ok(direct.ok)
  assert.equal((await net.indexers()).length, 3)
  // and a third member joining a 1-indexer network of 2 members promotes two at once
  const net2 = await TestNet.create({ names: ['boot', 'x'], params: { indexerTarget: 3 } })
  const r = await net2.ok('boot', { type: 'add-writer', time: 0, writerKey: net2.m('z').key, indexer: false })
  assert.equal(r.effects.membership.length, 3)
  assert.equal((await net2.indexers()).length, 3)
})

test('beacon: every commitment is opened or recorded withheld; weak epochs select nothing; selection only on a majority of reveals', async () => {
  const net = await TestNet.create({ names: ['boot', 'i2', 'i3', 'pub', 'h1', 'h2', 'a1', 'a2', 'a3'], indexers: ['i2', 'i3'] })
  for (const h of ['h1', 'h2']) await net.offer(h, 10 * GiB)
  await net.request('pub', [{ name: 'c', byteLength: GiB }], { replicas: 2 })
  // i3 skips epochs 4 and 5 entirely; boot withholds in 7; the third ticker of every epoch is late
  const skip: Record<number, string[]> = { 4: ['i3'], 5: ['i3'], 8: ['i2'] }
  const withhold: Record<number, string[]> = { 7: ['boot'] }
  /** commitments made in ticks for epoch e (due in e + 1), by indexer */
  const committed = new Map<number, Set<string>>()
  for (let i = 0; i < 12; i++) {
    await net.reportAll()
    const next = (await net.epoch()) + 1
    await net.applyTick({ skip: skip[next] ?? [], withhold: withhold[next] ?? [] })
    assert.equal(await net.epoch(), next)
    const rec = await getEpoch(net.kv, next)
    assert.ok(rec !== null)
    committed.set(next, new Set(rec.ticks.map((t) => t.indexer)))
    if (next === 2 || next === 3) await net.readyAll()
  }
  let made = 0
  let opened = 0
  let withheld = 0
  for (let e = 2; e <= (await net.epoch()); e++) {
    const rec = await getEpoch(net.kv, e)
    assert.ok(rec !== null)
    const due = committed.get(e - 1) ?? new Set<string>()
    const start = rec.ticks.slice(0, rec.startTicks)
    for (const ix of due) {
      made++
      const t = start.find((x) => x.indexer === ix)
      const open = t !== undefined && t.reveal !== ''
      const w = rec.withheld.includes(ix)
      assert.ok(open !== w, `epoch ${e} ${net.nameOf(ix)}: opened ${open}, withheld ${w}`)
      if (open) opened++
      else withheld++
    }
    // late ticks (after the start) never reveal: their commitment was already settled
    for (const t of rec.ticks.slice(rec.startTicks)) assert.equal(t.reveal, '')
    assert.equal(rec.reveals, start.filter((t) => t.reveal !== '').length)
    assert.equal(rec.weak, rec.reveals < majority(rec.indexerCount))
    if (rec.weak) assert.deepEqual(rec.attested, [], `weak epoch ${e} selected attestors`)
    else assert.ok(rec.reveals >= majority(rec.indexerCount))
  }
  assert.equal(made, opened + withheld)
  assert.ok(withheld >= 3, `withheld ${withheld}: i3's lapse, boot's withholding, the late tickers'`)
  assert.equal((await net.account('i3')).withheld >= 1, true)
  // matching happened only in strong epochs
  for (const a of await net.agreements()) {
    const rec = await getEpoch(net.kv, a.createdEpoch)
    assert.equal(rec?.weak, false, `agreement ${a.id} created in a weak epoch`)
  }
})
