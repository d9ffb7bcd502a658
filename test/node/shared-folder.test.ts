// A shared folder on real Favor nodes: three members (one an outside, bare SharedFolder) join with
// invites, write concurrently with one of them offline (a conflict, resolved everywhere), one member hosts the folder, a member joining later gets its cores added to the same request (v2 extend), and a reader
// that is not a member reads every file from the hosters with every member offline.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { getRequest } from '../../src/ledger/index.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'
import { waitFor } from '../harness/wait.js'
import { hostersHold } from './drive-wait.js'
import { NodeNet } from './helpers.js'
import { Member } from '../folder/net.js'

const MiB = 1024 * 1024

test('a shared folder hosted by the network: members join, hosting follows, a non-member reads it with every member offline', { timeout: 400_000 }, async (t) => {
  const net = await NodeNet.create()
  const files = await makeTempDir('shared-src')
  const outsiders: Member[] = []
  t.after(async () => {
    for (const m of outsiders) await m.close().catch(() => undefined)
    await net.close()
    await removeDir(files)
  })
  const timing = { epochMs: 8000, challenge: { deadlineMs: 3000, connectTimeoutMs: 3000, hardTimeoutMs: 5000 } }
  const hoster = { capacityBytes: 256 * MiB }
  await net.add('idx', { ...timing, hoster: { ...hoster, group: 'g1' } })
  await net.addAdmitted('h2', { ...timing, hoster: { ...hoster, group: 'g2' } })
  const a = await net.addAdmitted('a', timing)
  // b is a Favor node that is not even a ledger member: folders need no ledger to be shared
  const b = await net.add('b', { ...timing, autoJoin: false })
  const put = async (name: string, content: string | Buffer): Promise<string> => {
    const p = join(files, name)
    await mkdir(files, { recursive: true })
    await writeFile(p, content)
    return p
  }

  const created = await a.folders.create('team')
  const key = Buffer.from(created.key, 'hex')
  const joinedB = await b.folders.join(await a.folders.invite('team'))
  assert.equal(joinedB.writable, true)
  assert.equal(joinedB.name, 'team')
  await a.folders.add('team', await put('a.txt', 'written by a\n'))
  await b.folders.add('team', await put('b.bin', Buffer.alloc(300 * 1024, 7)), '/data/b.bin')
  // a reused invite is refused, with nothing left behind on the joiner
  const c = await Member.start('c', net)
  outsiders.push(c)
  await c.open(key)
  const inviteC = await a.folders.invite('team')
  await c.f.join(inviteC, 30_000)
  await c.f.add('/c.txt', await put('c.txt', 'written by c\n'))
  // concurrent writes while c is offline, the same path by b (online) and c (apart): a conflict holding
  // both versions on every member once c is back; b resolves it and that converges everywhere
  await waitFor(async () => { await c.f.update(); return (await c.f.list()).length === 3 }, 30_000, 'c to see the three files', 100)
  await c.offline()
  await Promise.all([
    a.folders.add('team', await put('a2.txt', 'a again\n')),
    b.folders.add('team', await put('same-b.txt', 'b version\n'), '/same.txt'),
    c.f.add('/same.txt', await put('same-c.txt', 'c version\n'))
  ])
  await c.online()
  const views = async (): Promise<string[]> => Promise.all([a.folders.folder('team'), b.folders.folder('team'), c.f].map(async (f) => {
    await f.update()
    return JSON.stringify([(await f.list()).map((x) => [x.path, x.heads.map((h) => h.id)]), (await f.history()).map((e) => e.id ?? e.t), await f.conflicts()])
  }))
  const converged = async (what: string): Promise<string> => waitFor(async () => { const v = await views(); return v.every((x) => x === v[0]) ? v[0] : null }, 60_000, what, 200)
  const merged = JSON.parse(await converged('a, b and c to converge after c was offline')) as [Array<[string, string[]]>, string[], Array<{ path: string; heads: string[] }>]
  assert.deepEqual(merged[2].map((x) => [x.path, x.heads.length]), [['/same.txt', 2]])
  const conflicted = (await a.folders.files('team')).files.find((x) => x.path === '/same.txt')
  assert.deepEqual((await Promise.all((conflicted?.heads ?? []).map(async (h) => (await a.folders.folder('team').read('/same.txt', h.id)).toString()))).sort(), ['b version\n', 'c version\n'])
  const keepC = conflicted?.heads.find((h) => h.author === c.f.writerKey.toString('hex'))?.id
  assert.ok(keepC !== undefined)
  await b.folders.resolve('team', '/same.txt', keepC)
  const resolved = JSON.parse(await converged('the resolution everywhere')) as [unknown, unknown, unknown[]]
  assert.deepEqual(resolved[2], [])
  assert.equal((await c.f.read('/same.txt')).toString(), 'c version\n')

  const late = await net.add('late', { ...timing, autoJoin: false })
  await assert.rejects(late.folders.join(inviteC), { code: 'INVITE_USED' })
  assert.deepEqual(await late.folders.list(), [])

  // a hosts the folder: one request (kind autobase) for every non-empty core it knows
  const first = await a.folders.host('team', 1)
  assert.equal(first.length, 1)
  const req1 = structuredClone(await getRequest(a.ledger.kv, first[0] as number))
  assert.equal(req1?.kind, 'autobase')
  const allCovered = async (): Promise<boolean> => (await a.folders.cores('team')).every((x) => x.requestId !== null)
  await waitFor(allCovered, 60_000, 'every core of the folder covered by a request', 200)

  // a fourth member joins later and writes: its cores (and the rotated view cores) are hosted too
  const d = await Member.start('d', net)
  outsiders.push(d)
  await d.open(key)
  await d.f.join(await a.folders.invite('team'), 30_000)
  await d.f.add('/d.txt', await put('d.txt', 'written by d, the late member\n'))
  const dBlobs = d.f.blobs.key.toString('hex')
  await waitFor(async () => (await a.folders.cores('team')).some((x) => x.key === dBlobs && x.requestId !== null) && await allCovered(), 60_000, "d's cores covered", 200)
  // contract version 2: the new cores extend the folder's one request (no second request)
  const requests = (await a.folders.list())[0]?.requests ?? []
  assert.deepEqual(requests, first, 'still one ledger request for the whole folder')
  const grown = await getRequest(a.ledger.kv, first[0] as number)
  assert.ok(grown !== null && grown.cores.length > (req1?.cores.length ?? 0), `the request grew from ${req1?.cores.length} to ${grown?.cores.length} cores`)
  assert.ok(grown.cores.some((x) => x.key === dBlobs), "the request names d's blobs core")
  assert.equal(grown.slots.length, grown.cores.length)

  // the expected listing, then wait for the hosters to hold every core at a's current lengths
  const fa = a.folders.folder('team')
  await waitFor(async () => { await fa.update(); return (await fa.list()).length === 6 }, 30_000, 'a sees all six files', 100)
  const want = new Map<string, string>()
  for (const f of await fa.list()) want.set(f.path, (await fa.read(f.path)).toString('base64'))
  await waitFor(async () => {
    for (const id of requests) {
      const r = await getRequest(a.ledger.kv, id)
      if (r === null) return false
      const lengths = new Map<string, number>()
      for (const core of r.cores) {
        const local = fa.store.get({ key: Buffer.from(core.key, 'hex') })
        await local.ready()
        lengths.set(core.key, local.length)
        await local.close()
      }
      if (!await hostersHold(net.nodes, a, id, lengths)) return false
    }
    return true
  }, 240_000, 'the hosters holding every core of the folder at its current length', 300)

  // every member offline; a reader that is not a member reads it all from the hosters
  await c.offline()
  await d.offline()
  await net.closeNode(a)
  await net.closeNode(b)
  await net.closeNode(late) // it touched the folder while failing to join: no copy may come from it
  const reader = await Member.start('reader', net)
  outsiders.push(reader)
  await reader.open(key)
  assert.equal(reader.f.writable, false)
  await waitFor(async () => { await reader.f.update(); return (await reader.f.list()).length === 6 }, 120_000, 'the reader sees the six files', 200)
  for (const [path, content] of want) assert.equal((await reader.f.read(path)).toString('base64'), content, path)
  assert.deepEqual((await reader.f.members()).length, 4)
  const readerHistory = await reader.f.history()
  assert.ok(readerHistory.some((e) => e.t === 'put' && e.paths.includes('/d.txt')))
  assert.ok(readerHistory.some((e) => e.t === 'resolve' && e.paths.includes('/same.txt')), 'the reader sees the resolution in the history')
  assert.deepEqual(await reader.f.conflicts(), [])
})
