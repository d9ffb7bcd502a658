// Typed adapter for localdrive 2.2.1 + mirror-drive 1.14.2: Holepunch's own way to import a folder into
// a Hyperdrive (`new MirrorDrive(new Localdrive(dir), drive).done()`).
//
// NOT re-exported from src/stack/index.ts, on purpose: both are devDependencies, used only by the
// folder benchmark (bench/folder.ts) as the baseline Favor's import is measured against. Nothing in
// src/ may import this file; a production install (`npm ci --omit=dev`) does not have them.
import type { Drive } from './hyperdrive.js'

export interface MirrorCount {
  files: number
  add: number
  remove: number
  change: number
}

/** Mirrors the folder `dir` into `drive` (a writable Hyperdrive) the stock way; resolves with mirror-drive's counts. */
export async function mirrorFolderInto(dir: string, drive: Drive): Promise<MirrorCount> {
  const [{ default: Localdrive }, { default: MirrorDrive }] = await Promise.all([import('localdrive'), import('mirror-drive')])
  const local = new Localdrive(dir)
  try {
    const m = new MirrorDrive(local, drive)
    await m.done()
    return { ...m.count } as MirrorCount
  } finally {
    await local.close()
  }
}
