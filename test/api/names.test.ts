// Names for accounts (src/api/names.ts: this node's own name and its address book `<dir>/names.json`)
// and the pins' explanation of open slots (src/ledger/explain.ts), through a real daemon API.
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { MAX_NAME_CHARS, NAMES_FILE_NAME } from '../../src/api/index.js'
import { NameBook } from '../../src/api/names.js'
import { createLogger, createMemorySink } from '../../src/runtime/index.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'
import { waitFor } from '../harness/wait.js'
import { call, makeCore, startFixture } from './helpers.js'
import type { ApiFixture } from './helpers.js'

const key = (c: string): string => c.repeat(64)

describe('the address book', () => {
  let dir: string
  before(async () => { dir = await makeTempDir('names') })
  after(async () => { await removeDir(dir) })

  test('own name, file entries, bad entries skipped, bad files ignored, changes re-read', async () => {
    const mem = createMemorySink()
    const book = new NameBook(dir, () => ({ account: key('a'), name: 'me-node' }), createLogger({ level: 'warn', sink: mem.sink }))
    assert.deepEqual([...await book.names()], [[key('a'), 'me-node']], 'no file: only the own name')

    await writeFile(book.path, JSON.stringify({
      [key('B')]: 'bob', [key('a')]: 'not me', [key('c')]: ` car\u0007ol${'x'.repeat(100)} `,
      'not-a-key': 'x', [key('d')]: 42, [key('e')]: '  '
    }))
    const names = await book.names()
    assert.equal(names.get(key('b')), 'bob', 'keys are case-insensitive')
    assert.equal(names.get(key('a')), 'me-node', 'the own name wins')
    assert.equal(names.get(key('c')), `carol${'x'.repeat(MAX_NAME_CHARS - 5)}`, 'control characters removed, trimmed, cut')
    assert.equal(names.size, 3)
    assert.ok(mem.lines().some((l) => /entries skipped.*skipped=3/.test(l)), mem.lines().join('\n'))

    await writeFile(book.path, '{ not json')
    assert.deepEqual([...await book.names()], [[key('a'), 'me-node']], 'a broken file is ignored')
    assert.ok(mem.lines().some((l) => /address book ignored/.test(l)))

    await writeFile(book.path, JSON.stringify({ [key('f')]: 'frank' }))
    assert.equal((await book.names()).get(key('f')), 'frank', 'a changed file is read again')
    await writeFile(book.path, '[]')
    assert.equal((await book.names()).size, 1, 'an array is not an address book')
  })
})

describe('names and open slots through the API', () => {
  let f: ApiFixture
  before(async () => { f = await startFixture({ hosters: 1, epochMs: 1000 }) })
  after(async () => { await f.close() })

  test('accounts carry names: the node\'s own and the address book\'s, null when unknown', async () => {
    const hoster = f.nodes[1]
    assert.ok(hoster !== undefined)
    type Accounts = { results: { id: string, name: string | null }[] }
    const before = await call<Accounts>(f.url, 'GET', '/accounts', { token: f.token })
    assert.equal(before.body.results.find((a) => a.id === hoster.account)?.name, null)
    await writeFile(join(f.dir, NAMES_FILE_NAME), JSON.stringify({ [hoster.account]: 'the hoster' }))
    const res = await call<Accounts>(f.url, 'GET', '/accounts', { token: f.token })
    assert.equal(res.body.results.find((a) => a.id === hoster.account)?.name, 'the hoster')
    assert.equal(res.body.results.find((a) => a.id === f.node.account)?.name, 'main')
    const me = await call<{ name: string | null }>(f.url, 'GET', '/accounts/me', { token: f.token })
    assert.equal(me.body.name, 'main')
  })

  test('a pin with more replicas than hosters says why its open slot stays open', async () => {
    const cid = await makeCore(f.node, 'two-replicas', 4)
    const pin = await call<{ requestid: string }>(f.url, 'POST', '/pins', { token: f.token, body: { cid, replicas: 2 } })
    assert.equal(pin.status, 202)
    type Pin = { status: string, info: Record<string, string> }
    const got = await waitFor(async () => {
      const r = await call<Pin>(f.url, 'GET', `/pins/${pin.body.requestid}`, { token: f.token })
      return r.body.info.activeReplicas === '1' ? r.body : null
    }, 60_000, 'the one hoster to hold a replica')
    assert.equal(got.status, 'pinning')
    assert.equal(got.info.unfilled, 'NO_ELIGIBLE_HOSTER')
    assert.equal(got.info.blockedSlots, '1')
    assert.match(got.info.status_details ?? '', /^1 of 2 replicas active; 1 of 1 open slot\(s\) cannot be filled now: no eligible hoster for core 0 \(of 1 offering: /)
  })
})
