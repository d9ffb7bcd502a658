// Parent side of the reliability tests' node processes (node-proc.ts): fork, IPC calls with bounds,
// kill -9, SIGSTOP/SIGCONT, restart on the same directory, memory and fd figures.
import { fork, spawn, type ChildProcess } from 'node:child_process'
import { readdir, readFile } from 'node:fs/promises'
import { IpcChild, siblingScript } from '../../src/runtime/index.js'
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
  /** Address the node's DHT binds (default 127.0.0.1). */
  host?: string
  /** Run the process inside this network namespace (`ip netns exec <netns> node ...`). */
  netns?: string
  /**
   * Send an `assigned` event each epoch: what this node must attest (crash.test kills a node at that
   * moment). Off by default: reading every attestation of the epoch in every node is a load of its own.
   */
  assignedEvents?: boolean
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

export class RelProc extends IpcChild<ProcEvents> {
  readonly config: ProcConfig
  hello: Hello = { pid: -1, account: '', nodeKey: '', networkKey: '' }

  private constructor(config: ProcConfig, child: ChildProcess) {
    super(config.name, child)
    this.config = config
  }

  static async start(config: ProcConfig, timeoutMs = 40_000): Promise<RelProc> {
    const sib = siblingScript('node-proc', import.meta.url)
    const script = sib.script
    // FAVOR_CPU_PROF=name1,name2 (or 'all'): profile those node processes into FAVOR_CPU_PROF_DIR.
    const profiled = (process.env.FAVOR_CPU_PROF ?? '').split(',')
    const execArgv = profiled.includes(config.name) || profiled.includes('all')
      ? [...sib.execArgv, '--cpu-prof', `--cpu-prof-dir=${process.env.FAVOR_CPU_PROF_DIR ?? '/tmp/prof'}`]
      : sib.execArgv
    const stdio: ['ignore', 'ignore', 'inherit', 'ipc'] = ['ignore', 'ignore', 'inherit', 'ipc']
    // In a namespace: `ip netns exec` execs node in place, so the IPC channel (fd + env) carries over.
    const child = config.netns === undefined
      ? fork(script, [], { execArgv, stdio, serialization: 'advanced' })
      : spawn('ip', ['netns', 'exec', config.netns, process.execPath, ...execArgv, script], { stdio, serialization: 'advanced' })
    const p = new RelProc(config, child)
    try {
      p.hello = await p.call<Hello>('open', { config }, timeoutMs)
    } catch (err) {
      await p.kill()
      throw err
    }
    return p
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
