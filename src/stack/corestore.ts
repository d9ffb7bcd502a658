// Typed view of corestore 7: one RocksDB-backed store per node directory.
import Corestore from 'corestore'
import type { Duplex } from 'node:stream'
import type { Core } from './hypercore.js'
import type { KeyPair } from './crypto.js'

export type CoreOpts =
  | { key: Uint8Array; valueEncoding?: 'binary'; wait?: boolean }
  | { name: string; valueEncoding?: 'binary' }
  | { keyPair: KeyPair; valueEncoding?: 'binary' }

export interface Store {
  readonly closed: boolean
  readonly opened: boolean
  ready(): Promise<void>
  get(opts: CoreOpts): Core
  /** Replicates every core of the store over a connection (or creates a stream for an initiator flag). */
  replicate(stream: Duplex | boolean): Duplex
  namespace(name: string): Store
  session(): Store
  close(): Promise<void>
}

export function openStore(dir: string): Store {
  return new Corestore(dir) as Store
}
