import { test } from 'node:test'
import assert from 'node:assert/strict'
import { checkInvariants, encodeOp, decodeOp, MemoryKV, Prng, digestEntries, OP_TAGS, RejectCode, getAttestation } from '../../src/ledger/index.js'
import type { ApplyResult } from '../../src/ledger/index.js'
import { TestNet, GiB } from './helpers.js'
import { bytes, randomOp } from './gen.js'

function mutate(p: Prng, enc: Buffer): Buffer {
  const b = Buffer.from(enc)
  switch (p.uniform(6)) {
    case 0: // flip a byte
      b[p.uniform(b.length)] = p.uniform(256)
      return b
    case 1: // truncate
      return b.subarray(0, p.uniform(b.length))
    case 2: // append garbage
      return Buffer.concat([b, bytes(p, 1 + p.uniform(8))])
    case 3: // another version
      b[0] = p.uniform(256)
      return b
    case 4: // another type tag over the same body
      b[1] = p.uniform(20)
      return b
    default: // splice random bytes into the middle
      return Buffer.concat([b.subarray(0, p.uniform(b.length)), bytes(p, 1 + p.uniform(16)), b.subarray(p.uniform(b.length))])
  }
}

function nonRejected(kv: MemoryKV): Buffer {
  return digestEntries(kv.entries().filter(([k]) => !k.startsWith('rejected/')))
}

async function world(): Promise<TestNet> {
  const net = await TestNet.create({ names: ['boot', 'pub', 'h1', 'h2', 'h3', 'a1', 'a2', 'a3'] })
  for (const h of ['h1', 'h2', 'h3']) await net.offer(h, 10 * GiB)
  await net.request('pub', [{ name: 'c1', byteLength: GiB }], { replicas: 2 })
  await net.tickStrong()
  await net.readyAll()
  await net.tick()
  return net
}

test('fuzz: 10,000 random and mutated encodings never throw and are all recorded as rejected', async () => {
  const net = await world()
  const kv = net.kv as MemoryKV
  const before = nonRejected(kv)
  const rejectedBefore = net.rejectedCount()
  const p = Prng.from('fuzz-10k')
  const types = Object.keys(OP_TAGS)
  let applied = 0
  for (let i = 0; i < 10_000; i++) {
    const kind = i % 3
    let input: Buffer
    if (kind === 0) input = bytes(p, p.uniform(200))
    else if (kind === 1) input = mutate(p, encodeOp(randomOp(p)))
    else input = encodeOp(randomOp(p, types[i % types.length] as never)) // valid ops from a non-writer
    let r: ApplyResult
    try {
      r = await net.apply('intruder', input)
    } catch (err) {
      assert.fail(`apply threw on input ${input.toString('hex')}: ${String(err)}`)
    }
    if (r.ok) applied++
  }
  assert.equal(applied, 0)
  assert.equal(net.rejectedCount() - rejectedBefore, 10_000)
  assert.ok(before.equals(nonRejected(kv)), 'rejected ops left no other writes')
})

test('fuzz: mutated ops from admitted writers never throw; every refusal is recorded; replay converges', async () => {
  async function run(): Promise<{ digest: string; refused: number; recorded: number; accepted: number }> {
    const net = await world()
    const base = net.rejectedCount()
    const logBase = net.log.length
    const p = Prng.from('fuzz-writers')
    const names = ['boot', 'pub', 'h1', 'h2', 'h3', 'a1', 'a2', 'a3']
    let refused = 0
    let accepted = 0
    for (let i = 0; i < 2000; i++) {
      const who = names[p.uniform(names.length)]!
      const op = randomOp(p)
      const input = p.uniform(2) === 0 ? mutate(p, encodeOp(op)) : encodeOp(op)
      const r = await net.apply(who, input)
      if (r.ok) accepted++
      else refused++
      assert.equal((await net.indexers()).length % 2, 1, 'the indexer set is never even')
      // conservation and no laundering hold after every op (src/ledger/invariants.ts)
      const broken = await checkInvariants(net.kv)
      assert.equal(broken, null, `after op ${i} (${r.type ?? '?'}, ${r.ok ? 'accepted' : r.code}): ${broken}`)
      if (i % 400 === 399) {
        // tolerant epoch advance: random ops may have changed indexers or already ticked
        await net.reportAll()
        const next = (await net.epoch()) + 1
        for (const h of await net.indexers()) if (net.known(h)) await net.apply(net.nameOf(h), await net.tickOp(net.nameOf(h), next))
      }
    }
    const logged = net.log.slice(logBase).filter((x) => !x.result.ok).length
    assert.ok(logged >= refused)
    return { digest: net.digest(), refused: logged, recorded: net.rejectedCount() - base, accepted }
  }
  const a = await run()
  const b = await run()
  assert.equal(a.recorded, a.refused)
  assert.ok(a.accepted > 0, 'some random ops are valid (the test exercises real transitions)')
  assert.deepEqual(a, b)
})

test('fuzz: mutated evidence (nonce, receipt, proof, item hashes) from selected attestors: each result refused with a stable code or accepted, nothing throws, nothing else changes', async () => {
  const net = await world()
  const e = await net.epoch()
  const [agr] = await net.agreements({ state: 'active' })
  assert.ok(agr !== undefined)
  const att = await net.attestation(agr.id)
  const who = net.nameOf(att.attestors[0] as string)
  const p = Prng.from('fuzz-evidence')
  const codes = new Set<string>(Object.values(RejectCode))
  const seen = new Map<string, number>()
  const kv = net.kv as MemoryKV
  for (let i = 0; i < 400; i++) {
    const outcome = (['pass', 'missing', 'slow', 'unreachable'] as const)[p.uniform(4)]!
    const base = await net.result(agr.id, who, outcome === 'slow' || outcome === 'unreachable' ? 'pass' : outcome)
    const r = { ...base, outcome }
    // mutate one field of the evidence
    const rc = r.receipt
    switch (p.uniform(9)) {
      case 7: r.receipt = null; break
      case 0: if (rc) rc.nonce = bytes(p, 32); break
      case 1: if (rc) rc.signature = bytes(p, 64); break
      case 2: if (rc) rc.answerHash = bytes(p, 32); break
      case 3: if (rc) rc.length = p.uniform(1000); break
      case 4: if (r.failing) r.failing = { ...r.failing, kind: 'proof', errorCode: 0, proof: bytes(p, p.uniform(400)) }; break
      case 5: if (r.failing) r.failing = { ...r.failing, itemHashes: r.failing.itemHashes.map((h, j) => (j === p.uniform(r.failing!.itemHashes.length) ? bytes(p, 32) : h)) }; break
      case 6: if (r.failing) r.failing = { ...r.failing, manifest: bytes(p, p.uniform(100)) }; break
      case 8: if (r.failing) r.failing = { ...r.failing, position: p.uniform(64) }; break
      default: break // unmutated
    }
    // the bytes go through the codec: what a writer can really append
    const op = decodeOp(encodeOp({ type: 'report', time: 0, epoch: e, results: [r] }))
    const copyKv = new MemoryKV()
    for (const [k, v] of kv.entries()) await copyKv.put(k, v)
    const before = digestEntries(copyKv.entries().filter(([k]) => !k.startsWith(`epoch/`) && !k.startsWith('acct/') && !k.startsWith('report/')))
    const { apply } = await import('../../src/ledger/index.js')
    let res
    try {
      res = await apply(copyKv, encodeOp(op), { writerKey: net.m(who).key, opId: `fuzz:${i}` })
    } catch (err) {
      assert.fail(`apply threw: ${String(err)}`)
    }
    assert.ok(res.ok, 'a well-formed report by a selected attestor is applied (its result may be refused)')
    const a = await getAttestation(copyKv, e, agr.id)
    const rec = a?.results[a.attestors.indexOf(net.hex(who))]
    assert.ok(rec !== null && rec !== undefined)
    assert.ok(rec.refused === '' || codes.has(rec.refused), rec.refused)
    seen.set(rec.refused || 'accepted', (seen.get(rec.refused || 'accepted') ?? 0) + 1)
    // only the attestation record, the attestor's account and its report index changed
    assert.ok(before.equals(digestEntries(copyKv.entries().filter(([k]) => !k.startsWith(`epoch/`) && !k.startsWith('acct/') && !k.startsWith('report/')))))
  }
  console.log('fuzzed evidence:', JSON.stringify(Object.fromEntries(seen)))
  assert.ok(seen.size >= 5, 'many different refusals were exercised')
})
