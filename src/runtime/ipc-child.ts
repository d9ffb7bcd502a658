// The parent side of a Node.js child process driven by request/response messages over IPC, with
// bounded calls, events pushed by the child, a clean close and a kill -9. The demo's node processes
// and the tests' peer and node processes are all this.
//
// Wire: parent → child `{ id, cmd, args }`; child → parent `{ id, ok: true, result }`,
// `{ id, ok: false, error }`, or an event `{ event, data }`. The child answers `close` by closing
// and exiting.
import { FavorError, TimeoutError, codeOf } from './errors.js'
import { fork, type ChildProcess, type StdioOptions } from 'node:child_process'
import { EventEmitter } from 'node:events'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

type Msg =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string; code?: string }
  | { event: string; data: unknown }

/** Events every IPC child emits; subclasses add the child's own. */
export interface IpcChildBaseEvents {
  exit: [number | null]
}

/**
 * Forks the sibling module `base` of `fromUrl` (its own extension): compiled `.js` runs on plain node,
 * a `.ts` source through tsx, so the same code works from `dist/` and in development.
 */
export function forkSibling(base: string, fromUrl: string, opts: { args?: string[]; stdio?: StdioOptions; advanced?: boolean } = {}): ChildProcess {
  const { script, execArgv } = siblingScript(base, fromUrl)
  return fork(script, opts.args ?? [], {
    execArgv,
    stdio: opts.stdio ?? ['ignore', 'ignore', 'inherit', 'ipc'],
    ...(opts.advanced === true ? { serialization: 'advanced' as const } : {})
  })
}

/** The path of sibling module `base` of `fromUrl` and the node flags it needs. */
export function siblingScript(base: string, fromUrl: string): { script: string; execArgv: string[] } {
  const here = fileURLToPath(fromUrl)
  const ext = path.extname(here)
  return { script: path.join(path.dirname(here), base + ext), execArgv: ext === '.ts' ? ['--import', 'tsx'] : [] }
}

export class IpcChild<Events extends IpcChildBaseEvents = IpcChildBaseEvents> extends EventEmitter {
  readonly name: string
  readonly child: ChildProcess
  /** Resolves with the exit code when the process has exited. */
  readonly exited: Promise<number | null>
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>()
  private closing: Promise<void> | null = null

  constructor(name: string, child: ChildProcess) {
    super()
    this.name = name
    this.child = child
    child.on('message', (msg: Msg) => {
      if ('event' in msg) {
        this.emit(msg.event, msg.data)
        return
      }
      const waiter = this.pending.get(msg.id)
      if (waiter === undefined) return
      this.pending.delete(msg.id)
      clearTimeout(waiter.timer)
      if (msg.ok) waiter.resolve(msg.result)
      else waiter.reject(new FavorError(`${name}: ${msg.error}`, msg.code === undefined || msg.code === '' ? 'CHILD_ERROR' : msg.code))
    })
    this.exited = new Promise((resolve) => {
      child.once('exit', (code) => {
        for (const waiter of this.pending.values()) {
          clearTimeout(waiter.timer)
          waiter.reject(new FavorError(`${name} exited (code ${String(code)})`, 'CHILD_EXITED'))
        }
        this.pending.clear()
        this.emit('exit', code)
        resolve(code)
      })
    })
  }

  override on<K extends keyof Events & string>(event: K, listener: (...args: Events[K] extends unknown[] ? Events[K] : never) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void)
  }

  get pid(): number {
    return this.child.pid ?? -1
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null
  }

  /** Sends a command; rejects when the child answers with an error, exits, or takes over `timeoutMs`. */
  call<T>(cmd: string, args: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<T> {
    if (!this.alive) return Promise.reject(new FavorError(`${this.name} is not running`, 'CHILD_EXITED'))
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new TimeoutError(`${this.name}: no answer to ${cmd} within ${timeoutMs} ms`))
      }, timeoutMs)
      this.pending.set(id, { resolve: (v) => resolve(v as T), reject, timer })
      this.child.send({ id, cmd, args })
    })
  }

  /** Why the child's own `close` failed, when it did (it was then killed). */
  closeError: unknown = null

  /** Asks the child to close and exit; kills it if it does not within the bounds. Safe twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.alive) return
      this.child.kill('SIGCONT') // a stopped child could not answer
      try {
        await this.call('close', {}, 15_000)
      } catch (err) {
        // it did not close cleanly (no answer, an error, or it exited): kept for the caller, killed below
        this.closeError = err
      }
      const timeout = new Promise<'timeout'>((resolve) => { setTimeout(() => resolve('timeout'), 5000).unref() })
      if ((await Promise.race([this.exited, timeout])) === 'timeout') {
        this.child.kill('SIGKILL')
        await this.exited
      }
    })()
    return this.closing
  }

  /** kill -9: a crash. */
  async kill(): Promise<void> {
    if (this.alive) this.child.kill('SIGKILL')
    await this.exited
  }
}

/**
 * The child side of the same wire: answers each `{ id, cmd, args }` with `handle`'s result or error,
 * and on `disconnect` (the parent went away) runs `onDisconnect` and exits, never lingering as an orphan.
 */
export function serveIpc(
  handle: (cmd: string, args: Record<string, unknown>) => Promise<unknown>,
  onDisconnect: () => Promise<unknown>
): void {
  const send = (msg: Msg): void => {
    if (process.connected) process.send?.(msg)
  }
  process.on('message', (msg: { id: number; cmd: string; args?: Record<string, unknown> }) => {
    handle(msg.cmd, msg.args ?? {}).then(
      (result) => send({ id: msg.id, ok: true, result }),
      (err: unknown) => send({ id: msg.id, ok: false, error: err instanceof Error ? err.message : String(err), code: codeOf(err) })
    )
  })
  process.on('disconnect', () => {
    void onDisconnect().finally(() => process.exit(0))
  })
}

/** Pushes an event to the parent (re-emitted there by IpcChild). */
export function sendIpcEvent(event: string, data: unknown): void {
  if (process.connected) process.send?.({ event, data })
}
