// A folder published as a Hyperdrive: one request for its metadata and blobs cores, hosters mirror
// both, and with the publisher offline a plain hyperdrive reader (and `getDrive` on another node) reads
// every file back byte-for-byte. The folder changes; the publisher re-runs the import; the request
// follows through `grow` and the reader sees the new version with the publisher offline again.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { getRequest, listAgreements } from '../../src/ledger/index.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'
import { waitFor } from '../harness/wait.js'
import { readDrivePlain } from './drive-reader.js'
import { hostersHold } from './drive-wait.js'
import { driveNet } from './drive-net.js'
import { NodeNet } from './helpers.js'

const MiB = 1024 * 1024

function sha(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex')
}

/** path in the drive → sha256 of the file on disk. */
async function expected(root: string, paths: string[]): Promise<Map<string, string>> {
  const m = new Map<string, string>()
  for (const p of paths) m.set(p, sha(await readFile(join(root, ...p.split('/').filter((x) => x !== '')))))
  return m
}

test('a folder as a drive: one request for both cores, read back by a plain reader with the publisher offline, then updated', { timeout: 400_000 }, async (t) => {
  const net = await NodeNet.create()
  const folder = await makeTempDir('folder')
  const out = await makeTempDir('get-out')
  t.after(async () => {
    await net.close()
    await removeDir(folder)
    await removeDir(out)
  })
  const dn = await driveNet(net, 512 * MiB, 'pub')
  const { h2, challenges } = dn
  let pub = dn.pub

  // nested files, a 50 MiB file, an empty file, non-ASCII names
  await mkdir(join(folder, 'a', 'b'), { recursive: true })
  await mkdir(join(folder, 'ünïcødé 日本'), { recursive: true })
  await writeFile(join(folder, 'a', 'b', 'deep.txt'), 'deep in the tree\n')
  await writeFile(join(folder, 'ünïcødé 日本', 'файл — ✓.txt'), 'non-ASCII names\n')
  await writeFile(join(folder, 'empty'), '')
  await writeFile(join(folder, 'big.bin'), randomBytes(50 * MiB))
  await writeFile(join(folder, 'gone-later.txt'), 'this file will be deleted\n')
  const v1Paths = ['/a/b/deep.txt', '/big.bin', '/empty', '/gone-later.txt', '/ünïcødé 日本/файл — ✓.txt']

  const phases = new Set<string>()
  const first = await pub.publishFolder(folder, { replicas: 2, onProgress: (p) => phases.add(p.phase) })
  assert.equal(first.newRequest, true)
  assert.equal(first.files, 5)
  assert.deepEqual(first.cores.map((c) => c.kind), ['metadata', 'blobs'])
  assert.ok(phases.has('import') && phases.has('publish'))
  const req = await getRequest(pub.ledger.kv, first.requestId)
  assert.ok(req)
  assert.deepEqual(req.cores.map((c) => c.key), first.cores.map((c) => c.key), 'one request names both cores')
  assert.equal(req.slots.length, 2, 'replicas are placed per core')
  assert.ok((first.cores[1]?.byteLength ?? 0) >= 50 * MiB)

  // publishing the unchanged folder again changes nothing and makes no new request
  const again = await pub.publishFolder(folder, { replicas: 2 })
  assert.equal(again.newRequest, false)
  assert.equal(again.requestId, first.requestId)
  assert.equal(again.unchanged, 5)
  assert.equal(again.version, first.version)

  const lengths1 = new Map(first.cores.map((c) => [c.key, c.length]))
  await waitFor(async () => {
    if (process.env.DEBUG_DRIVE !== undefined) {
      const agrs = await listAgreements(pub.ledger.kv, { requestId: first.requestId })
      console.log(JSON.stringify({ epoch: await pub.epoch(), req: await getRequest(pub.ledger.kv, first.requestId), agrs: agrs.map((a) => [a.id, a.coreKey.slice(0, 6), a.hoster.slice(0, 6), a.state, a.length, a.endReason]) }, (_k, v: unknown) => typeof v === 'bigint' ? v.toString() : v))
      console.log(JSON.stringify(net.nodes.flatMap((n) => n.mirrors().map((m) => [n.name, m]))))
    }
    return hostersHold(net.nodes, pub, first.requestId, lengths1)
  }, 240_000, 'two hosters holding each core', 200)
  const blobsKey = first.cores[1]?.key
  await waitFor(() => challenges.find((c) => c.coreKey === blobsKey && c.outcome === 'pass'), 60_000, 'a passing challenge on the blobs core')

  // the publisher goes offline: a plain reader and getDrive on another node read every file
  await net.closeNode(pub)
  const driveKey = Buffer.from(first.driveKey, 'hex')
  const want1 = await expected(folder, v1Paths)
  assert.deepEqual(await readDrivePlain(net.testnet.bootstrap, driveKey, first.version, 120_000), want1)
  const got = await h2.getDrive(first.driveKey, join(out, 'v1'), { timeoutMs: 120_000 })
  assert.equal(got.files, 5)
  for (const p of v1Paths) {
    const rel = p.split('/').filter((x) => x !== '')
    assert.equal(sha(await readFile(join(out, 'v1', ...rel))), want1.get(p), p)
  }
  const listed = await h2.listDrive(first.driveKey, { timeoutMs: 120_000 })
  assert.deepEqual(listed.files.map((f) => f.path), v1Paths)
  assert.equal(listed.files.find((f) => f.path === '/empty')?.size, 0)

  // the folder changes: a file added, one changed, one deleted; the publisher comes back and re-runs
  await writeFile(join(folder, 'a', 'added.txt'), 'a new file\n')
  await writeFile(join(folder, 'a', 'b', 'deep.txt'), 'deep in the tree, changed and longer\n')
  await rm(join(folder, 'gone-later.txt'))
  pub = await dn.reopenPub()
  await pub.waitWritable(20_000)
  const second = await pub.publishFolder(folder, { replicas: 2 })
  assert.equal(second.newRequest, false)
  assert.equal(second.requestId, first.requestId)
  assert.equal(second.driveKey, first.driveKey)
  assert.deepEqual([second.added, second.deleted, second.unchanged], [2, 1, 3])
  assert.ok(second.version > first.version)
  const lengths2 = new Map(second.cores.map((c) => [c.key, c.length]))
  await waitFor(() => hostersHold(net.nodes, pub, first.requestId, lengths2), 120_000, 'the hosters follow the grown cores', 200)

  await net.closeNode(pub)
  const v2Paths = ['/a/added.txt', '/a/b/deep.txt', '/big.bin', '/empty', '/ünïcødé 日本/файл — ✓.txt']
  assert.deepEqual(await readDrivePlain(net.testnet.bootstrap, driveKey, second.version, 120_000), await expected(folder, v2Paths))
})
