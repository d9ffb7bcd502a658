// An encrypted local core: its key is created before its first block, kept owner-only in the node
// directory, shown once, and applied again when the node reopens the core after a restart (hypercore
// does not persist it; without it the next append would be plaintext). The request and its grow record
// the bytes hosters store: the keyed byteLength plus 8 bytes of padding per block.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { getRequest } from '../../src/ledger/index.js'
import { ENCRYPTION_PADDING_BYTES } from '../../src/stack/index.js'
import type { Core } from '../../src/stack/index.js'
import { makeTempDir } from '../harness/tmp.js'
import { waitFor } from '../harness/wait.js'
import { NodeNet } from './helpers.js'

/** The core's blocks as stored (a session without the key), closed afterwards. */
async function rawBlocks(node: { store: { get(o: { key: Buffer }): Core } }, key: Buffer): Promise<{ blocks: Buffer[]; byteLength: number }> {
  const raw = node.store.get({ key })
  try {
    await raw.ready()
    const blocks: Buffer[] = []
    for (let i = 0; i < raw.length; i++) blocks.push((await raw.get(i)) as Buffer)
    return { blocks, byteLength: raw.byteLength }
  } finally {
    await raw.close()
  }
}

test('an encrypted local core: key kept 0600 and shown once, re-applied after a restart, billed by stored bytes', { timeout: 120_000 }, async (t) => {
  const net = await NodeNet.create()
  t.after(() => net.close())
  const dir = await makeTempDir('enc-core')
  let node = await net.add('pub', {}, dir)
  await node.waitWritable(20_000)

  // a core that already holds plaintext cannot become encrypted
  const plain = await node.localCore('plain')
  await plain.append(Buffer.from('plain block'))
  await assert.rejects(node.localCore('plain', { encrypt: true }), { code: 'NOT_ENCRYPTED' })
  await assert.rejects(node.revealKey(plain.key.toString('hex')), { code: 'NOT_ENCRYPTED' })

  const core = await node.localCore('secret', { encrypt: true })
  assert.equal(core.padding, ENCRYPTION_PADDING_BYTES)
  const keyHex = core.key.toString('hex')
  await core.append([Buffer.from('MARKER-before-restart one'), Buffer.from('MARKER-before-restart two')])
  const file = join(dir, 'encryption-keys.json')
  assert.equal((await stat(file)).mode & 0o777, 0o600)
  const shown = await node.revealKey(keyHex)
  assert.equal(shown.kind, 'core')
  assert.match(shown.encryptionKey ?? '', /^[0-9a-f]{64}$/)
  assert.equal((await node.revealKey(keyHex)).encryptionKey, null, 'the key is shown once')
  assert.match(await readFile(file, 'utf8'), new RegExp(shown.encryptionKey as string))

  const { requestId } = await node.publishCore(core, { replicas: 1 })
  const stored1 = await rawBlocks(node, core.key)
  assert.ok(stored1.blocks.every((b) => !b.includes('MARKER')), 'stored blocks are ciphertext')
  const req1 = await getRequest(node.ledger.kv, requestId)
  assert.equal(req1?.cores[0]?.byteLength, stored1.byteLength, 'billed = stored bytes')
  assert.equal(stored1.byteLength, core.byteLength + ENCRYPTION_PADDING_BYTES * core.length)

  // restart: the same core, asked for without `encrypt`, comes back keyed; its appends stay encrypted
  await net.closeNode(node)
  node = await net.add('pub', {}, dir)
  await node.waitWritable(20_000)
  const again = await node.localCore('secret')
  assert.equal(again.key.toString('hex'), keyHex)
  assert.equal(again.padding, ENCRYPTION_PADDING_BYTES, 'the key is applied again on reopen')
  assert.equal((await again.get(0))?.toString(), 'MARKER-before-restart one')
  await again.append(Buffer.from('MARKER-after-restart three'))
  const stored2 = await rawBlocks(node, again.key)
  assert.equal(stored2.blocks.length, 3)
  assert.ok(stored2.blocks.every((b) => !b.includes('MARKER')), 'the append after the restart is ciphertext')
  assert.equal((await again.get(2))?.toString(), 'MARKER-after-restart three')
  // the grow the publisher posts records the stored bytes too
  const req2 = await waitFor(async () => {
    const r = await getRequest(node.ledger.kv, requestId)
    return r !== null && r.cores[0]?.length === 3 ? r : null
  }, 30_000, 'the grow of the encrypted core', 50)
  assert.equal(req2.cores[0]?.byteLength, stored2.byteLength)
})
