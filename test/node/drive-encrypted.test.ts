// Blind hosting: a folder published with `encrypt` becomes a drive whose blocks are encrypted with a
// key only the publisher holds. Hosters mirror and pass challenges on ciphertext, and no file a hoster
// stores holds a byte of plaintext (a marker repeated through every file and in every file name);
// a plain hyperdrive reader given the key reads every file with the publisher offline. The publisher
// restarts (hypercore does not keep the key: the node must apply it again), changes the folder, and the
// new blocks are still encrypted. Billing counts the bytes hosters store (8 bytes of padding a block).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { getRequest, listAgreements } from '../../src/ledger/index.js'
import type { FavorNode } from '../../src/node.js'
import { ENCRYPTION_PADDING_BYTES } from '../../src/stack/index.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'
import { waitFor } from '../harness/wait.js'
import { readDrivePlain } from './drive-reader.js'
import { hostersHold } from './drive-wait.js'
import { driveNet } from './drive-net.js'
import { NodeNet } from './helpers.js'

const KiB = 1024
const MiB = 1024 * KiB

function sha(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex')
}

/** A file of `size` bytes: the marker every KiB between random bytes (plaintext would show it often). */
function marked(marker: string, size: number): Buffer {
  const out = randomBytes(size)
  const m = Buffer.from(marker)
  for (let at = 0; at + m.byteLength <= size; at += KiB) m.copy(out, at)
  return out
}

async function expected(root: string, paths: string[]): Promise<Map<string, string>> {
  const m = new Map<string, string>()
  for (const p of paths) m.set(p, sha(await readFile(join(root, ...p.split('/').filter((x) => x !== '')))))
  return m
}

/** Every file under `dir` (a node's corestore: RocksDB WAL, SST and blob files). */
async function filesUnder(dir: string): Promise<Buffer[]> {
  const out: Buffer[] = []
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(await readFile(join(e.parentPath, e.name)))
  }
  return out
}

/**
 * The hosters of a request's cores hold no plaintext marker anywhere in their store, and — so that the
 * scan can fail — slices of the ciphertext blocks they hold (read raw, without the key) ARE found there.
 */
async function assertBlind(nodes: FavorNode[], pub: FavorNode, requestId: number, markers: string[]): Promise<number> {
  const req = await getRequest(pub.ledger.kv, requestId)
  assert.ok(req)
  const agrs = (await listAgreements(pub.ledger.kv, { requestId })).filter((a) => a.state === 'active')
  let scanned = 0
  for (const h of nodes) {
    const held = req.cores.filter((c) => agrs.some((a) => a.hoster === h.account && a.coreKey === c.key))
    if (held.length === 0) continue
    // the last recorded block of each held core, read raw (the hoster has no key), before the scan
    const lastBlocks: Buffer[] = []
    for (const c of held) {
      const core = h.store.get({ key: Buffer.from(c.key, 'hex') })
      try {
        await core.ready()
        const block = await core.get(c.length - 1, { timeout: 60_000 })
        assert.ok(block !== null, `${h.name} holds block ${c.length - 1} of ${c.key}`)
        lastBlocks.push(block)
      } finally {
        await core.close()
      }
    }
    const files = await filesUnder(join(h.dataDir, 'store'))
    for (const marker of markers) {
      assert.ok(!files.some((f) => f.includes(marker)), `${h.name} stores the plaintext marker ${marker}`)
    }
    for (const [i, block] of lastBlocks.entries()) {
      // short slices at spread offsets (a RocksDB WAL record may split a long value in fragments)
      const slices = [0, 0.25, 0.5, 0.75].map((f) => Math.floor(f * Math.max(0, block.byteLength - 16))).map((o) => block.subarray(o, o + 16))
      const found = slices.filter((s) => files.some((f) => f.includes(s))).length
      assert.ok(found >= 2, `${h.name}: the scan finds the stored ciphertext of ${held[i]?.key ?? ''} (${found}/4 slices)`)
    }
    scanned++
  }
  return scanned
}

test('an encrypted folder: hosters keep and prove ciphertext, a keyed plain reader reads it with the publisher offline, and appends after a restart stay encrypted', { timeout: 400_000 }, async (t) => {
  const net = await NodeNet.create()
  const folder = await makeTempDir('enc-folder')
  const out = await makeTempDir('enc-out')
  t.after(async () => {
    await net.close()
    await removeDir(folder)
    await removeDir(out)
  })
  const dn = await driveNet(net, 256 * MiB, 'enc-pub')
  const { pubDir, h2, challenges } = dn
  let pub = dn.pub

  const M1 = `FAVOR-PLAINTEXT-${randomBytes(6).toString('hex')}`
  await mkdir(join(folder, 'docs'), { recursive: true })
  await writeFile(join(folder, 'docs', `name-${M1}.txt`), `${M1} in a small file\n`)
  await writeFile(join(folder, 'big.bin'), marked(M1, 3 * MiB))
  await writeFile(join(folder, 'grows.txt'), marked(M1, 100 * KiB))
  const v1Paths = ['/big.bin', `/docs/name-${M1}.txt`, '/grows.txt']

  const first = await pub.publishFolder(folder, { replicas: 2, encrypt: true })
  assert.equal(first.encrypted, true)
  assert.match(first.encryptionKey ?? '', /^[0-9a-f]{64}$/, 'the first publish shows the key')
  const ek = Buffer.from(first.encryptionKey as string, 'hex')
  assert.equal(first.keyFile, join(pubDir, 'encryption-keys.json'))
  assert.equal((await stat(join(pubDir, 'encryption-keys.json'))).mode & 0o777, 0o600, 'the key file is owner-only')
  assert.match(await readFile(join(pubDir, 'encryption-keys.json'), 'utf8'), new RegExp(first.encryptionKey as string))

  // billing: the request records the bytes hosters store, i.e. the keyed byteLength plus 8 bytes a block
  const req = await getRequest(pub.ledger.kv, first.requestId)
  assert.ok(req)
  for (const c of req.cores) {
    const raw = pub.store.get({ key: Buffer.from(c.key, 'hex') })
    const keyed = pub.store.get({ key: Buffer.from(c.key, 'hex'), encryption: { key: ek } })
    await raw.ready()
    await keyed.ready()
    try {
      assert.equal(keyed.padding, ENCRYPTION_PADDING_BYTES)
      assert.equal(c.byteLength, raw.byteLength, 'billed = stored bytes')
      assert.equal(c.byteLength, keyed.byteLength + ENCRYPTION_PADDING_BYTES * keyed.length)
      assert.ok(c.byteLength > keyed.byteLength)
      // the publisher's own blocks are ciphertext too; the key decrypts them to the marker
      let rawHas = false
      let keyedHas = false
      for (let i = 0; i < c.length; i++) {
        rawHas ||= ((await raw.get(i)) as Buffer).includes(M1)
        keyedHas ||= ((await keyed.get(i)) as Buffer).includes(M1)
      }
      assert.deepEqual({ rawHas, keyedHas }, { rawHas: false, keyedHas: true }, `core ${c.key}: plaintext only through the key`)
    } finally {
      await raw.close()
      await keyed.close()
    }
  }
  assert.equal(first.cores.reduce((s, c) => s + c.byteLength, 0), req.cores.reduce((s, c) => s + c.byteLength, 0))

  // re-running without the flag updates the same (encrypted) drive; the key is not shown again
  const again = await pub.publishFolder(folder, { replicas: 2 })
  assert.equal(again.driveKey, first.driveKey)
  assert.equal(again.encrypted, true)
  assert.equal(again.encryptionKey, null)
  assert.equal(again.newRequest, false)

  const lengths1 = new Map(first.cores.map((c) => [c.key, c.length]))
  await waitFor(() => hostersHold(net.nodes, pub, first.requestId, lengths1), 240_000, 'two active replicas of each encrypted core', 200)
  for (const c of first.cores) {
    await waitFor(() => challenges.find((x) => x.coreKey === c.key && x.outcome === 'pass'), 60_000, `a passing challenge on the encrypted ${c.kind} core`)
  }
  assert.ok(await assertBlind(net.nodes, pub, first.requestId, [M1]) >= 2, 'at least two hosters scanned')

  // the publisher goes offline: a plain reader with the key reads everything; getDrive checks the key
  await net.closeNode(pub)
  const driveKey = Buffer.from(first.driveKey, 'hex')
  const want1 = await expected(folder, v1Paths)
  assert.deepEqual(await readDrivePlain(net.testnet.bootstrap, driveKey, first.version, 120_000, ek), want1)
  await assert.rejects(h2.getDrive(first.driveKey, join(out, 'wrong'), { timeoutMs: 60_000, encryptionKey: randomBytes(32) }), { code: 'WRONG_KEY' })
  await assert.rejects(h2.listDrive(first.driveKey, { timeoutMs: 60_000 }), { code: 'NOT_A_DRIVE', message: /encrypted drive: pass its key/ })
  const got = await h2.getDrive(first.driveKey, join(out, 'v1'), { timeoutMs: 120_000, encryptionKey: ek })
  assert.equal(got.files, 3)
  for (const p of v1Paths) assert.equal(sha(await readFile(join(out, 'v1', ...p.split('/').filter((x) => x !== '')))), want1.get(p), p)

  // the publisher restarts (the key is applied again from its key file) and the folder changes
  const M2 = `FAVOR-PLAINTEXT-${randomBytes(6).toString('hex')}`
  await writeFile(join(folder, 'grows.txt'), Buffer.concat([await readFile(join(folder, 'grows.txt')), marked(M2, 200 * KiB)]))
  await writeFile(join(folder, `added-${M2}.txt`), `${M2} in a new file\n`)
  pub = await dn.reopenPub()
  await pub.waitWritable(20_000)
  const second = await pub.publishFolder(folder, { replicas: 2 })
  assert.equal(second.driveKey, first.driveKey)
  assert.equal(second.encrypted, true)
  assert.equal(second.newRequest, false)
  assert.deepEqual([second.added, second.deleted, second.unchanged], [2, 0, 2])
  const lengths2 = new Map(second.cores.map((c) => [c.key, c.length]))
  await waitFor(() => hostersHold(net.nodes, pub, first.requestId, lengths2), 120_000, 'the hosters follow the grown encrypted cores', 200)
  const grown = await getRequest(pub.ledger.kv, first.requestId)
  assert.deepEqual(grown?.cores.map((c) => c.byteLength), second.cores.map((c) => c.byteLength), 'grow records the stored bytes')
  assert.ok(await assertBlind(net.nodes, pub, first.requestId, [M1, M2]) >= 2, 'the new blocks are ciphertext on the hosters')

  await net.closeNode(pub)
  const v2Paths = [`/added-${M2}.txt`, '/big.bin', `/docs/name-${M1}.txt`, '/grows.txt']
  assert.deepEqual(await readDrivePlain(net.testnet.bootstrap, driveKey, second.version, 120_000, ek), await expected(folder, v2Paths))
})
