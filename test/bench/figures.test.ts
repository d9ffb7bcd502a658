// bench/figures.ts: what is printed is what is recorded, and aims are judged on the right quantity.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { FigureLog } from '../../bench/figures.js'

test('a figure prints its recorded value; a ratio aim is judged on value / baseline', () => {
  const log = new FigureLog()
  log.bench = 'b'
  const base = log.record('blind-peer', 2, 's')
  const f = log.record('favor', 3, 's', { baseline: base, aim: { on: 'ratio', cmp: '<=', limit: 1 } })
  assert.equal(f.vu, '3 s')
  assert.equal(f.figure.ratio, 1.5)
  assert.equal(f.figure.met, false)
  assert.equal(f.verdict, 'aim ratio ≤ 1: NOT met')
  const g = log.record('favor2', 1.5, 's', { baseline: base, aim: { on: 'ratio', cmp: '<=', limit: 1 } })
  assert.equal(g.figure.met, true)
  assert.equal(g.r, '0.75×')
  assert.deepEqual(log.all.map((x) => `${x.bench}.${x.name}`), ['b.blind-peer', 'b.favor', 'b.favor2'])
})

test('a value aim, a quick run not judged, a missing value', () => {
  const log = new FigureLog()
  assert.equal(log.record('p99', 120.4, 'ms', { aim: { on: 'value', cmp: '<', limit: 100 } }).figure.met, false)
  assert.equal(log.record('p99', 80, 'ms', { aim: { on: 'value', cmp: '<', limit: 100 } }).figure.met, true)
  const q = log.record('wall', 10, 's', { aim: { on: 'value', cmp: '<', limit: 60, comparable: false } })
  assert.equal(q.figure.met, null)
  assert.match(q.verdict, /not comparable/)
  const n = log.record('skipped', null, 'ms', { note: 'skipped' })
  assert.equal(n.v, '—')
  assert.equal(n.figure.note, 'skipped')
})

test('writeJson writes every figure with its fields', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'figures-'))
  try {
    const log = new FigureLog()
    log.record('x', 1234.5, 'ops/s', { baseline: { name: 'y', value: 2469 }, aim: { on: 'value', cmp: '>=', limit: 1000 } })
    const file = path.join(dir, 'f.json')
    await log.writeJson(file, { quick: true })
    const j = JSON.parse(await readFile(file, 'utf8')) as { quick: boolean; figures: Record<string, unknown>[] }
    assert.equal(j.quick, true)
    assert.deepEqual(Object.keys(j.figures[0] ?? {}).sort(), ['aim', 'baseline', 'bench', 'met', 'name', 'ratio', 'unit', 'value'])
    assert.equal(j.figures[0]?.met, true)
    assert.equal(j.figures[0]?.ratio, 0.5)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
