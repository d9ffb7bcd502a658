// The store as apply sees it: any failure of the underlying LedgerKV becomes a StoreError, which apply
// lets through (it stops apply) instead of recording a rejection that only this node would make.
import { StoreError } from './errors.js'
import type { LedgerKV } from './kv.js'

export class GuardedKV implements LedgerKV {
  private readonly kv: LedgerKV

  constructor(kv: LedgerKV) {
    this.kv = kv
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      return await this.kv.get(key)
    } catch (err) {
      throw new StoreError('read', key, err)
    }
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    try {
      await this.kv.put(key, value)
    } catch (err) {
      throw new StoreError('write', key, err)
    }
  }

  async del(key: string): Promise<void> {
    try {
      await this.kv.del(key)
    } catch (err) {
      throw new StoreError('delete', key, err)
    }
  }

  async *scan(prefix: string): AsyncIterable<[string, Uint8Array]> {
    // only the store's own failures: an error the consumer throws between entries is not caught here
    const it = this.kv.scan(prefix)[Symbol.asyncIterator]()
    for (;;) {
      let r: IteratorResult<[string, Uint8Array]>
      try {
        r = await it.next()
      } catch (err) {
        throw new StoreError('read', `${prefix}*`, err)
      }
      if (r.done === true) return
      yield r.value
    }
  }
}
