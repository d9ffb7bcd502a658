import { test } from 'node:test'
import assert from 'node:assert/strict'
import { encodeOp, MemoryKV, Prng, digestEntries, OP_TAGS } from '../../src/ledger/index.js'
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
  await net.tick()
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
