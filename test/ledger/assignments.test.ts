// What an attestor must challenge: `assignmentOf` (one agreement, a handful of reads: each challenge task
// asks it) says exactly what `assignmentsFor` (every attestation of the epoch) says about that agreement.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { assignmentOf, assignmentsFor, getEpoch } from '../../src/ledger/index.js'
import { GiB, TestNet } from './helpers.js'

const NAMES = ['boot', 'pub', 'h1', 'h2', 'h3', 'a1', 'a2']

/** Compares both queries for every member and agreement; returns the assignments found and how many are reported. */
async function compare(net: TestNet, epoch: number): Promise<{ found: number; reported: number }> {
  let found = 0
  let reported = 0
  for (const name of NAMES) {
    const all = await assignmentsFor(net.kv, net.hex(name), epoch)
    for (const a of await net.agreements()) {
      const one = await assignmentOf(net.kv, net.hex(name), epoch, a.id)
      assert.deepEqual(one, all.find((x) => x.agreement.id === a.id) ?? null, `${name}, agreement ${a.id}`)
      if (one === null) continue
      found++
      if (one.reported) reported++
    }
  }
  return { found, reported }
}

test('assignmentOf agrees with assignmentsFor, before and after the reports', async () => {
  const net = await TestNet.create({ names: NAMES })
  for (const h of ['h1', 'h2', 'h3']) await net.offer(h, 10 * GiB)
  await net.request('pub', [{ name: 'c1', byteLength: GiB }, { name: 'c2', byteLength: GiB / 2 }], { replicas: 2 })
  await net.tickStrong()
  await net.readyAll()
  await net.tick()
  const epoch = await net.epoch()
  const rec = await getEpoch(net.kv, epoch)
  const first = rec?.attested[0]
  assert.ok(first !== undefined, 'agreements are challenged in this epoch')

  const before = await compare(net, epoch)
  assert.ok(before.found >= rec!.attested.length, 'every challenged agreement has attestors')
  assert.equal(before.reported, 0)
  // no such agreement; an epoch not started yet
  assert.equal(await assignmentOf(net.kv, net.hex('a1'), epoch, 9999), null)
  assert.equal(await assignmentOf(net.kv, net.hex('a1'), epoch + 1, first), null)

  await net.reportAll()
  const after = await compare(net, epoch)
  assert.equal(after.found, before.found)
  assert.equal(after.reported, after.found, 'each attestor that reported sees its assignment as reported')
})
