// Runs the `favor` CLI in a child process: the compiled one with plain node, or main.ts through tsx
// when the tests run from sources.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
export const MAIN = fileURLToPath(new URL(`../../src/cli/main${EXT}`, import.meta.url))
export const NODE_ARGS = EXT === '.ts' ? ['--import', 'tsx'] : []

export function favorCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number, stdout: string, stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...NODE_ARGS, MAIN, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1
      resolve({ code, stdout, stderr })
    })
  })
}
