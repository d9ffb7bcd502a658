// Entry point of a peer process (see process.ts). argv: <name> <bootstrap JSON>.
import type { BootstrapNode, Core } from '../../src/stack/index.js'
import { TestPeer } from './peer.js'
import { digestCore, makeBlocks } from './blocks.js'
import type { ChildRequest, ChildResponse } from './process.js'

const [name = 'child', bootstrapJson = '[]'] = process.argv.slice(2)
const bootstrap = JSON.parse(bootstrapJson) as BootstrapNode[]
const peerReady = TestPeer.create(name, bootstrap)
const cores = new Map<string, Core>()

function reply(msg: ChildResponse): void {
  process.send?.(msg)
}

async function handle(req: ChildRequest): Promise<unknown> {
  const peer = await peerReady
  const args = req.args ?? {}
  switch (req.cmd) {
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
      throw new Error(`unknown command ${req.cmd}`)
  }
}

process.on('message', (req: ChildRequest) => {
  handle(req).then(
    (result) => reply({ id: req.id, ok: true, result }),
    (err: unknown) => reply({ id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) })
  )
})
// The parent went away: close and leave, never linger as an orphan.
process.on('disconnect', () => {
  void peerReady.then((p) => p.close()).finally(() => process.exit(0))
})
