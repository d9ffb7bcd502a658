// Names for accounts, so people see "node3" instead of a key. The ledger keeps no names: they come
// from this node's own name (`favor init --name`) and from its address book, `<dir>/names.json`
// (`{ "<account hex>": "name" }`), which the person (or the demo) writes and which never leaves the
// machine. The file is read again whenever it changes; a bad file is logged and ignored, and entries
// that are not a key and a short printable name are skipped.
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from '../runtime/index.js'
import { MAX_NAME_CHARS, MAX_NAMES, NAMES_FILE_NAME } from './constants.js'
import { isHexKey } from './validate.js'

export class NameBook {
  readonly path: string
  private cached: { mtimeMs: number, size: number, names: ReadonlyMap<string, string> } | null = null

  constructor(dir: string, private readonly own: () => { account: string, name: string | undefined }, private readonly log: Logger) {
    this.path = join(dir, NAMES_FILE_NAME)
  }

  /** account hex (lower case) → name; this node's own name wins over the address book's. */
  async names(): Promise<ReadonlyMap<string, string>> {
    const book = await this.book()
    const { account, name } = this.own()
    const own = name === undefined ? null : clean(name)
    if (own === null) return book
    return new Map([...book, [account.toLowerCase(), own]])
  }

  private async book(): Promise<ReadonlyMap<string, string>> {
    let st: { mtimeMs: number, size: number }
    try {
      st = await stat(this.path)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log.warn('address book unreadable', { path: this.path, err: (err as Error).message })
      this.cached = null
      return new Map()
    }
    if (this.cached !== null && this.cached.mtimeMs === st.mtimeMs && this.cached.size === st.size) return this.cached.names
    const names = new Map<string, string>()
    try {
      const parsed = JSON.parse(await readFile(this.path, 'utf8')) as unknown
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('expected an object { "<account hex>": "name" }')
      let skipped = 0
      for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
        const name = typeof value === 'string' ? clean(value) : null
        if (!isHexKey(key) || name === null || names.size >= MAX_NAMES) { skipped++; continue }
        names.set(key.toLowerCase(), name)
      }
      if (skipped > 0) this.log.warn('address book: entries skipped', { path: this.path, skipped })
    } catch (err) {
      this.log.warn('address book ignored', { path: this.path, err: (err as Error).message })
    }
    this.cached = { mtimeMs: st.mtimeMs, size: st.size, names }
    return names
  }
}

/** A name without control characters, trimmed and at most MAX_NAME_CHARS long; null when empty. */
function clean(raw: string): string | null {
  // eslint-disable-next-line no-control-regex -- control characters are what is removed
  const s = raw.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, MAX_NAME_CHARS)
  return s === '' ? null : s
}
