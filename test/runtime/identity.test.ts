// The identity file: written 0600, never silently replaced when it is corrupt or unreadable.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { chmod, readFile, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { IdentityError, loadIdentity, saveIdentity } from '../../src/runtime/index.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'

const seed = 'ab'.repeat(32)

test('identity: saved with mode 0600, loaded back, a looser mode is tightened', async (t) => {
  const dir = await makeTempDir('identity')
  t.after(() => removeDir(dir))
  assert.equal(await loadIdentity(dir), null, 'no file yet: no identity')
  await saveIdentity(dir, { seed, networkKey: null, name: 'n1' })
  const file = path.join(dir, 'node.json')
  assert.equal((await stat(file)).mode & 0o777, 0o600)
  assert.deepEqual(await loadIdentity(dir), { seed, networkKey: null, name: 'n1' })
  await chmod(file, 0o644)
  await loadIdentity(dir)
  assert.equal((await stat(file)).mode & 0o777, 0o600)
})

test('identity: a corrupt or invalid file stops with IdentityError and is left untouched', async (t) => {
  const dir = await makeTempDir('identity-bad')
  t.after(() => removeDir(dir))
  const file = path.join(dir, 'node.json')
  for (const text of ['{"seed": "ab', '{"seed": "zz", "networkKey": null, "name": "x"}', 'null', `{"seed": "${seed}", "networkKey": 7, "name": "x"}`]) {
    await writeFile(file, text)
    await assert.rejects(loadIdentity(dir), (err: unknown) => err instanceof IdentityError && err.code === 'IDENTITY_UNREADABLE')
    assert.equal(await readFile(file, 'utf8'), text, 'the file is never rewritten')
  }
})
