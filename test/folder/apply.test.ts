// The folder contract alone: heads, conflicts, resolution, moves/copies/deletes, membership and
// invites, and that the view is the same whatever order concurrent changes are linearized in.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { applyOp, joinSignable } from '../../src/folder/apply.js'
import { MemoryKV } from '../../src/folder/kv.js'
import { conflicts, getEntry, history, listFiles, members } from '../../src/folder/read.js'
import type { BlobRef, FolderOp } from '../../src/folder/ops.js'
import { decodeOp, encodeOp, normalizePath } from '../../src/folder/ops.js'
import { keyPair, seedFromName, sign } from '../../src/stack/index.js'

const A = 'a'.repeat(64)
const B = 'b'.repeat(64)
const C = 'c'.repeat(64)
const blobsOf = (w: string): string => w.replace(/./g, (ch) => String.fromCharCode(ch.charCodeAt(0) + 3))
const id = (n: number): string => n.toString(16).padStart(32, '0')
const blob = (w: string, start: number): BlobRef => ({ core: blobsOf(w), start, blocks: 1, bytes: 10 })
const put = (n: number, path: string, seen: number[], w: string): FolderOp => ({ v: 1, t: 'put', id: id(n), at: n, path, seen: seen.map(id), blob: blob(w, n), size: 10, mtime: n })

/** A folder with members A, B, C (B and C admitted through invites). */
async function threeMembers(): Promise<MemoryKV> {
  const kv = new MemoryKV()
  assert.deepEqual(await applyOp(kv, { v: 1, t: 'init', blobs: blobsOf(A), name: 'f', at: 0 }, A), { ok: true })
  for (const w of [B, C]) {
    const inv = keyPair(seedFromName('invite ' + w))
    const pub = inv.publicKey.toString('hex')
    assert.deepEqual(await applyOp(kv, { v: 1, t: 'invite', invite: pub, at: 0 }, A), { ok: true })
    const sig = sign(joinSignable(w, blobsOf(w)), inv.secretKey).toString('hex')
    const r = await applyOp(kv, { v: 1, t: 'join', writer: w, blobs: blobsOf(w), invite: pub, sig, at: 0 }, A)
    assert.equal(r.ok, true)
  }
  return kv
}

async function run(kv: MemoryKV, ops: Array<[FolderOp, string]>): Promise<string[]> {
  const codes: string[] = []
  for (const [op, w] of ops) {
    const r = await applyOp(kv, op, w)
    codes.push(r.ok ? 'ok' : r.code)
  }
  return codes
}

/** The view without history (whose order is the linearization's, by design). */
function stateOf(kv: MemoryKV): string {
  return JSON.stringify([...kv.map.entries()].filter(([k]) => !k.startsWith('log/')).sort())
}

test('a write that saw the head replaces it; one that did not leaves both versions in conflict', async () => {
  const kv = await threeMembers()
  assert.deepEqual(await run(kv, [[put(1, '/a.txt', [], A), A], [put(2, '/a.txt', [1], B), B], [put(3, '/a.txt', [1], C), C]]), ['ok', 'ok', 'ok'])
  const e = await getEntry(kv, '/a.txt')
  assert.deepEqual(e?.heads.map((h) => [h.id, h.author]), [[id(2), B], [id(3), C]])
  assert.deepEqual(await conflicts(kv), [{ path: '/a.txt', heads: [id(2), id(3)] }])
  // both versions' bytes stay reachable
  assert.deepEqual(e?.heads.map((h) => h.blob?.core), [blobsOf(B), blobsOf(C)])
  // a resolution that saw both heads ends the conflict (keeping C's version)
  assert.deepEqual(await run(kv, [[{ v: 1, t: 'resolve', id: id(4), at: 4, path: '/a.txt', seen: [id(2), id(3)], keep: id(3) }, B]]), ['ok'])
  assert.deepEqual(await conflicts(kv), [])
  const after = await getEntry(kv, '/a.txt')
  assert.equal(after?.heads.length, 1)
  assert.equal(after?.heads[0]?.blob?.core, blobsOf(C))
  assert.equal(after?.heads[0]?.author, B)
})

test('two members creating one path concurrently conflict; a resolution that saw only one head does not resolve', async () => {
  const kv = await threeMembers()
  await run(kv, [[put(1, '/n', [], A), A], [put(2, '/n', [], B), B]])
  assert.deepEqual(await conflicts(kv), [{ path: '/n', heads: [id(1), id(2)] }])
  await run(kv, [[put(3, '/n', [1], A), A]])
  assert.deepEqual(await conflicts(kv), [{ path: '/n', heads: [id(2), id(3)] }])
  await run(kv, [[put(4, '/n', [2, 3], C), C]])
  assert.deepEqual(await conflicts(kv), [])
})

test('delete against a concurrent edit is a conflict; two concurrent deletes are not', async () => {
  const kv = await threeMembers()
  await run(kv, [[put(1, '/d', [], A), A], [{ v: 1, t: 'del', id: id(2), at: 2, path: '/d', seen: [id(1)] }, A], [put(3, '/d', [1], B), B]])
  const c = await conflicts(kv)
  assert.equal(c.length, 1)
  const e = await getEntry(kv, '/d')
  assert.deepEqual(e?.heads.map((h) => h.kind), ['del', 'put'])
  await run(kv, [[put(4, '/e', [], A), A], [{ v: 1, t: 'del', id: id(5), at: 5, path: '/e', seen: [id(4)] }, A], [{ v: 1, t: 'del', id: id(6), at: 6, path: '/e', seen: [id(4)] }, B]])
  assert.deepEqual((await listFiles(kv)).map((f) => f.path), ['/d'])
})

test('moves and copies are changes of their own and keep the bytes where they are', async () => {
  const kv = await threeMembers()
  await run(kv, [[put(1, '/x', [], A), A]])
  assert.deepEqual(await run(kv, [
    [{ v: 1, t: 'cp', id: id(2), at: 2, from: '/x', src: id(1), to: '/y', seen: [] }, B],
    [{ v: 1, t: 'mv', id: id(3), at: 3, from: '/x', src: id(1), to: '/z', seen: [] }, C],
    [{ v: 1, t: 'cp', id: id(4), at: 4, from: '/x', src: id(9), to: '/w', seen: [] }, C]
  ]), ['ok', 'ok', 'NO_SUCH_VERSION'])
  const list = await listFiles(kv)
  assert.deepEqual(list.map((f) => [f.path, f.heads[0]?.kind, f.heads[0]?.blob?.core]), [['/y', 'cp', blobsOf(A)], ['/z', 'mv-in', blobsOf(A)]])
  const h = await history(kv)
  assert.deepEqual(h.slice(-3).map((e) => [e.t, e.author, e.paths]), [['put', A, ['/x']], ['cp', B, ['/x', '/y']], ['mv', C, ['/x', '/z']]])
})

test('authority: non-members, foreign blobs, reused ids, unknown, reused and forged invites are refused', async () => {
  const kv = await threeMembers()
  const D = 'd'.repeat(64)
  const inv = keyPair()
  const pub = inv.publicKey.toString('hex')
  const join = (w: string, key = inv.secretKey) => ({ v: 1 as const, t: 'join' as const, writer: w, blobs: blobsOf(w), invite: pub, sig: sign(joinSignable(w, blobsOf(w)), key).toString('hex'), at: 0 })
  assert.deepEqual(await run(kv, [
    [put(1, '/p', [], D), D],
    [{ ...put(1, '/p', [], A), blob: blob(B, 0) } as FolderOp, A],
    [put(2, '/p', [], A), A],
    [put(2, '/q', [], A), A],
    [join(D), A],
    [{ v: 1, t: 'invite', invite: pub, at: 0 }, B],
    [join(D, keyPair().secretKey), A],
    [join(D), C],
    [join('e'.repeat(64)), A],
    [{ v: 1, t: 'init', blobs: blobsOf(B), name: 'again', at: 0 }, B]
  ]), ['NOT_A_MEMBER', 'FOREIGN_BLOB', 'ok', 'DUPLICATE_ID', 'INVITE_UNKNOWN', 'ok', 'BAD_SIGNATURE', 'ok', 'INVITE_USED', 'ALREADY_INITIALIZED'])
  assert.deepEqual((await members(kv)).map((m) => m.writer).sort(), [A, B, C, D])
})

test('the view does not depend on the order concurrent changes are linearized in', async () => {
  // three writers, each change causally after the ones it names in seen; the two orders below are
  // both causal and interleave the concurrent changes differently
  const ops: Record<string, [FolderOp, string]> = {
    a1: [put(1, '/s', [], A), A],
    b2: [put(2, '/s', [1], B), B],
    c3: [put(3, '/s', [1], C), C],
    c4: [{ v: 1, t: 'mv', id: id(4), at: 4, from: '/s', src: id(3), to: '/t', seen: [] }, C],
    a5: [put(5, '/t', [], A), A],
    b6: [{ v: 1, t: 'del', id: id(6), at: 6, path: '/s', seen: [id(2)] }, B],
    a7: [put(7, '/u', [], A), A],
    b8: [put(8, '/u', [7], B), B],
    c9: [put(9, '/u', [7], C), C]
  }
  const orders = [
    ['a1', 'b2', 'c3', 'c4', 'a5', 'b6', 'a7', 'b8', 'c9'],
    ['a1', 'c3', 'c4', 'a5', 'b2', 'a7', 'c9', 'b6', 'b8'],
    ['a1', 'a5', 'a7', 'c3', 'c9', 'c4', 'b2', 'b8', 'b6']
  ]
  const states: string[] = []
  for (const order of orders) {
    const kv = await threeMembers()
    const codes = await run(kv, order.map((k) => ops[k] as [FolderOp, string]))
    assert.ok(codes.every((c) => c === 'ok'), codes.join())
    states.push(stateOf(kv))
    if (states.length === 1) {
      // /s: C moved its version away, B deleted its own: two tombstones agree (deleted, no conflict)
      assert.deepEqual((await getEntry(kv, '/s'))?.heads.map((h) => [h.id, h.blob]), [[id(4), null], [id(6), null]])
      assert.deepEqual(await conflicts(kv), [
        { path: '/t', heads: [id(4), id(5)] },
        { path: '/u', heads: [id(8), id(9)] }
      ])
    }
  }
  assert.equal(states[1], states[0])
  assert.equal(states[2], states[0])
})

test('ops: round trip, malformed blocks and bad paths are refused', () => {
  const op = put(1, '/ä/b c.txt', [], A)
  assert.deepEqual(decodeOp(encodeOp(op)), op)
  assert.equal(decodeOp(Buffer.from('nope')), null)
  assert.equal(decodeOp(Buffer.from(JSON.stringify({ ...op, extra: 1 }))), null)
  assert.equal(decodeOp(Buffer.from(JSON.stringify({ ...op, path: '/a/../b' }))), null)
  assert.equal(decodeOp(Buffer.from(JSON.stringify({ ...op, v: 2 }))), null)
  assert.equal(normalizePath('a//b/'), '/a/b')
  assert.throws(() => normalizePath('/a/../b'), { code: 'BAD_PATH' })
  assert.throws(() => normalizePath('/'), { code: 'BAD_PATH' })
})
