// Runs a TestPeer in a child Node.js process (child-peer.ts), driven by request/response messages
// over IPC — the same IpcChild the demo's node processes use.
import type { BootstrapNode } from '../../src/stack/index.js'
import { IpcChild, forkSibling } from '../../src/runtime/index.js'

export type PeerProcess = IpcChild

export async function spawnPeerProcess(name: string, bootstrap: BootstrapNode[]): Promise<PeerProcess> {
  const child = forkSibling('child-peer', import.meta.url, {
    args: [name, JSON.stringify(bootstrap)],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  const proc = new IpcChild(name, child)
  try {
    await proc.call('ready', {}, 20_000)
  } catch (err) {
    await proc.kill()
    throw err
  }
  return proc
}
