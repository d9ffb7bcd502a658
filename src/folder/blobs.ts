// File contents in a member's own blobs core: a file is a run of 64 KiB blocks (like Hyperblobs'
// default), named by { core, start, blocks, bytes }. Writes are serialized so two adds never interleave
// their blocks.
import { open, type FileHandle } from 'node:fs/promises'
import type { Core, Store } from '../stack/index.js'
import { FolderError } from './errors.js'
import type { BlobRef } from './ops.js'

export const BLOB_BLOCK = 64 * 1024

export class BlobWriter {
  private queue: Promise<unknown> = Promise.resolve()
  constructor(readonly core: Core) {}

  /** Appends a file's bytes; returns where they are and the file's mtime when it was read. */
  writeFile(localPath: string): Promise<{ blob: BlobRef; mtime: number }> {
    const run = this.queue.then(() => this.append(localPath))
    this.queue = run.catch(() => undefined)
    return run
  }

  private async append(localPath: string): Promise<{ blob: BlobRef; mtime: number }> {
    let fh: FileHandle
    try {
      fh = await open(localPath, 'r')
    } catch (err) {
      throw new FolderError('NOT_FOUND', `cannot read ${localPath}`, { cause: err })
    }
    try {
      const st = await fh.stat()
      if (!st.isFile()) throw new FolderError('NOT_FOUND', `not a file: ${localPath}`)
      const start = this.core.length
      let bytes = 0
      let batch: Buffer[] = []
      for (;;) {
        const buf = Buffer.alloc(BLOB_BLOCK)
        const { bytesRead } = await fh.read(buf, 0, BLOB_BLOCK, bytes)
        if (bytesRead === 0) break
        batch.push(bytesRead === BLOB_BLOCK ? buf : buf.subarray(0, bytesRead))
        bytes += bytesRead
        if (batch.length === 16) {
          await this.core.append(batch)
          batch = []
        }
      }
      if (batch.length > 0) await this.core.append(batch)
      return { blob: { core: this.core.key.toString('hex'), start, blocks: this.core.length - start, bytes }, mtime: Math.floor(st.mtimeMs) }
    } finally {
      await fh.close()
    }
  }
}

/** Reads a blob's bytes from whoever serves its core (waiting at most `timeoutMs` per block). */
export async function readBlob(store: Store, blob: BlobRef, timeoutMs: number): Promise<Buffer> {
  if (blob.blocks === 0) return Buffer.alloc(0)
  const core = store.get({ key: Buffer.from(blob.core, 'hex') })
  try {
    await core.ready()
    const parts: Buffer[] = []
    for (let i = blob.start; i < blob.start + blob.blocks; i++) {
      const b = await core.get(i, { timeout: timeoutMs }).catch((err: unknown) => {
        throw new FolderError('BLOB_UNAVAILABLE', `block ${i} of blobs core ${blob.core.slice(0, 12)}… is not available from any peer`, { cause: err })
      })
      if (b === null) throw new FolderError('BLOB_UNAVAILABLE', `block ${i} of blobs core ${blob.core.slice(0, 12)}… is missing`)
      parts.push(b)
    }
    const out = Buffer.concat(parts)
    if (out.byteLength !== blob.bytes) throw new FolderError('BLOB_UNAVAILABLE', `blob has ${out.byteLength} bytes, the index says ${blob.bytes}`)
    return out
  } finally {
    await core.close()
  }
}
