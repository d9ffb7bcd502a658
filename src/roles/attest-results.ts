// The results of this epoch's challenges, kept in `<dataDir>/challenge-results.json` until the epoch's
// one batched `report` is appended: each challenge runs as its own task, so a result must outlive a
// kill -9 between its challenge and the report (the challenge task is deleted once its result is here).
// Only one epoch is kept — a report for a past epoch is refused. Results are stored as the ledger's own
// encoding of a one-result report op (hex), so they round-trip exactly.
import { readFile } from 'node:fs/promises'
import { FavorError } from '../errors.js'
import { decodeOp, encodeOp, type ReportResult } from '../ledger/index.js'
import { writeFileDurable } from '../runtime/index.js'

export const ATTEST_RESULTS_FILE = 'challenge-results.json'
const VERSION = 1

interface FileShape {
  version: number
  epoch: number
  /** agreement id → the encoded one-result report op (hex). */
  results: Record<string, string>
}

export class CorruptResultsError extends FavorError {
  static override readonly code = 'CORRUPT_STATE'
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, CorruptResultsError.code, options)
  }
}

function encodeResult(epoch: number, r: ReportResult): string {
  return encodeOp({ type: 'report', time: 0, epoch, results: [r] }).toString('hex')
}

function decodeResult(hex: string): ReportResult {
  let op
  try {
    op = decodeOp(Buffer.from(hex, 'hex'))
  } catch (err) {
    throw new CorruptResultsError('a stored challenge result does not decode', { cause: err })
  }
  const r = op.type === 'report' ? op.results[0] : undefined
  if (r === undefined) throw new CorruptResultsError('a stored challenge result is not a one-result report')
  return r
}

export class AttestResults {
  readonly path: string
  private epoch = 0
  private results = new Map<number, string>()
  /** Writes in order, one at a time. */
  private writing: Promise<void> = Promise.resolve()

  private constructor(path: string) {
    this.path = path
  }

  /** Loads the file (none yet: empty). A file that does not parse stops the node (CorruptResultsError). */
  static async open(path: string): Promise<AttestResults> {
    const store = new AttestResults(path)
    let text: string
    try {
      text = await readFile(path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return store
      throw err
    }
    let f: FileShape
    try {
      f = JSON.parse(text) as FileShape
    } catch (err) {
      throw new CorruptResultsError(`${path}: not valid JSON`, { cause: err })
    }
    if (f.version !== VERSION || !Number.isSafeInteger(f.epoch) || typeof f.results !== 'object' || f.results === null) {
      throw new CorruptResultsError(`${path}: unknown format`)
    }
    store.epoch = f.epoch
    for (const [id, hex] of Object.entries(f.results)) {
      decodeResult(hex) // refuse a damaged entry now rather than at report time
      store.results.set(Number(id), hex)
    }
    return store
  }

  has(epoch: number, agreementId: number): boolean {
    return this.epoch === epoch && this.results.has(agreementId)
  }

  /** The kept results of `epoch`, by agreement id. */
  of(epoch: number): ReportResult[] {
    if (this.epoch !== epoch) return []
    return [...this.results.entries()].sort(([a], [b]) => a - b).map(([, hex]) => decodeResult(hex))
  }

  /** Keeps a result durably (a result of a newer epoch drops the older epoch's). */
  put(epoch: number, r: ReportResult): Promise<void> {
    if (epoch < this.epoch) return Promise.resolve() // a late challenge of a past epoch: its report is refused anyway
    if (epoch > this.epoch) {
      this.epoch = epoch
      this.results = new Map()
    }
    this.results.set(r.agreementId, encodeResult(epoch, r))
    return this.save()
  }

  /** Forgets `epoch`'s results (its report was appended). */
  clear(epoch: number): Promise<void> {
    if (this.epoch !== epoch || this.results.size === 0) return this.writing
    this.results = new Map()
    return this.save()
  }

  /** Resolves when the writes asked so far are done. */
  flush(): Promise<void> {
    return this.writing.catch(() => undefined)
  }

  private save(): Promise<void> {
    const f: FileShape = { version: VERSION, epoch: this.epoch, results: Object.fromEntries([...this.results].map(([id, hex]) => [String(id), hex])) }
    const text = JSON.stringify(f)
    // each write's failure goes to its caller; the next write goes on regardless
    const next = this.writing.catch(() => undefined).then(() => writeFileDurable(this.path, text))
    this.writing = next
    return next
  }
}
