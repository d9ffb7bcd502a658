// Bad input to folder publishing and drive reading: each gets a stable code, and nothing half-published
// stays behind (no request on the ledger, no drive version with part of an import, no output folder).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { appendFile, chmod, mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { listRequests } from '../../src/ledger/index.js'
import type { FavorNode } from '../../src/node.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'
import { NodeNet } from './helpers.js'

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.equal((err as { code?: unknown }).code, code, `expected ${code}, got ${String((err as Error).message)}`)
    return true
  })
}

async function noRequests(node: FavorNode): Promise<void> {
  assert.deepEqual(await listRequests(node.ledger.kv, { publisher: node.account }), [])
}

test('bad folders and bad drive keys are refused with stable codes, leaving nothing half-published', { timeout: 120_000 }, async (t) => {
  const net = await NodeNet.create()
  const root = await makeTempDir('bad-input')
  t.after(async () => {
    await net.close()
    await removeDir(root)
  })
  const node = await net.add('solo')

  await rejectsWith(node.publishFolder(join(root, 'does-not-exist'), { replicas: 1 }), 'PATH_NOT_FOUND')

  // symlink loops: two links pointing at each other, and a folder linking back to its ancestor
  const loop1 = join(root, 'loop1')
  await mkdir(loop1)
  await writeFile(join(loop1, 'ok.txt'), 'ok')
  await symlink(join(loop1, 'b'), join(loop1, 'a'))
  await symlink(join(loop1, 'a'), join(loop1, 'b'))
  await rejectsWith(node.publishFolder(loop1, { replicas: 1 }), 'SYMLINK_LOOP')
  const loop2 = join(root, 'loop2')
  await mkdir(join(loop2, 'sub'), { recursive: true })
  await symlink(loop2, join(loop2, 'sub', 'up'))
  await rejectsWith(node.publishFolder(loop2, { replicas: 1 }), 'SYMLINK_LOOP')

  // a named pipe is not a file (reading it would block forever)
  const fifo = join(root, 'fifo')
  await mkdir(fifo)
  execFileSync('mkfifo', [join(fifo, 'pipe')])
  await rejectsWith(node.publishFolder(fifo, { replicas: 1 }), 'UNSUPPORTED_FILE')

  // an unreadable file (root reads everything: shown only when the test runs as another user)
  if (process.getuid?.() !== 0) {
    const locked = join(root, 'locked')
    await mkdir(locked)
    await writeFile(join(locked, 'secret'), 'x')
    await chmod(join(locked, 'secret'), 0o000)
    await rejectsWith(node.publishFolder(locked, { replicas: 1 }), 'UNREADABLE')
  }
  await noRequests(node)

  // files that vanish or change while the import runs: the batch is discarded, no request is made
  const live = join(root, 'live')
  await mkdir(live)
  await writeFile(join(live, 'a.txt'), 'first file')
  await writeFile(join(live, 'b.txt'), 'second file')
  await writeFile(join(live, 'c.txt'), 'third file')
  await rejectsWith(node.publishFolder(live, {
    replicas: 1,
    beforeFile: async (f) => { if (f.path === '/b.txt') await rm(f.abs) }
  }), 'FILE_VANISHED')
  await writeFile(join(live, 'b.txt'), 'second file')
  await rejectsWith(node.publishFolder(live, {
    replicas: 1,
    beforeFile: async (f) => { if (f.path === '/c.txt') await appendFile(f.abs, ' grew while importing') }
  }), 'FILE_CHANGED')
  await noRequests(node)

  // the same folder, now stable, publishes; its drive holds exactly the folder (nothing of the failed runs)
  const ok = await node.publishFolder(live, { replicas: 1 })
  assert.equal(ok.newRequest, true)
  assert.equal((await listRequests(node.ledger.kv, { publisher: node.account })).length, 1)
  const listed = await node.listDrive(ok.driveKey, { timeoutMs: 5000 })
  assert.deepEqual(listed.files.map((f) => [f.path, f.size]), [['/a.txt', 10], ['/b.txt', 11], ['/c.txt', 31]])

  // a change that fails on a published drive leaves its version as it was
  await writeFile(join(live, 'd.txt'), 'fourth')
  await rejectsWith(node.publishFolder(live, {
    replicas: 1,
    beforeFile: async (f) => { if (f.path === '/d.txt') await rm(f.abs) }
  }), 'FILE_VANISHED')
  assert.equal((await node.listDrive(ok.driveKey, { timeoutMs: 5000 })).version, listed.version)

  // a key that is not a drive: a plain core with a block
  const core = await node.localCore('plain')
  await core.append(Buffer.from('not a hyperbee header'))
  const plainKey = core.key.toString('hex')
  await rejectsWith(node.listDrive(plainKey, { timeoutMs: 3000 }), 'NOT_A_DRIVE')
  const out = join(root, 'out')
  await rejectsWith(node.getDrive(plainKey, out, { timeoutMs: 3000 }), 'NOT_A_DRIVE')
  assert.deepEqual((await readdir(root)).filter((n) => n === 'out' || n.endsWith('.favor-partial')), [], 'no output folder left behind')
  // a key no one serves
  await rejectsWith(node.listDrive('ab'.repeat(32), { timeoutMs: 1500 }), 'NOT_FOUND')
  await rejectsWith(node.listDrive('not-hex', { timeoutMs: 1500 }), 'INVALID_ARGUMENT')
  // an output folder that is not empty
  await mkdir(out)
  await writeFile(join(out, 'keep'), 'x')
  await rejectsWith(node.getDrive(ok.driveKey, out, { timeoutMs: 3000 }), 'OUT_EXISTS')
  assert.deepEqual(await readdir(out), ['keep'])
})
