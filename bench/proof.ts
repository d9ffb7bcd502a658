// Block-proof and challenge benchmark (issue 4). One run prints, side by side:
//  - block-proof verifications/s (4 KiB, 64 KiB) next to the raw limit measured in the same run
//    (BLAKE2b leaf hash of the block + one ed25519 verify, same library), and the ratio;
//  - batched verification (k = 16 blocks against one signed head, one signature check);
//  - challenge latency p50/p99 for k = 16 on loopback next to plain `core.get` over replication;
//  - the audit overhead of the default sampling.
// Standalone: node --import tsx bench/proof.ts [--quick]
import path from 'node:path'
import { once } from 'node:events'
import { pathToFileURL } from 'node:url'
import { blake2b, leafHash, openStore, sign, keyPair, verify } from '../src/stack/index.js'
import type { Core } from '../src/stack/index.js'
import { encodeBundle, makeBlockProofs, sampleIndices, verifyBlockProof, verifyBlockProofs } from '../src/proof/index.js'
import { percentile, runChallenge } from '../src/protocol/index.js'
import { makeTempDir, removeDir } from '../test/harness/tmp.js'
import { challengeOptions, makeWorld, publishTo, startHoster, startNet } from '../test/protocol/helpers.js'
import { fig } from './figures.js'

function fill(core: Core, length: number, size: number): Promise<unknown> {
  const blocks: Buffer[] = []
  for (let i = 0; i < length; i++) {
    const b = Buffer.alloc(size, i % 251)
    b.writeUInt32LE(i, 0)
    blocks.push(b)
  }
  return core.append(blocks)
}

async function verifyBench(dir: string, quick: boolean): Promise<void> {
  const store = openStore(path.join(dir, 'verify'))
  const kp = keyPair()
  const signable = blake2b(Buffer.from('signable'))
  const sig = sign(signable, kp.secretKey)
  console.log('\n## Block-proof verification (one core, single thread)')
  console.log('| block | proofs | proof bytes | verify/s (full) | raw limit/s (BLAKE2b block + ed25519) | ratio | batched k=16 blocks/s |')
  console.log('| --- | --- | --- | --- | --- | --- | --- |')
  try {
    for (const size of [4096, 65536]) {
      const length = quick ? (size === 4096 ? 1024 : 128) : (size === 4096 ? 8191 : 1023) // not powers of two: several roots
      const n = quick ? 300 : 2000
      const core = store.get({ name: `bench-${size}` })
      await core.ready()
      await fill(core, length, size)
      const indices = sampleIndices(blake2b(Buffer.from(`bench-${size}`)), length, Math.min(length, n))
      const proofs: { i: number; bytes: Buffer }[] = []
      for (const i of indices) proofs.push({ i, bytes: encodeBundle(await makeBlockProofs(core, [i])) })
      const values = proofs.map(p => verifyBlockProof(core.key, p.bytes, p.i).value)
      const batches: Buffer[] = []
      for (let j = 0; j + 16 <= indices.length; j += 16) batches.push(encodeBundle(await makeBlockProofs(core, indices.slice(j, j + 16))))

      const rounds = quick ? 1 : 3
      let bestVerify = 0
      let bestRaw = 0
      let bestBatch = 0
      for (let r = 0; r < rounds; r++) {
        // alternate to share any thermal / GC noise fairly
        let t = performance.now()
        for (const v of values) {
          leafHash(v)
          if (!verify(signable, sig, kp.publicKey)) throw new Error('raw verify failed')
        }
        bestRaw = Math.max(bestRaw, values.length / ((performance.now() - t) / 1000))
        t = performance.now()
        for (const p of proofs) verifyBlockProof(core.key, p.bytes, p.i, { minLength: length })
        bestVerify = Math.max(bestVerify, proofs.length / ((performance.now() - t) / 1000))
        t = performance.now()
        for (const b of batches) verifyBlockProofs(core.key, b, { minLength: length })
        bestBatch = Math.max(bestBatch, (batches.length * 16) / ((performance.now() - t) / 1000))
      }
      const avgBytes = proofs.reduce((s, p) => s + p.bytes.length, 0) / proofs.length
      const kib = `${size / 1024} KiB`
      const rawF = fig(`raw limit ${kib}`, bestRaw, '/s')
      // issue 15's aim (≥ 80 %) is against a limit that also counts the Merkle path hashing; this one does not
      const verifyF = fig(`verify ${kib}`, bestVerify, '/s', {
        baseline: rawF,
        ...(size === 4096 ? { aim: { on: 'ratio' as const, cmp: '>=' as const, limit: 0.8, comparable: false }, note: 'the raw limit leaves out the Merkle path hashing the verifier does: not the aim\'s limit' } : {})
      })
      console.log(`| ${kib} | ${proofs.length} | ${fig(`proof bytes ${kib}`, avgBytes, 'B').v} | ${verifyF.v} | ${rawF.v} | ${((verifyF.figure.ratio ?? 0) * 100).toFixed(0)} % | ${fig(`batched k=16 ${kib}`, bestBatch, 'blocks/s').v} |`)
    }
  } finally {
    await store.close()
  }
}

async function latencyBench(dir: string, quick: boolean): Promise<void> {
  const { testnet, attestor } = await startNet()
  const world = makeWorld('bench')
  const hoster = await startHoster(testnet.bootstrap, dir, 'bench', world)
  try {
    const length = quick ? 1024 : 4096
    const size = 4096
    const core = await publishTo(hoster, dir, 'bench', length, size)
    world.agreements.set(1, { coreKey: core.key, length, samples: 16, fork: 0 })
    const runs = quick ? 8 : 30
    const challengeTotal: number[] = []
    const challengeResp: number[] = []
    const getBatch: number[] = []
    const getBlock: number[] = []
    const getConnect: number[] = []
    for (let r = 0; r < runs; r++) {
      const res = await runChallenge(challengeOptions(world, attestor, hoster, 1, { deadlineMs: 2000 }))
      const indices = res.indices
      if (res.outcome !== 'pass') throw new Error(`challenge ${r}: ${res.outcome} ${JSON.stringify(res.error)}`)
      challengeTotal.push(res.latencyMs)
      challengeResp.push(res.responseMs ?? NaN)

      // plain replication: fresh store + fresh connection, then the same 16 blocks with core.get
      const rdir = path.join(dir, `reader-${r}`)
      const reader = openStore(rdir)
      const t0 = performance.now()
      const conn = attestor.connect(hoster.keyPair.publicKey)
      conn.on('error', () => undefined)
      await once(conn, 'open')
      reader.replicate(conn)
      const copy = reader.get({ key: core.key })
      await copy.ready()
      await copy.update({ wait: true })
      getConnect.push(performance.now() - t0)
      const t1 = performance.now()
      await Promise.all(indices.map(async i => {
        const s = performance.now()
        const v = await copy.get(i, { timeout: 2000 })
        if (!v) throw new Error('block missing')
        getBlock.push(performance.now() - s)
      }))
      getBatch.push(performance.now() - t1)
      conn.destroy()
      await reader.close()
      await removeDir(rdir)
    }
    const p = (xs: number[], q: number, name: string): string => fig(`${name} p${q}`, percentile(xs, q), 'ms', { digits: 1 }).v
    console.log(`\n## Challenge latency, k = 16, 4 KiB blocks, loopback (${runs} runs, fresh connection each)`)
    console.log('| | p50 ms | p99 ms |')
    console.log('| --- | --- | --- |')
    console.log(`| challenge: nonce → receipt (16 items + receipt; pings before, verification after) | ${p(challengeResp, 50, 'challenge nonce→receipt')} | ${p(challengeResp, 99, 'challenge nonce→receipt')} |`)
    console.log(`| challenge: total incl. connect + verification | ${p(challengeTotal, 50, 'challenge total')} | ${p(challengeTotal, 99, 'challenge total')} |`)
    console.log(`| core.get ×16 in parallel over replication (after update) | ${p(getBatch, 50, 'core.get x16')} | ${p(getBatch, 99, 'core.get x16')} |`)
    console.log(`| core.get per block (within those batches) | ${p(getBlock, 50, 'core.get per block')} | ${p(getBlock, 99, 'core.get per block')} |`)
    console.log(`| replication: connect + ready + update({wait}) | ${p(getConnect, 50, 'replication connect')} | ${p(getConnect, 99, 'replication connect')} |`)
  } finally {
    await hoster.close()
    await attestor.destroy()
    await testnet.destroy()
  }
}

function auditOverhead(): void {
  console.log('\n## Audit overhead (defaults: 3 attestors × 16 blocks per agreement per 1-hour epoch)')
  console.log('| block size | audit bytes/day | % of 1 GiB stored per day |')
  console.log('| --- | --- | --- |')
  for (const size of [4096, 65536]) {
    const perDay = 3 * 16 * 24 * size
    const pc = fig(`audit ${size / 1024} KiB per GiB-day`, (perDay / 2 ** 30) * 100, '%', { digits: 3, aim: { on: 'value', cmp: '<=', limit: 1 }, note: 'formula: 3 attestors × 16 blocks × 24 epochs × block size, for 1 GiB stored' })
    console.log(`| ${size / 1024} KiB | ${fig(`audit ${size / 1024} KiB bytes per day`, perDay, 'B').v} | ${pc.v} % (${pc.verdict}) |`)
  }
}

export async function runProofBench(opts: { quick?: boolean } = {}): Promise<void> {
  const quick = opts.quick ?? false
  const dir = await makeTempDir('bench-proof')
  try {
    console.log(`# Favor proof benchmark${quick ? ' (quick)' : ''} — node ${process.version}`)
    await verifyBench(dir, quick)
    await latencyBench(dir, quick)
    auditOverhead()
  } finally {
    await removeDir(dir)
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runProofBench({ quick: process.argv.includes('--quick') })
}
