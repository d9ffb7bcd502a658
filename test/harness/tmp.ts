// Temp directories that tests create and always remove.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'

export async function makeTempDir(label: string): Promise<string> {
  return mkdtemp(path.join(tmpdir(), `favor-${label.replace(/[^a-z0-9-]/gi, '_')}-`))
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 3 })
}
