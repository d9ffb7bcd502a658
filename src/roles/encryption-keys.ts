// The block-encryption keys of this node's encrypted cores and drives, `<dataDir>/encryption-keys.json`
// (mode 0600, replaced atomically). Hypercore never stores a session's encryption key, so this file is
// the only place it lives: every session the node opens on one of these cores for writing must get it
// again, or an append after a restart would be written in plaintext. A key is written here BEFORE the
// first block is encrypted with it, so a crash can never leave blocks no one can read.
import { randomBytes } from 'node:crypto'
import { chmod, mkdir, readFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { FavorError, isErrno } from '../errors.js'
import { writeFileDurable } from '../runtime/index.js'
import { ENCRYPTION_KEY_BYTES } from '../stack/index.js'

export const ENCRYPTION_KEYS_FILE = 'encryption-keys.json'
const FILE_MODE = 0o600
const VERSION = 1
const HEX32 = /^[0-9a-f]{64}$/

export interface EncryptedUnit {
  kind: 'drive' | 'core'
  /** The drive key (a drive) or the core key (a core); null while a new drive is being created. */
  unit: string | null
  /** The block-encryption key, hex. */
  key: string
  /** The unit's cores (a drive: metadata then blobs, once known). */
  cores: string[]
  /** A drive's folder (its real path): re-publishing that folder reuses this drive and key. */
  root: string | null
  /** Whether the key was handed out once (`reveal`): it is printed once, then only kept here. */
  shown: boolean
}

/** The key file exists but cannot be read or parsed: the node stops rather than lose the keys. */
export class EncryptionKeysError extends FavorError {
  static override readonly code = 'ENCRYPTION_KEYS_UNREADABLE'
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, EncryptionKeysError.code, options)
  }
}

function parseUnits(text: string, file: string): EncryptedUnit[] {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch (err) {
    throw new EncryptionKeysError(`${file} is not valid JSON; restore it from a backup (without it the encrypted cores cannot be read or extended)`, { cause: err })
  }
  const o = v as { version?: unknown; units?: unknown } | null
  if (o === null || typeof o !== 'object' || o.version !== VERSION || !Array.isArray(o.units)) {
    throw new EncryptionKeysError(`${file} is not a version ${VERSION} key file; restore it from a backup`)
  }
  return o.units.map((u: unknown, i) => {
    const e = u as Partial<EncryptedUnit> | null
    const ok = e !== null && typeof e === 'object' && (e.kind === 'drive' || e.kind === 'core') &&
      (e.unit === null || (typeof e.unit === 'string' && HEX32.test(e.unit))) && typeof e.key === 'string' && HEX32.test(e.key) &&
      Array.isArray(e.cores) && e.cores.every((c) => typeof c === 'string' && HEX32.test(c)) &&
      (e.root === null || typeof e.root === 'string') && typeof e.shown === 'boolean'
    if (!ok) throw new EncryptionKeysError(`${file}: entry ${i} is not a valid key record; restore the file from a backup`)
    return { kind: e.kind, unit: e.unit, key: e.key, cores: [...(e.cores as string[])], root: e.root, shown: e.shown } as EncryptedUnit
  })
}

export class EncryptionKeys {
  private writing: Promise<void> = Promise.resolve()

  private constructor(readonly path: string, private readonly units: EncryptedUnit[]) {}

  /** Loads the file (none yet: no keys); tightens its mode to 0600. */
  static async open(path: string): Promise<EncryptionKeys> {
    let text: string
    try {
      text = await readFile(path, 'utf8')
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return new EncryptionKeys(path, [])
      throw new EncryptionKeysError(`cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
    }
    const units = parseUnits(text, path)
    await chmod(path, FILE_MODE)
    return new EncryptionKeys(path, units)
  }

  /** The encryption key of one of this node's cores, or null for a plain (or foreign) core. */
  keyForCore(coreKey: string): Buffer | null {
    const u = this.units.find((x) => x.cores.includes(coreKey.toLowerCase()))
    return u === undefined ? null : Buffer.from(u.key, 'hex')
  }

  /** The unit a core belongs to, if it is one of this node's encrypted cores. */
  unitOfCore(coreKey: string): EncryptedUnit | null {
    const hex = coreKey.toLowerCase()
    return this.units.find((x) => x.cores.includes(hex) || x.unit === hex) ?? null
  }

  /** The encrypted drive of a folder, if it was ever published encrypted. */
  driveOfRoot(root: string): EncryptedUnit | null {
    return this.units.find((x) => x.kind === 'drive' && x.root === root) ?? null
  }

  /** A new key for a folder's encrypted drive, saved before the drive is opened with it. */
  async createForRoot(root: string): Promise<Buffer> {
    const existing = this.driveOfRoot(root)
    if (existing !== null) return Buffer.from(existing.key, 'hex')
    const key = randomBytes(ENCRYPTION_KEY_BYTES)
    this.units.push({ kind: 'drive', unit: null, key: key.toString('hex'), cores: [], root, shown: false })
    await this.flush()
    return key
  }

  /** Records a drive's key and cores once they are known (the blobs core appears with the drive). */
  async setDriveCores(root: string, driveKey: string, cores: string[]): Promise<void> {
    const u = this.driveOfRoot(root)
    if (u === null) throw new Error(`no encrypted drive recorded for ${root}`)
    const next = [...new Set([...u.cores, ...cores])]
    if (u.unit === driveKey && next.length === u.cores.length) return
    u.unit = driveKey
    u.cores = next
    await this.flush()
  }

  /** A new key for a single core (by its key, known before any block is written), saved first. */
  async createForCore(coreKey: string): Promise<Buffer> {
    const hex = coreKey.toLowerCase()
    const existing = this.keyForCore(hex)
    if (existing !== null) return existing
    const key = randomBytes(ENCRYPTION_KEY_BYTES)
    this.units.push({ kind: 'core', unit: hex, key: key.toString('hex'), cores: [hex], root: null, shown: false })
    await this.flush()
    return key
  }

  /**
   * The unit's key, the first time it is asked for (then marked shown: it is printed once); null when
   * it was shown already (it stays in this file) or the core is not encrypted.
   */
  async reveal(coreKey: string): Promise<string | null> {
    const u = this.unitOfCore(coreKey)
    if (u === null || u.shown) return null
    u.shown = true
    await this.flush()
    return u.key
  }

  /** Writes the whole file atomically with mode 0600 (fsynced before the rename); writes are serialised. */
  private flush(): Promise<void> {
    const text = `${JSON.stringify({ version: VERSION, units: this.units }, null, 2)}\n`
    const next = this.writing.catch(() => {}).then(async () => {
      await mkdir(dirname(this.path), { recursive: true })
      await writeFileDurable(this.path, text, { mode: FILE_MODE })
    })
    this.writing = next
    return next
  }
}
