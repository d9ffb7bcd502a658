// The node's side of shared folders in one place, so src/node.ts only constructs, starts, feeds
// connections to and closes a NodeFolders. The hosting port is the publisher and the ledger: a folder's
// first cores are one request of kind autobase; later cores extend that request (`extend`, contract
// version 2) or, under version 1, become a request of their own.
import { getMeta, getRequest, versionInForce, type AppliedInfo, type Ledger } from '../ledger/index.js'
import type { Publisher } from '../roles/publisher.js'
import { storedByteLength, type Core, type Store, type Swarm } from '../stack/index.js'
import { FolderError } from './errors.js'
import { NodeFolders } from './node-folders.js'

export const FOLDERS_FILE = 'folders.json'

/** How long to wait for this node's own `extend` to be applied. */
const APPLY_TIMEOUT_MS = 15_000

/** Appends `extend` and waits until the request names the cores (or the contract refused it). */
async function extend(ledger: Ledger, account: string, requestId: number, cores: Core[]): Promise<void> {
  const seen: { refusal: string | null } = { refusal: null }
  const onApplied = (info: AppliedInfo): void => {
    if (info.writer === account && info.result.type === 'extend' && !info.result.ok) seen.refusal = `${info.result.reason} (${info.result.code})`
  }
  ledger.on('applied', onApplied)
  try {
    await ledger.append({ type: 'extend', time: Date.now(), requestId, cores: cores.map((c) => ({ key: c.key, length: c.length, byteLength: storedByteLength(c), fork: c.fork })) })
    const want = cores.map((c) => c.key.toString('hex'))
    const deadline = Date.now() + APPLY_TIMEOUT_MS
    while (Date.now() < deadline) {
      const r = await getRequest(ledger.kv, requestId)
      if (r !== null && want.every((k) => r.cores.some((c) => c.key === k))) return
      if (seen.refusal !== null) throw new FolderError('HOSTING_REFUSED', `the ledger refused extending request ${requestId}: ${seen.refusal}`)
      await ledger.update()
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new FolderError('HOSTING_TIMEOUT', `extending request ${requestId} was not applied within ${APPLY_TIMEOUT_MS} ms`)
  } finally {
    ledger.off('applied', onApplied)
  }
}

export function createNodeFolders(args: { store: Store; swarm: Swarm; ledger: Ledger; publisher: Publisher; registryPath: string; warn: (err: unknown) => void }): NodeFolders {
  const { ledger, publisher } = args
  return new NodeFolders({
    store: args.store,
    swarm: args.swarm,
    registryPath: args.registryPath,
    warn: args.warn,
    hosting: {
      follow: (core) => { publisher.serve(core) },
      addCores: async (cores, replicas, into) => {
        const meta = await getMeta(ledger.kv)
        if (into !== null && meta !== null && versionInForce(meta).contractVersion >= 2) {
          for (const c of cores) publisher.serve(c)
          await extend(ledger, ledger.account, into, cores)
          return { requestId: into }
        }
        return publisher.publishCores(cores, { replicas, kind: 'autobase' })
      },
      requestCoreKeys: async (id) => {
        const r = await getRequest(ledger.kv, id)
        return r === null || (r.state !== 'queued' && r.state !== 'active') ? null : r.cores.map((c) => c.key)
      }
    }
  })
}
