// CPU hogs for the relay benchmark's "under load" runs: `node -e 'for(;;){}'` × n, killed by pid on
// stop, on process exit, and at the latest after `maxMs` (a bound even if the benchmark hangs).
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'

export interface Hogs {
  stop(): Promise<void>
}

export function startHogs(n: number, maxMs: number): Hogs {
  const procs: ChildProcess[] = []
  for (let i = 0; i < n; i++) procs.push(spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }))
  const killAll = (): void => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL')
  }
  process.once('exit', killAll)
  const guard = setTimeout(killAll, maxMs)
  guard.unref()
  return {
    async stop(): Promise<void> {
      clearTimeout(guard)
      process.removeListener('exit', killAll)
      const exited = procs.map((p) => (p.exitCode !== null || p.signalCode !== null)
        ? Promise.resolve()
        : new Promise<void>((resolve) => p.once('exit', () => resolve())))
      killAll()
      await Promise.race([Promise.all(exited), new Promise((resolve) => setTimeout(resolve, 5000).unref())])
    }
  }
}
