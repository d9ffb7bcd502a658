// Parent side of a FavorNode running in its own process (src/demo/node-process.ts), driven over IPC.
// Uses Node's advanced serialization so bigint amounts cross the boundary as they are.
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import { EventEmitter } from 'node:events'
import type { BootstrapNode } from '../stack/index.js'
import type { NetworkParams } from '../ledger/index.js'
import type { ChallengeRecord, MirrorProgress } from '../roles/types.js'

export interface ChildNodeConfig {
  name: string
  dataDir: string
  bootstrap: BootstrapNode[]
  networkKey: string | null
  params?: Partial<NetworkParams>
  hoster?: { capacityBytes: number; group?: string }
  indexer?: boolean
  epochMs: number
  deadlineMs?: number
  connectTimeoutMs?: number
  /** Serve the HTTP API and dashboard from this node (127.0.0.1, a free port). */
  api?: boolean
}

export interface ChildHello {
  pid: number
  account: string
  nodeKey: string
  networkKey: string
  /** The node's API and dashboard, when `api` was asked for. */
  apiUrl: string | null
}

export interface ChildEvents {
  challenge: [ChallengeRecord]
  'mirror-progress': [MirrorProgress]
  epoch: [{ epoch: number; time: number }]
  warning: [string]
  exit: [number | null]
}

type Msg =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string }
  | { event: string; data: unknown }

export class ChildNode extends EventEmitter<ChildEvents> {
  readonly name: string
  readonly child: ChildProcess
  hello: ChildHello | null = null
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>()
  private readonly exited: Promise<number | null>
  private closing: Promise<void> | null = null

  private constructor(name: string, child: ChildProcess) {
    super()
    this.name = name
    this.child = child
    child.on('message', (msg: Msg) => {
      if ('event' in msg) {
        this.emit(msg.event as 'warning', msg.data as string)
        return
      }
      const w = this.pending.get(msg.id)
      if (!w) return
      this.pending.delete(msg.id)
      clearTimeout(w.timer)
      if (msg.ok) w.resolve(msg.result)
      else w.reject(new Error(`${name}: ${msg.error}`))
    })
    this.exited = new Promise((resolve) => {
      child.once('exit', (code) => {
        for (const w of this.pending.values()) {
          clearTimeout(w.timer)
          w.reject(new Error(`${name} exited (code ${String(code)})`))
        }
        this.pending.clear()
        this.emit('exit', code)
        resolve(code)
      })
    })
  }

  /** Forks node-process (.js with plain node, .ts through tsx) and waits for its node to open. */
  static async start(config: ChildNodeConfig, timeoutMs = 30_000): Promise<ChildNode> {
    const here = fileURLToPath(import.meta.url)
    const ext = path.extname(here)
    const script = path.join(path.dirname(here), 'node-process' + ext)
    const child = fork(script, [], {
      execArgv: ext === '.ts' ? ['--import', 'tsx'] : [],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      serialization: 'advanced'
    })
    const node = new ChildNode(config.name, child)
    try {
      node.hello = await node.call<ChildHello>('open', { config }, timeoutMs)
    } catch (err) {
      await node.kill()
      throw err
    }
    return node
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

  /** Closes the node and waits for the process to exit; kills it if it does not. Safe twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.alive) return
      try { await this.call('close', {}, 15_000) } catch { /* killed below */ }
      const t = new Promise<'timeout'>((resolve) => { const x = setTimeout(() => resolve('timeout'), 5000); x.unref() })
      if ((await Promise.race([this.exited, t])) === 'timeout') {
        this.child.kill('SIGKILL')
        await this.exited
      }
    })()
    return this.closing
  }

  /** SIGKILL: a crash. */
  async kill(): Promise<void> {
    if (this.alive) this.child.kill('SIGKILL')
    await this.exited
  }
}
