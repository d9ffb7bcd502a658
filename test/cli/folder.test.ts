// `favor publish <folder>`, `favor ls`, `favor get` spawned against a running daemon over a real
// FavorNode: a folder becomes a drive published as one request for its two cores, and reads back
// byte-for-byte; bad input exits non-zero with a clear message and publishes nothing.
import assert from 'node:assert/strict'
import { mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { makeTempDir, removeDir } from '../harness/tmp.js'
import { makeCore, startFixture } from '../api/helpers.js'
import type { ApiFixture } from '../api/helpers.js'
import { favorCli } from './run.js'

describe('favor publish <folder>, ls, get', () => {
  let f: ApiFixture
  let d: string[]
  let work: string
  before(async () => {
    f = await startFixture({ hosters: 1 })
    await writeFile(join(f.dir, 'api.json'), JSON.stringify({ url: f.url }))
    d = ['--dir', f.dir]
    work = await makeTempDir('cli-folder')
  })
  after(async () => {
    await f.close()
    await removeDir(work)
  })

  test('a folder is published as a drive, listed, and downloaded byte-for-byte', async () => {
    const folder = join(work, 'photos')
    await mkdir(join(folder, 'sub', 'ñ'), { recursive: true })
    await writeFile(join(folder, 'a.txt'), 'alpha\n')
    await writeFile(join(folder, 'sub', 'ñ', 'b — β.bin'), Buffer.alloc(200_000, 7))
    await writeFile(join(folder, 'empty'), '')
    const pub = await favorCli(['publish', folder, '--replicas', '1', '--json', ...d])
    assert.equal(pub.code, 0, pub.stderr)
    const r = JSON.parse(pub.stdout) as { driveKey: string, requestId: number, files: number, cores: { kind: string }[], newRequest: boolean }
    assert.equal(r.files, 3)
    assert.equal(r.newRequest, true)
    assert.deepEqual(r.cores.map((c) => c.kind), ['metadata', 'blobs'])
    const pin = await favorCli(['pins', '--json', ...d])
    assert.equal(pin.code, 0, pin.stderr)
    assert.match(pin.stdout, new RegExp(r.driveKey))

    const ls = await favorCli(['ls', r.driveKey, '--json', ...d])
    assert.equal(ls.code, 0, ls.stderr)
    assert.deepEqual((JSON.parse(ls.stdout) as { files: { path: string, size: number }[] }).files.map((x) => [x.path, x.size]),
      [['/a.txt', 6], ['/empty', 0], ['/sub/ñ/b — β.bin', 200_000]])
    const human = await favorCli(['publish', folder, ...d])
    assert.equal(human.code, 0, human.stderr)
    assert.match(human.stdout, /0 written, 0 deleted, 3 unchanged/)

    const out = join(work, 'out')
    const get = await favorCli(['get', r.driveKey, out, '--json', ...d])
    assert.equal(get.code, 0, get.stderr)
    assert.equal(await readFile(join(out, 'a.txt'), 'utf8'), 'alpha\n')
    assert.deepEqual(await readFile(join(out, 'sub', 'ñ', 'b — β.bin')), Buffer.alloc(200_000, 7))
    assert.equal((await readFile(join(out, 'empty'))).byteLength, 0)
    // the output folder now exists and is not empty: refused
    const again = await favorCli(['get', r.driveKey, out, ...d])
    assert.equal(again.code, 1)
    assert.match(again.stderr, /exists and is not an empty folder/)
  })

  test('--encrypt: the key is printed once, travels as --key or a share link, and a wrong key is refused', async () => {
    const folder = join(work, 'secret')
    await mkdir(folder)
    await writeFile(join(folder, 's.txt'), 'sealed\n')
    const pub = await favorCli(['publish', folder, '--encrypt', '--replicas', '1', ...d])
    assert.equal(pub.code, 0, pub.stderr)
    const link = /favor get '(hyper:\/\/([0-9a-f]{64})#key=([0-9a-f]{64}))'/.exec(pub.stdout)
    assert.ok(link, pub.stdout)
    const [, url, driveKey, key] = link as unknown as [string, string, string, string]
    assert.match(pub.stdout, new RegExp(`encryption key \\(shown this once; kept in ${join(f.dir, 'encryption-keys.json')}, mode 0600\\):\\n +${key}`))
    assert.equal((await stat(join(f.dir, 'encryption-keys.json'))).mode & 0o777, 0o600)
    const again = await favorCli(['publish', folder, ...d])
    assert.equal(again.code, 0, again.stderr)
    assert.doesNotMatch(again.stdout, new RegExp(key), 'shown once')
    assert.match(again.stdout, /encrypted: hosters keep and prove ciphertext/)

    const ls = await favorCli(['ls', url, '--json', ...d])
    assert.equal(ls.code, 0, ls.stderr)
    assert.deepEqual((JSON.parse(ls.stdout) as { files: { path: string }[] }).files.map((x) => x.path), ['/s.txt'])
    const out = join(work, 'secret-out')
    const get = await favorCli(['get', driveKey, out, '--key', key, ...d])
    assert.equal(get.code, 0, get.stderr)
    assert.equal(await readFile(join(out, 's.txt'), 'utf8'), 'sealed\n')
    const wrong = await favorCli(['get', driveKey, join(work, 'wrong-out'), '--key', 'ab'.repeat(32), ...d])
    assert.equal(wrong.code, 1)
    assert.match(wrong.stderr, /the key given does not decrypt drive/)
    const clash = await favorCli(['get', url, join(work, 'clash-out'), '--key', 'ab'.repeat(32), ...d])
    assert.equal(clash.code, 2)
    assert.match(clash.stderr, /different encryption key than --key/)
    const plainCore = await favorCli(['publish', await makeCore(f.node, 'not-sealed'), '--encrypt', ...d])
    assert.equal(plainCore.code, 1)
    assert.match(plainCore.stderr, /not an encrypted core of this node/)
  })

  test('bad input: a missing path, a symlink loop, a key that is not a drive', async () => {
    const missing = await favorCli(['publish', join(work, 'nope'), ...d])
    assert.equal(missing.code, 2)
    assert.match(missing.stderr, /neither a hypercore key .* nor an existing folder or file/)
    const loop = join(work, 'loop')
    await mkdir(loop)
    await symlink(join(loop, 'y'), join(loop, 'x'))
    await symlink(join(loop, 'x'), join(loop, 'y'))
    const looped = await favorCli(['publish', loop, ...d])
    assert.equal(looped.code, 1)
    assert.match(looped.stderr, /symlink loop/)
    const notDrive = await favorCli(['ls', await makeCore(f.node, 'plain'), ...d])
    assert.equal(notDrive.code, 1)
    assert.match(notDrive.stderr, /not a hyperdrive/)
  })
})
