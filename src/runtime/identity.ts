// The node's identity file, `<dataDir>/node.json`: the secret seed every key of the node derives from,
// the network it belongs to and its readable name. It is written with mode 0600 (owner only), replaced
// atomically, and never silently recreated: a file that exists but cannot be read or parsed stops the
// node with IdentityError, because a fresh identity would be a different account on the network (its
// favor, agreements and indexer commitments would be lost without a word).
import { chmod, readFile } from 'node:fs/promises'
import path from 'node:path'
import { writeFileDurable } from './durable-file.js'
import { FavorError } from './errors.js'

export interface Identity {
  /** 32-byte secret seed, hex. */
  seed: string
  /** The network's key, hex; null until the node created or joined one. */
  networkKey: string | null
  name: string
}

export const IDENTITY_FILE = 'node.json'
const FILE_MODE = 0o600

/** The identity file exists but is unreadable or corrupt. */
export class IdentityError extends FavorError {
  static override readonly code = 'IDENTITY_UNREADABLE'
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, IdentityError.code, options)
    this.name = 'IdentityError'
  }
}

function parseIdentity(text: string, file: string): Identity {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch (err) {
    throw new IdentityError(`${file} is not valid JSON; restore it from a backup (a new identity would be a different account)`, { cause: err })
  }
  const o = v as Partial<Identity> | null
  if (o === null || typeof o !== 'object' || typeof o.seed !== 'string' || !/^[0-9a-f]{64}$/.test(o.seed) ||
      !(o.networkKey === null || (typeof o.networkKey === 'string' && /^[0-9a-f]{64}$/.test(o.networkKey))) || typeof o.name !== 'string') {
    throw new IdentityError(`${file} does not hold a valid identity (seed: 64 hex, networkKey: 64 hex or null, name: string); restore it from a backup`)
  }
  return { seed: o.seed, networkKey: o.networkKey, name: o.name }
}

/** The identity saved in `dataDir`, or null when there is none yet. Throws IdentityError when it is unreadable. */
export async function loadIdentity(dataDir: string): Promise<Identity | null> {
  const file = path.join(dataDir, IDENTITY_FILE)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw new IdentityError(`cannot read ${file}: ${(err as Error).message}`, { cause: err })
  }
  const id = parseIdentity(text, file)
  await chmod(file, FILE_MODE) // tighten files written by older versions
  return id
}

/** Writes the identity atomically and durably with mode 0600. */
export async function saveIdentity(dataDir: string, id: Identity): Promise<void> {
  const file = path.join(dataDir, IDENTITY_FILE)
  await writeFileDurable(file, JSON.stringify(id, null, 2), { mode: FILE_MODE })
}
