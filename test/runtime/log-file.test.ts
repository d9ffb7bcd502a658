// The daemon's rotating log file: lines appended, rotated past the size limit, old files shifted and
// the oldest dropped.
import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { test } from 'node:test'
import { createLogger, openLogFile } from '../../src/runtime/index.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'

test('log file: appends formatted lines, rotates at maxBytes, keeps `keep` old files', async (t) => {
  const dir = await makeTempDir('logfile')
  t.after(() => removeDir(dir))
  const file = openLogFile(dir, { maxBytes: 1000, keep: 2 })
  const log = createLogger({ prefix: 'n1', sink: file.sink })
  for (let i = 0; i < 60; i++) log.info(`line ${i}`, { pad: 'x'.repeat(40) })
  file.close()
  const names = (await readdir(dir)).sort()
  assert.deepEqual(names, ['favor.log', 'favor.log.1', 'favor.log.2'])
  const current = await readFile(file.path, 'utf8')
  assert.ok(Buffer.byteLength(current) <= 1000, `current file within the limit: ${Buffer.byteLength(current)}`)
  assert.match(current, /INFO {2}\[n1\] favor line 59 pad=x+\n$/)
  const older = await readFile(`${file.path}.1`, 'utf8')
  const lastOld = Number(/line (\d+)/.exec(older.trim().split('\n').at(-1) ?? '')?.[1])
  const firstNew = Number(/line (\d+)/.exec(current.split('\n')[0] ?? '')?.[1])
  assert.equal(firstNew, lastOld + 1, 'no line lost at a rotation')
  // reopening appends
  const again = openLogFile(dir, { maxBytes: 1000, keep: 2 })
  createLogger({ sink: again.sink }).warn('after reopen')
  again.close()
  assert.match(await readFile(file.path, 'utf8'), /after reopen\n$/)
})
