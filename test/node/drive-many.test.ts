// One node, several folders: each folder is its own drive (a corestore namespace per folder, kept by the
// drive's store session), a folder published encrypted is a new drive beside its plain one, and after a
// restart each folder maps back to the same drive — the encrypted one staying encrypted.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { FavorNode } from '../../src/node.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'
import { NodeNet } from './helpers.js'

async function paths(node: FavorNode, key: string): Promise<string[]> {
  return (await node.listDrive(key, { timeoutMs: 10_000 })).files.map((f) => f.path)
}

test('each folder is its own drive; plain and encrypted drives of one folder are apart; a restart maps folders back', { timeout: 120_000 }, async (t) => {
  const net = await NodeNet.create()
  const root = await makeTempDir('many')
  t.after(async () => {
    await net.close()
    await removeDir(root)
  })
  const dir = await makeTempDir('many-node')
  let node = await net.add('solo', {}, dir)
  await node.waitWritable(20_000)
  const a = join(root, 'a')
  const b = join(root, 'b')
  await mkdir(a)
  await mkdir(b)
  await writeFile(join(a, 'only-in-a.txt'), 'a\n')
  await writeFile(join(b, 'only-in-b.txt'), 'b\n')

  const pa = await node.publishFolder(a, { replicas: 1 })
  const pb = await node.publishFolder(b, { replicas: 1 })
  assert.notEqual(pa.driveKey, pb.driveKey, 'two folders, two drives')
  assert.deepEqual(await paths(node, pa.driveKey), ['/only-in-a.txt'])
  assert.deepEqual(await paths(node, pb.driveKey), ['/only-in-b.txt'])

  const ea = await node.publishFolder(a, { replicas: 1, encrypt: true })
  assert.equal(ea.encrypted, true)
  assert.notEqual(ea.driveKey, pa.driveKey, 'the encrypted drive is another drive than the plain one')
  assert.equal(ea.newRequest, true)
  assert.deepEqual(await paths(node, ea.driveKey), ['/only-in-a.txt'])
  await assert.rejects(node.listDrive(ea.driveKey, { encryptionKey: randomBytes(32) }), { code: 'WRONG_KEY' })
  await assert.rejects(node.listDrive(pb.driveKey, { encryptionKey: randomBytes(32) }), { code: 'NOT_ENCRYPTED' })

  await net.closeNode(node)
  node = await net.add('solo', {}, dir)
  await node.waitWritable(20_000)
  const rb = await node.publishFolder(b, { replicas: 1 })
  assert.deepEqual([rb.driveKey, rb.encrypted, rb.unchanged, rb.newRequest], [pb.driveKey, false, 1, false])
  const ra = await node.publishFolder(a, { replicas: 1 })
  assert.deepEqual([ra.driveKey, ra.encrypted, ra.encryptionKey, ra.unchanged, ra.newRequest], [ea.driveKey, true, null, 1, false], 'a folder once encrypted stays encrypted')
})
