// Entry point of a peer process (see process.ts). argv: <name> <bootstrap JSON>.
import type { BootstrapNode, Core } from '../../src/stack/index.js'
import { TestPeer } from './peer.js'
import { digestCore, makeBlocks } from './blocks.js'
import { serveIpc } from '../../src/runtime/index.js'

const [name = 'child', bootstrapJson = '[]'] = process.argv.slice(2)
const bootstrap = JSON.parse(bootstrapJson) as BootstrapNode[]
const peerReady = TestPeer.create(name, bootstrap)
const cores = new Map<string, Core>()

async function handle(cmd: string, args: Record<string, unknown>): Promise<unknown> {
  const peer = await peerReady
  switch (cmd) {
    case 'ready':
      return { pid: process.pid, publicKey: peer.keyPair.publicKey.toString('hex') }
    case 'seed': {
      const coreName = String(args.name)
      const core = await peer.writableCore(coreName)
      await core.append(makeBlocks(coreName, core.length, Number(args.blocks), Number(args.blockSize)))
      await peer.announce(core)
      cores.set(core.key.toString('hex'), core)
      return { key: core.key.toString('hex'), length: core.length, digest: await digestCore(core) }
    }
    case 'fetch': {
      const core = await peer.openRemote(Buffer.from(String(args.key), 'hex'))
      await core.download({ start: 0, end: core.length }).done()
      return { length: core.length, digest: await digestCore(core) }
    }
    case 'close':
      await peer.close()
      setImmediate(() => process.exit(0))
      return { closed: true }
    default:
      throw new Error(`unknown command ${cmd}`)
  }
}

serveIpc(handle, () => peerReady.then((p) => p.close()))
