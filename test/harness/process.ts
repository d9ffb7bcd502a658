// Runs a TestPeer in a child Node.js process, driven by request/response messages over IPC.
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import type { BootstrapNode } from '../../src/stack/index.js'
import { withTimeout } from './wait.js'

export interface ChildRequest {
  id: number
  cmd: string
  args?: Record<string, unknown>
}

export type ChildResponse =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string }

/** Runs the sibling script with plain node when compiled, through tsx when run from sources. */
export function forkScript(scriptBase: string, args: string[], fromUrl: string): ChildProcess {
  const here = fileURLToPath(fromUrl)
  const ext = path.extname(here)
  const script = path.join(path.dirname(here), scriptBase + ext)
  return fork(script, args, {
    execArgv: ext === '.ts' ? ['--import', 'tsx'] : [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
}

export class PeerProcess {
  readonly name: string
  readonly child: ChildProcess
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  private readonly exited: Promise<number | null>
  private closing: Promise<void> | null = null

  constructor(name: string, child: ChildProcess) {
    this.name = name
    this.child = child
    child.on('message', (msg: ChildResponse) => {
      const waiter = this.pending.get(msg.id)
      if (!waiter) return
      this.pending.delete(msg.id)
      if (msg.ok) waiter.resolve(msg.result)
      else waiter.reject(new Error(`${name}: ${msg.error}`))
    })
    this.exited = new Promise((resolve) => {
      child.once('exit', (code) => {
        for (const waiter of this.pending.values()) waiter.reject(new Error(`${name} exited (code ${code})`))
        this.pending.clear()
        resolve(code)
      })
    })
  }

  get pid(): number {
    return this.child.pid ?? -1
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null
  }

  async call<T>(cmd: string, args: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<T> {
    const id = this.nextId++
    const reply = new Promise<unknown>((resolve, reject) => this.pending.set(id, { resolve, reject }))
    this.child.send({ id, cmd, args } satisfies ChildRequest)
    return (await withTimeout(reply, timeoutMs, `${this.name} answering ${cmd}`)) as T
  }

  /** Asks the child to close its peer and exit; kills it if it does not within the bound. Safe twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.alive) return
      try {
        await this.call('close', {}, 10_000)
      } catch {
        // fall through to the kill below
      }
      try {
        await withTimeout(this.exited, 5_000, `${this.name} exiting`)
      } catch {
        this.child.kill('SIGKILL')
        await this.exited
      }
    })()
    return this.closing
  }

  /** kill -9, as a crash. */
  async kill(): Promise<void> {
    if (this.alive) this.child.kill('SIGKILL')
    await this.exited
  }
}

export async function spawnPeerProcess(name: string, bootstrap: BootstrapNode[]): Promise<PeerProcess> {
  const child = forkScript('child-peer', [name, JSON.stringify(bootstrap)], import.meta.url)
  const proc = new PeerProcess(name, child)
  await proc.call('ready', {}, 20_000)
  return proc
}
