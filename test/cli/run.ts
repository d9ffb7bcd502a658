// Running a `favor` binary from the tests: one-shot commands (exit code, stdout, stderr), the repo's
// own CLI (`favorCli`: the compiled one with plain node, or main.ts through tsx when the tests run from
// sources), and long-running ones (`start`, `testnet`) whose first JSON document on stdout is awaited.
import { execFile, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { withTimeout } from '../harness/wait.js'

const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
export const MAIN = fileURLToPath(new URL(`../../src/cli/main${EXT}`, import.meta.url))
export const NODE_ARGS = EXT === '.ts' ? ['--import', 'tsx'] : []

/** Runs this repository's `favor` CLI to completion with extra environment variables. */
export function favorCli(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return run(process.execPath, [...NODE_ARGS, MAIN, ...args], { env: { ...process.env, ...env } })
}

export interface Result {
  code: number
  stdout: string
  stderr: string
}

/** Runs `cmd args` to completion (bounded by `timeoutMs`). */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv, timeoutMs?: number, cwd?: string } = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 60_000, cwd: opts.cwd, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1
      resolve({ code, stdout, stderr })
    })
  })
}

/** Parses the command's stdout as JSON, failing with what it printed when it is not. */
export function json<T>(r: Result): T {
  try {
    return JSON.parse(r.stdout) as T
  } catch {
    throw new Error(`expected JSON on stdout, got: ${r.stdout}\nstderr: ${r.stderr}`)
  }
}

export interface LongRunning<T> {
  readonly child: ChildProcess
  /** The first JSON document the process printed. */
  readonly info: T
  stderr(): string
  /** Resolves with the exit code once the process ended (bounded). */
  exited(ms: number): Promise<number | null>
}

/** Spawns a long-running command and waits (bounded) for its first complete JSON document on stdout. */
export async function spawnJson<T>(cmd: string, args: string[], ms: number, env: NodeJS.ProcessEnv = process.env): Promise<LongRunning<T>> {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stderr.on('data', (d: Buffer) => { err += d.toString() })
  const exit = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
  const info = await withTimeout(new Promise<T>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      try {
        resolve(JSON.parse(out) as T)
      } catch { /* not complete yet */ }
    })
    void exit.then(([code]) => { reject(new Error(`${args.join(' ')} exited with ${String(code)} before printing JSON: ${out}\n${err}`)) })
  }), ms, `${args[0] ?? cmd} to print its JSON`).catch((e: unknown) => {
    child.kill('SIGKILL')
    throw e
  })
  return {
    child,
    info,
    stderr: () => err,
    exited: async (wait) => (await withTimeout(exit, wait, `${args[0] ?? cmd} to exit`))[0]
  }
}
