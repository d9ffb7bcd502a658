// Shared folders on real Autobases replicating over a loopback testnet: invites and joins, three
// members writing concurrently (one offline for a while), conflicts while apart and their resolution.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { FolderNet, type Member } from './net.js'
import { waitFor } from '../harness/wait.js'

async function file(m: Member, name: string, content: string): Promise<string> {
  const p = join(m.dir, 'src', name)
  await mkdir(join(m.dir, 'src'), { recursive: true })
  await writeFile(p, content)
  return p
}

/** What convergence compares: the listing (paths, head ids, conflict), history and conflicts. */
async function snapshot(m: Member): Promise<string> {
  await m.f.update()
  const list = (await m.f.list()).map((f) => [f.path, f.heads.map((h) => h.id), f.conflict])
  const hist = (await m.f.history()).map((e) => [e.t, e.id, e.author, e.paths])
  return JSON.stringify({ list, hist, conflicts: await m.f.conflicts() })
}

async function converged(ms: Member[], what: string): Promise<string> {
  return waitFor(async () => {
    const s = await Promise.all(ms.map(snapshot))
    return s.every((x) => x === s[0]) ? s[0] : null
  }, 30_000, what, 100)
}

test('three members: invites, concurrent writes with one offline, conflicts, resolution', { timeout: 240_000 }, async (t) => {
  const net = await FolderNet.start()
  t.after(() => net.close())
  const [a, b, c] = [await net.member('a'), await net.member('b'), await net.member('c')]
  const fa = await a.create('team')

  // b and c join with one-time invites; a reused invite is refused with a clear code
  const inviteB = await fa.invite()
  const inviteC = await fa.invite()
  await b.open(fa.key)
  await b.f.join(inviteB, 30_000)
  await c.open(fa.key)
  await assert.rejects(c.f.join(inviteB, 30_000), { code: 'INVITE_USED' })
  assert.equal(c.f.writable, false)
  await c.f.join(inviteC, 30_000)
  assert.equal(c.f.writable, true)
  assert.equal((await fa.members()).length, 3)

  // concurrent writes by all three while c is offline
  await a.f.add('/docs/a.txt', await file(a, 'a.txt', 'from a'))
  await converged([a, b, c], 'the first file everywhere')
  await c.offline()
  await Promise.all([
    a.f.add('/docs/a2.txt', await file(a, 'a2.txt', 'a two')),
    b.f.add('/docs/b.txt', await file(b, 'b.txt', 'from b')),
    c.f.add('/docs/c.txt', await file(c, 'c.txt', 'from c, offline')),
    b.f.move('/docs/a.txt', '/docs/moved.txt')
  ])
  // the same path written by b (online) and c (offline) while apart
  await b.f.add('/shared.txt', await file(b, 'sb.txt', 'b version'))
  await c.f.add('/shared.txt', await file(c, 'sc.txt', 'c version'))
  await c.online()
  const snap = JSON.parse(await converged([a, b, c], 'the three members after c comes back')) as { list: Array<[string, string[], boolean]>; conflicts: Array<{ path: string; heads: string[] }> }
  assert.deepEqual(snap.list.map((x) => x[0]), ['/docs/a2.txt', '/docs/b.txt', '/docs/c.txt', '/docs/moved.txt', '/shared.txt'])
  assert.equal(snap.conflicts.length, 1)
  assert.equal(snap.conflicts[0]?.path, '/shared.txt')
  // both versions are held and readable by anyone
  const heads = snap.conflicts[0]?.heads ?? []
  const versions = await Promise.all(heads.map((h) => a.f.read('/shared.txt', h)))
  assert.deepEqual(versions.map((v) => v.toString()).sort(), ['b version', 'c version'])
  await assert.rejects(a.f.read('/shared.txt'), { code: 'IN_CONFLICT' })
  assert.equal((await a.f.read('/docs/c.txt')).toString(), 'from c, offline')
  assert.equal((await c.f.read('/docs/moved.txt')).toString(), 'from a')

  // c resolves (keeping b's version); every member converges on it
  const keepB = (await a.f.list()).find((f) => f.path === '/shared.txt')?.heads.find((h) => h.author === b.f.writerKey.toString('hex'))?.id
  assert.ok(keepB)
  await c.f.resolve('/shared.txt', keepB.slice(0, 8))
  const after = JSON.parse(await converged([a, b, c], 'the resolution everywhere')) as { conflicts: unknown[] }
  assert.deepEqual(after.conflicts, [])
  assert.equal((await a.f.read('/shared.txt')).toString(), 'b version')

  // deletes are changes too, and a download writes every file
  await a.f.remove('/docs/b.txt')
  await converged([a, b, c], 'the delete everywhere')
  const out = join(b.dir, 'out')
  const got = await b.f.download(out)
  assert.equal(got.files, 4)
  assert.deepEqual((await readdir(join(out, 'docs'))).sort(), ['a2.txt', 'c.txt', 'moved.txt'])
  assert.equal(await readFile(join(out, 'shared.txt'), 'utf-8'), 'b version')
  const hist = await a.f.history()
  assert.deepEqual(hist.map((e) => e.t).filter((x) => x !== 'invite' && x !== 'join').slice(0, 1), ['init'])
  assert.ok(hist.some((e) => e.t === 'mv' && e.author === b.f.writerKey.toString('hex')))
  assert.ok(hist.some((e) => e.t === 'resolve' && e.author === c.f.writerKey.toString('hex')))
})

test('invalid invites: malformed, for another folder, unknown to the folder', { timeout: 120_000 }, async (t) => {
  const net = await FolderNet.start()
  t.after(() => net.close())
  const [a, b] = [await net.member('a'), await net.member('b')]
  const fa = await a.create('x')
  await b.open(fa.key)
  await assert.rejects(b.f.join('hello'), { code: 'BAD_INVITE' })
  const good = await fa.invite()
  await assert.rejects(b.f.join(good.slice(0, -4)), { code: 'BAD_INVITE' })
  const { encodeInvite, decodeInvite } = await import('../../src/folder/invite.js')
  const other = encodeInvite({ folderKey: Buffer.alloc(32, 7), seed: decodeInvite(good).seed })
  await assert.rejects(b.f.join(other), { code: 'BAD_INVITE' })
  // well-formed, right folder, but a secret no member registered
  const forged = encodeInvite({ folderKey: fa.key, seed: Buffer.alloc(32, 9) })
  await assert.rejects(b.f.join(forged, 20_000), { code: 'INVITE_UNKNOWN' })
  assert.equal(b.f.writable, false)
  await b.f.join(good, 20_000)
  assert.equal(b.f.writable, true)
})
