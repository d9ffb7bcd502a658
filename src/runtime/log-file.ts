// A rotating log file: one formatted line per record appended to `<dir>/favor.log`; past `maxBytes`
// the file becomes favor.log.1 (favor.log.1 becomes .2, …; the oldest beyond `keep` is deleted).
// Writes are synchronous so the last lines before a crash are on disk; a daemon logs little.
import { closeSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { formatRecord } from './logger.js'
import type { LogSink } from './logger.js'

export const LOG_FILE_NAME = 'favor.log'
export const DEFAULT_LOG_MAX_BYTES = 5 * 1024 * 1024
export const DEFAULT_LOG_KEEP = 3

export interface LogFile {
  readonly path: string
  readonly sink: LogSink
  close(): void
}

export interface LogFileOptions {
  /** Rotate when the file would grow past this. Default 5 MiB. */
  readonly maxBytes?: number
  /** Rotated files kept besides the current one. Default 3. */
  readonly keep?: number
}

export function logFilePath(dir: string): string {
  return join(dir, LOG_FILE_NAME)
}

/** Opens (appends to) the log file in `dir`. */
export function openLogFile(dir: string, opts: LogFileOptions = {}): LogFile {
  const path = logFilePath(dir)
  const maxBytes = opts.maxBytes ?? DEFAULT_LOG_MAX_BYTES
  const keep = opts.keep ?? DEFAULT_LOG_KEEP
  mkdirSync(dir, { recursive: true })
  let fd: number | null = openSync(path, 'a', 0o600)
  let size = statSync(path).size
  const rotate = (): void => {
    if (fd !== null) closeSync(fd)
    rmSync(`${path}.${keep}`, { force: true })
    for (let i = keep - 1; i >= 1; i--) {
      try {
        renameSync(`${path}.${i}`, `${path}.${i + 1}`)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
      }
    }
    if (keep >= 1) renameSync(path, `${path}.1`)
    else rmSync(path, { force: true })
    fd = openSync(path, 'a', 0o600)
    size = 0
  }
  const sink: LogSink = (record) => {
    if (fd === null) return
    const line = Buffer.from(`${formatRecord(record)}\n`)
    if (size > 0 && size + line.byteLength > maxBytes) rotate()
    writeSync(fd, line)
    size += line.byteLength
  }
  return {
    path,
    sink,
    close: () => {
      if (fd !== null) closeSync(fd)
      fd = null
    }
  }
}
