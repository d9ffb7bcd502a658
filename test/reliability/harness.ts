// Parent side of the reliability tests' node processes (node-proc.ts): fork, IPC calls with bounds,
// kill -9, SIGSTOP/SIGCONT, restart on the same directory, memory and fd figures.
import { fork, type ChildProcess } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { NetworkParams } from '../../src/ledger/index.js'
import type { ChallengeRecord } from '../../src/node.js'
import type { BootstrapNode } from '../../src/stack/index.js'

export interface ProcConfig {
  name: string
  dataDir: string
  bootstrap: BootstrapNode[]
  networkKey: string | null
  params?: Partial<NetworkParams>
  hoster?: { capacityBytes: number; group?: string }
  indexer?: boolean
  attestor?: boolean
  epochMs: number
  deadlineMs?: number
  connectTimeoutMs?: number
  concurrency?: number
}

export interface Hello {
  pid: number
  account: string
  nodeKey: string
  networkKey: string
}

export interface Assigned {
  epoch: number
  agreements: number[]
  hosters: string[]
  ticked: string[]
}

export interface ProcEvents {
  challenge: [ChallengeRecord]
  epoch: [{ epoch: number; time: number }]
  assigned: [Assigned]
  warning: [string]
  exit: [number | null]
}

type Msg = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string } | { event: keyof ProcEvents; data: unknown }

export class RelProc extends EventEmitter<ProcEvents> {
  readonly config: ProcConfig
  readonly child: ChildProcess
  hello: Hello = { pid: -1, account: '', nodeKey: '', networkKey: '' }
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>()
  private readonly exited: Promise<number | null>
  private closing: Promise<void> | null = null

  private constructor(config: ProcConfig, child: ChildProcess) {
    super()
    this.config = config
    this.child = child
    child.on('message', (msg: Msg) => {
      if ('event' in msg) {
        ;(this.emit as (e: string, d: unknown) => boolean)(msg.event, msg.data)
        return
      }
      const w = this.pending.get(msg.id)
      if (w === undefined) return
      this.pending.delete(msg.id)
      clearTimeout(w.timer)
      if (msg.ok) w.resolve(msg.result)
      else w.reject(new Error(`${config.name}: ${msg.error}`))
    })
    this.exited = new Promise((resolve) => {
      child.once('exit', (code) => {
        for (const w of this.pending.values()) {
          clearTimeout(w.timer)
          w.reject(new Error(`${config.name} exited (code ${String(code)})`))
        }
        this.pending.clear()
        this.emit('exit', code)
        resolve(code)
      })
    })
  }

  static async start(config: ProcConfig, timeoutMs = 40_000): Promise<RelProc> {
    const here = fileURLToPath(import.meta.url)
    const ext = path.extname(here)
    const child = fork(path.join(path.dirname(here), 'node-proc' + ext), [], {
      execArgv: ext === '.ts' ? ['--import', 'tsx'] : [],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      serialization: 'advanced'
    })
    const p = new RelProc(config, child)
    try {
      p.hello = await p.call<Hello>('open', { config }, timeoutMs)
    } catch (err) {
      await p.kill()
      throw err
    }
    return p
  }

  get name(): string {
    return this.config.name
  }

  get pid(): number {
    return this.child.pid ?? -1
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null
  }

  call<T>(cmd: string, args: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<T> {
    if (!this.alive) return Promise.reject(new Error(`${this.name} is not running`))
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new Error(`${this.name}: no answer to ${cmd} within ${timeoutMs} ms`))
      }, timeoutMs)
      this.pending.set(id, { resolve: (v) => resolve(v as T), reject, timer })
      this.child.send({ id, cmd, args })
    })
  }

  /** kill -9: a crash. */
  async kill(): Promise<void> {
    if (this.alive) this.child.kill('SIGKILL')
    await this.exited
  }

  /** SIGSTOP: the process stops answering anything (a cut of reachability); SIGCONT resumes it. */
  stop(): void {
    if (this.alive) this.child.kill('SIGSTOP')
  }

  cont(): void {
    if (this.alive) this.child.kill('SIGCONT')
  }

  /** RSS from /proc (works even while the process is busy) and open fds from /proc/<pid>/fd. */
  async procFigures(): Promise<{ rssBytes: number; fds: number }> {
    const status = await readFile(`/proc/${this.pid}/status`, 'utf8')
    const m = /VmRSS:\s+(\d+) kB/.exec(status)
    return { rssBytes: m ? Number(m[1]) * 1024 : 0, fds: (await readdir(`/proc/${this.pid}/fd`)).length }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.alive) return
      this.cont()
      try { await this.call('close', {}, 15_000) } catch { /* killed below */ }
      const t = new Promise<'timeout'>((resolve) => { setTimeout(() => resolve('timeout'), 5000).unref() })
      if ((await Promise.race([this.exited, t])) === 'timeout') {
        this.child.kill('SIGKILL')
        await this.exited
      }
    })()
    return this.closing
  }
}

/** Restarts a (killed) node on the same directory and network; returns the new process. */
export async function restart(p: RelProc, networkKey: string): Promise<RelProc> {
  if (p.alive) await p.kill()
  return RelProc.start({ ...p.config, networkKey })
}

/** JSON with bigints as strings, for failure messages. */
export function show(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x))
}
