// An outsider recomputes every beacon, every attestor selection and every challenged index of a run from
// the ledger's records alone — with its own code (BLAKE2b from src/stack/crypto.ts and the counter-mode
// Prng), not the contract's beacon, selection or challenge functions.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { TestNet, GiB } from './helpers.js'
import { getAttestation, getEpoch, getMeta, listAccounts, listOffers, getAgreement } from '../../src/ledger/index.js'
import { blake2b } from '../../src/stack/crypto.js'
import { Prng } from '../../src/proof/prng.js'

const hexBuf = (h: string): Buffer => Buffer.from(h, 'hex')

function beaconOf(prev: Buffer, reveals: Buffer[]): Buffer {
  return blake2b([Buffer.from('favor/beacon/1'), prev, ...reveals])
}

function pickAttestors(beacon: Buffer, agreementId: number, candidates: string[], excluded: (h: string) => boolean, k: number): string[] {
  const prng = Prng.from('favor/attestors/1', beacon, agreementId)
  const out: string[] = []
  const seen = new Set<number>()
  for (let t = 0; t < 8 * k + 16 && out.length < k; t++) {
    const i = prng.uniform(candidates.length)
    if (seen.has(i)) continue
    seen.add(i)
    const h = candidates[i] as string
    if (!excluded(h)) out.push(h)
  }
  if (out.length === k) return out
  const rest = candidates.filter((h, i) => !seen.has(i) && !excluded(h))
  for (const j of prng.sampleDistinct(rest.length, Math.min(k - out.length, rest.length))) out.push(rest[j] as string)
  return out
}

function indicesOf(beacon: Buffer, agreementId: number, attestor: Buffer, nonce: Buffer, length: number, samples: number): number[] {
  if (length <= samples) return Array.from({ length }, (_, i) => i)
  return Prng.from('favor/challenge/2', beacon, agreementId, attestor, nonce).sampleDistinct(length, samples)
}

test('outsider: beacons, attestor selections and challenged indices recomputed from the records alone', async () => {
  const net = await TestNet.create({ names: ['boot', 'i2', 'i3', 'pub', 'h1', 'h2', 'h3', 'a1', 'a2', 'a3', 'a4'], indexers: ['i2', 'i3'], params: { welcomeCreditMicro: 1_000_000_000n } })
  await net.offer('h1', 10 * GiB, 'rack')
  await net.offer('h2', 10 * GiB, 'rack')
  await net.offer('h3', 10 * GiB)
  await net.request('pub', [{ name: 'c1', byteLength: GiB, length: 1000 }, { name: 'c2', byteLength: GiB, length: 40 }], { replicas: 2 })
  const skip: Record<number, string[]> = { 5: ['boot'], 6: ['boot'], 9: ['i2'] }
  for (let i = 0; i < 12; i++) {
    await net.reportAll()
    const next = (await net.epoch()) + 1
    await net.tick({ skip: skip[next] ?? [] })
    await net.readyAll()
  }
  const last = await net.epoch()

  // --- the outsider: records only ---
  const meta = await getMeta(net.kv)
  assert.ok(meta !== null)
  const accounts = (await listAccounts(net.kv)).map((a) => a.id).sort()
  for (const a of await listAccounts(net.kv)) assert.ok(a.attestRefused + a.attestDisagreed < 2, 'nobody barred in this run')
  const groups = new Map((await listOffers(net.kv)).map((o) => [o.hoster, o.group === '' ? `self:${o.hoster}` : `group:${o.group}`]))
  const groupOf = (h: string): string => groups.get(h) ?? `self:${h}`
  let prev = hexBuf(meta.genesisBeacon)
  let selections = 0
  let indexSets = 0
  let weak = 0
  for (let e = 1; e <= last; e++) {
    const rec = await getEpoch(net.kv, e)
    assert.ok(rec !== null && rec.started)
    const reveals = rec.ticks.filter((t) => t.reveal !== '').map((t) => hexBuf(t.reveal))
    const beacon = beaconOf(prev, reveals)
    assert.equal(beacon.toString('hex'), rec.beacon, `beacon ${e}`)
    // every reveal opens the commitment its indexer made in its tick for e − 1: the head of a hash chain
    // of roundsPerEpoch + 1 links (the links before the secret are what its matching rounds reveal)
    const before = await getEpoch(net.kv, e - 1)
    for (const t of rec.ticks.filter((x) => x.reveal !== '')) {
      const c = before?.ticks.find((x) => x.indexer === t.indexer)?.commit
      let h = hexBuf(t.reveal)
      for (let i = 0; i <= meta.params.roundsPerEpoch; i++) h = blake2b(h)
      assert.equal(h.toString('hex'), c, `epoch ${e}: the reveal of ${net.nameOf(t.indexer)} opens its commitment`)
    }
    const isWeak = reveals.length < Math.floor(rec.indexerCount / 2) + 1
    assert.equal(rec.weak, isWeak)
    if (isWeak) {
      weak++
      assert.deepEqual(rec.attested, [])
    }
    for (const id of rec.attested) {
      const att = await getAttestation(net.kv, e, id)
      const agr = await getAgreement(net.kv, id)
      assert.ok(att !== null && agr !== null)
      const hosterGroup = groupOf(agr.hoster)
      const expect = pickAttestors(beacon, id, accounts, (h) => h === agr.hoster || h === agr.publisher || groupOf(h) === hosterGroup, meta.params.attestors)
      assert.deepEqual(att.attestors, expect, `epoch ${e} agreement ${id}`)
      selections++
      for (const [i, r] of att.results.entries()) {
        if (r === null || r.nonce === '') continue
        const attestor = att.attestors[i] as string
        const idx = indicesOf(beacon, id, hexBuf(attestor), hexBuf(r.nonce), att.length, att.samples)
        assert.deepEqual(idx, net.answered.get(`${e}/${id}/${attestor}`), `indices epoch ${e} agreement ${id} attestor ${i}`)
        indexSets++
      }
    }
    prev = beacon
  }
  console.log(`outsider: ${last} beacons (${weak} weak), ${selections} selections, ${indexSets} index sets recomputed`)
  assert.ok(selections >= 20 && indexSets >= 40 && weak >= 1)
})
