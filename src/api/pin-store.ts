// What the ledger does not keep about a pin: its name, meta, origins and creation time. A small JSON
// file in the node's directory, written atomically and durably (writeFileDurable: temp file, fsync,
// rename), one write at a time.
import { FavorError } from '../errors.js'
import { mkdir } from 'node:fs/promises'
import { writeFileDurable } from '../runtime/index.js'
import { dirname, join } from 'node:path'
import { readOptionalFile } from './json-file.js'
import { PIN_STORE_FILE_NAME, PIN_STORE_VERSION } from './constants.js'

export interface PinRecord {
  /** The ledger request id. */
  readonly requestId: number
  /** The hypercore key, hex. */
  readonly cid: string
  readonly name: string | null
  readonly origins: readonly string[]
  readonly meta: Readonly<Record<string, string>>
  /** ISO 8601, when the API accepted the pin. */
  readonly created: string
  readonly replicas: number
  /** Removed through `DELETE /pins/{id}` or replaced: no longer listed. */
  readonly removed: boolean
  /** The request that replaced this one, or null. */
  readonly replacedBy: number | null
}

interface FileShape {
  version: number
  pins: PinRecord[]
}

export class CorruptPinStoreError extends FavorError {
  declare readonly code: 'CORRUPT_STATE'
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, 'CORRUPT_STATE', options)
  }
}

export class PinStore {
  readonly path: string
  private readonly pins = new Map<number, PinRecord>()
  private writing: Promise<void> = Promise.resolve()

  private constructor(path: string) {
    this.path = path
  }

  static async open(dir: string): Promise<PinStore> {
    const store = new PinStore(join(dir, PIN_STORE_FILE_NAME))
    const text = await readOptionalFile(store.path)
    if (text !== null) {
      let parsed: FileShape
      try {
        parsed = JSON.parse(text) as FileShape
      } catch (err) {
        throw new CorruptPinStoreError(`${store.path}: not valid JSON (${(err as Error).message})`)
      }
      if (parsed.version !== PIN_STORE_VERSION || !Array.isArray(parsed.pins)) {
        throw new CorruptPinStoreError(`${store.path}: unknown format version ${String(parsed.version)}`)
      }
      for (const p of parsed.pins) store.pins.set(p.requestId, p)
    }
    return store
  }

  get(requestId: number): PinRecord | undefined {
    return this.pins.get(requestId)
  }

  all(): PinRecord[] {
    return [...this.pins.values()]
  }

  async put(record: PinRecord): Promise<void> {
    this.pins.set(record.requestId, record)
    await this.flush()
  }

  async update(requestId: number, patch: Partial<Pick<PinRecord, 'removed' | 'replacedBy'>>): Promise<void> {
    const cur = this.pins.get(requestId)
    if (cur === undefined) return
    this.pins.set(requestId, { ...cur, ...patch })
    await this.flush()
  }

  /** Writes the whole file atomically; writes are serialised. Waits for the write that covers now. */
  flush(): Promise<void> {
    const snapshot: FileShape = { version: PIN_STORE_VERSION, pins: this.all().sort((a, b) => a.requestId - b.requestId) }
    // a failed earlier write was reported to its own flush() caller; this write goes on regardless
    const next = this.writing.catch(() => {}).then(async () => {
      await mkdir(dirname(this.path), { recursive: true })
      await writeFileDurable(this.path, `${JSON.stringify(snapshot, null, 2)}\n`, { mode: 0o600 })
    })
    this.writing = next
    return next
  }
}
