// Which statement backed each credit line this node opened for a member of another network
// (`POST /sponsor/statement`). The ledger keeps only the line (sponsor → account, amount); the backing
// is this node's own record, like the pin names of pin-store.ts: a small JSON file in the node's
// directory, written atomically (temp file + rename), one write at a time.
import { rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { readOptionalFile } from './json-file.js'

export const CREDIT_STORE_FILE_NAME = 'statement-lines.json'
const CREDIT_STORE_VERSION = 1

export interface CreditBacking {
  /** The account in this network the line was opened for. */
  readonly to: string
  /** Micro-favor escrowed by this node (decimal string). */
  readonly amount: string
  /** The terms: the rate (decimal), the limit (micro-favor) and the basis ('balance'). */
  readonly rate: string
  readonly limit: string
  readonly basis: 'balance'
  readonly boundBy: 'rate' | 'limit'
  /** The statement: its network and account, what it proved, and a SHA-256 of the file. */
  readonly statement: {
    readonly network: string
    readonly networkFrom: 'given' | 'file'
    readonly account: string
    readonly version: number
    readonly epoch: number
    readonly epochTime: number | null
    readonly balance: string
    readonly chainLinks: number
    readonly bytes: number
    readonly sha256: string
  }
  /** ISO 8601, when the line was opened. */
  readonly created: string
}

export class CorruptCreditStoreError extends Error {
  readonly code = 'CORRUPT_STATE'
  override name = 'CorruptCreditStoreError'
}

export class CreditStore {
  private readonly records: CreditBacking[] = []
  private writing: Promise<void> = Promise.resolve()

  private constructor(readonly path: string) {}

  static async open(dir: string): Promise<CreditStore> {
    const store = new CreditStore(join(dir, CREDIT_STORE_FILE_NAME))
    const text = await readOptionalFile(store.path)
    if (text !== null) {
      let parsed: { version?: unknown, lines?: unknown }
      try {
        parsed = JSON.parse(text) as { version?: unknown, lines?: unknown }
      } catch (err) {
        throw new CorruptCreditStoreError(`${store.path}: not valid JSON (${(err as Error).message})`)
      }
      if (parsed.version !== CREDIT_STORE_VERSION || !Array.isArray(parsed.lines)) {
        throw new CorruptCreditStoreError(`${store.path}: unknown format version ${String(parsed.version)}`)
      }
      store.records.push(...(parsed.lines as CreditBacking[]))
    }
    return store
  }

  all(): readonly CreditBacking[] {
    return this.records
  }

  async add(record: CreditBacking): Promise<void> {
    this.records.push(record)
    const text = JSON.stringify({ version: CREDIT_STORE_VERSION, lines: this.records }, null, 2)
    const write = this.writing.then(async () => {
      const tmp = `${this.path}.tmp`
      await writeFile(tmp, text)
      await rename(tmp, this.path)
    })
    this.writing = write.catch(() => undefined) // the failure is reported to this add's caller (below)
    await write
  }
}
