// A plain Hyperdrive reader on hyperswarm that knows nothing of Favor: its own corestore, its own
// swarm on the loopback testnet, the drive key (and an encrypted drive's encryption key), nothing else.
import { createHash } from 'node:crypto'
import { createDht, createSwarm, openDrive, openStore } from '../../src/stack/index.js'
import type { BootstrapNode } from '../../src/stack/index.js'
import { makeTempDir, removeDir } from '../harness/tmp.js'
import { waitFor, withTimeout } from '../harness/wait.js'

/** path → sha256 hex of its bytes, for every file of the drive at its latest version (≥ minVersion). */
export async function readDrivePlain(bootstrap: BootstrapNode[], key: Buffer, minVersion: number, ms = 60_000, encryptionKey?: Buffer): Promise<Map<string, string>> {
  const dir = await makeTempDir('plain-reader')
  const store = openStore(dir)
  const dht = createDht({ bootstrap })
  const swarm = createSwarm({ dht })
  swarm.on('connection', (c) => { store.replicate(c) })
  const drive = openDrive(store, key, encryptionKey === undefined ? {} : { encryptionKey })
  try {
    await drive.ready()
    swarm.join(drive.discoveryKey, { server: false, client: true })
    await waitFor(async () => {
      await drive.core.update({ wait: true }).catch(() => false)
      return drive.version >= minVersion
    }, ms, `the reader sees version ${minVersion}`, 100)
    const blobs = await withTimeout(drive.getBlobs(), ms, 'blobs core')
    if (blobs !== null) swarm.join(blobs.core.discoveryKey, { server: false, client: true })
    const files = new Map<string, string>()
    for await (const e of drive.list('/')) {
      const hash = createHash('sha256')
      for await (const chunk of drive.createReadStream(e.key, { wait: true, timeout: ms })) hash.update(chunk as Buffer)
      files.set(e.key, hash.digest('hex'))
    }
    return files
  } finally {
    await drive.close()
    await swarm.destroy()
    await dht.destroy()
    await store.close()
    await removeDir(dir)
  }
}
