// The node's side of shared folders in one place, so src/node.ts only constructs, starts, feeds
// connections to and closes a NodeFolders: the hosting port is the publisher (one request of kind
// autobase per set of new cores) and the ledger's view of this node's requests.
import { getRequest } from '../ledger/index.js'
import type { Ledger } from '../ledger/index.js'
import type { Publisher } from '../roles/publisher.js'
import type { Store, Swarm } from '../stack/index.js'
import { NodeFolders } from './node-folders.js'

export const FOLDERS_FILE = 'folders.json'

export function createNodeFolders(args: { store: Store; swarm: Swarm; ledger: Ledger; publisher: Publisher; registryPath: string; warn: (err: unknown) => void }): NodeFolders {
  return new NodeFolders({
    store: args.store,
    swarm: args.swarm,
    registryPath: args.registryPath,
    warn: args.warn,
    hosting: {
      follow: (core) => { args.publisher.serve(core) },
      requestCores: (cores, replicas) => args.publisher.publishCores(cores, { replicas, kind: 'autobase' }),
      requestCoreKeys: async (id) => {
        const r = await getRequest(args.ledger.kv, id)
        return r === null || (r.state !== 'queued' && r.state !== 'active') ? null : r.cores.map((c) => c.key)
      }
    }
  })
}
