// The node's list of shared folders (`<dataDir>/folders.json`): which folders it is in (or reads),
// the store namespace each lives in, and the hosting requests it made for each. Rewritten atomically.
import { readFile, rename, writeFile } from 'node:fs/promises'

export interface FolderRecord {
  key: string
  name: string
  /** The store namespace of the folder's Autobase and this node's blobs core. */
  ns: string
  /** Ledger requests this node made to host the folder's cores (one per set of new cores). */
  requests: number[]
  /** Replicas to ask for new cores (null: this node does not host the folder). */
  replicas: number | null
}

export class FolderRegistry {
  private constructor(readonly path: string, readonly records: FolderRecord[]) {}

  static async open(path: string): Promise<FolderRegistry> {
    let records: FolderRecord[] = []
    try {
      records = (JSON.parse(await readFile(path, 'utf-8')) as { folders: FolderRecord[] }).folders
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
    return new FolderRegistry(path, records)
  }

  find(ref: string): FolderRecord | undefined {
    const r = ref.toLowerCase()
    return this.records.find((f) => f.key === r) ?? this.records.find((f) => f.name === ref) ?? (r.length >= 8 ? this.records.find((f) => f.key.startsWith(r)) : undefined)
  }

  async save(): Promise<void> {
    const tmp = `${this.path}.tmp`
    await writeFile(tmp, JSON.stringify({ folders: this.records }, null, 2), { mode: 0o600 })
    await rename(tmp, this.path)
  }
}
