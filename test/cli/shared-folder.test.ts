// `favor folder …` spawned against running daemons of real FavorNodes: create, invite, join, add, ls,
// get, log, host; an invalid and a reused invite exit non-zero with a clear message and leave nothing.
import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { ApiServer } from '../../src/api/index.js'
import type { FavorNode } from '../../src/node.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'
import { waitFor } from '../harness/wait.js'
import { startFixture } from '../api/helpers.js'
import type { ApiFixture } from '../api/helpers.js'
import { favorCli } from './run.js'

describe('favor folder', () => {
  let f: ApiFixture
  let work: string
  const servers: ApiServer[] = []
  const dirs: Record<string, string[]> = {}
  const daemon = async (name: string, node: FavorNode, dir: string): Promise<void> => {
    const api = new ApiServer({ service: node, dataDir: dir, heartbeatMs: 200 })
    servers.push(api)
    await writeFile(join(dir, 'api.json'), JSON.stringify({ url: await api.listen() }))
    dirs[name] = ['--dir', dir]
  }
  before(async () => {
    f = await startFixture({ hosters: 1 })
    await writeFile(join(f.dir, 'api.json'), JSON.stringify({ url: f.url }))
    dirs.a = ['--dir', f.dir]
    const root = dirname(f.dir)
    await daemon('b', await f.addNode('b'), join(root, 'b'))
    await daemon('c', await f.addNode('c'), join(root, 'c'))
    work = await makeTempDir('cli-shared')
  })
  after(async () => {
    for (const s of servers) await s.close()
    await f.close()
    await removeDir(work)
  })
  const cli = (who: string, ...args: string[]) => favorCli(['folder', ...args, ...(dirs[who] ?? [])])

  test('create, invite, join, add, ls, get, log, host; bad and reused invites fail', async () => {
    const created = await cli('a', 'create', 'team', '--json')
    assert.equal(created.code, 0, created.stderr)
    const key = (JSON.parse(created.stdout) as { key: string }).key
    const inv = await cli('a', 'invite', 'team', '--json')
    assert.equal(inv.code, 0, inv.stderr)
    const invite = (JSON.parse(inv.stdout) as { invite: string }).invite
    assert.match(invite, /^favor-folder1:/)

    const joined = await cli('b', 'join', invite, '--json')
    assert.equal(joined.code, 0, joined.stderr)
    assert.deepEqual(((j) => [j.key, j.name, j.writable])(JSON.parse(joined.stdout) as { key: string; name: string; writable: boolean }), [key, 'team', true])

    // not an invite: non-zero, named; a used invite: refused (exit 4), named; c keeps no folder
    const bad = await cli('c', 'join', 'favor-folder1:nope')
    assert.notEqual(bad.code, 0)
    assert.match(bad.stderr, /BAD_INVITE/)
    const reused = await cli('c', 'join', invite)
    assert.equal(reused.code, 4, reused.stderr)
    assert.match(reused.stderr, /INVITE_USED/)
    const cList = await cli('c', 'ls', '--json')
    assert.equal(cList.code, 0, cList.stderr)
    assert.deepEqual(JSON.parse(cList.stdout), [])

    const file = join(work, 'notes.txt')
    await writeFile(file, 'from b\n')
    const added = await cli('b', 'add', 'team', file, '--as', '/docs/notes.txt')
    assert.equal(added.code, 0, added.stderr)
    await waitFor(async () => {
      const ls = await cli('a', 'ls', 'team', '--json')
      return ls.code === 0 && (JSON.parse(ls.stdout) as { files: { path: string }[] }).files.some((x) => x.path === '/docs/notes.txt')
    }, 30_000, 'a to list the file b added', 200)
    const human = await cli('a', 'ls', 'team')
    assert.match(human.stdout, /\/docs\/notes\.txt/)

    const out = join(work, 'out')
    const got = await cli('a', 'get', 'team', out)
    assert.equal(got.code, 0, got.stderr)
    assert.equal(await readFile(join(out, 'docs', 'notes.txt'), 'utf8'), 'from b\n')
    const again = await cli('a', 'get', 'team', out)
    assert.notEqual(again.code, 0)

    const log = await cli('a', 'log', 'team', '--json')
    assert.equal(log.code, 0, log.stderr)
    assert.deepEqual((JSON.parse(log.stdout) as { t: string }[]).map((e) => e.t), ['init', 'invite', 'join', 'put'])
    const mv = await cli('b', 'mv', 'team', '/docs/notes.txt', '/notes.txt')
    assert.equal(mv.code, 0, mv.stderr)
    const missing = await cli('b', 'rm', 'team', '/nope')
    assert.notEqual(missing.code, 0)
    assert.match(missing.stderr, /NOT_FOUND/)

    const host = await cli('a', 'host', 'team', '--replicas', '1', '--json')
    assert.equal(host.code, 0, host.stderr)
    assert.equal((JSON.parse(host.stdout) as { requests: number[] }).requests.length, 1)
  })
})
