// The node's runtime: the persistent task scheduler that runs the node's work and the resource manager
// that owns what the roles open (hosted cores, with reference counts) and the disk quota. FavorNode
// creates one, registers a handler per task kind, opens it after the roles started and closes it
// before them. The queue is `<dataDir>/tasks.json` (every kind but `reconcile`, which each start and
// every poll enqueue anyway), so a task unfinished at a stop — even kill -9 — resumes at the next start.
import { describeError } from './errors.js'
import {
  ClosedError, DEFAULT_MAX_TRANSFERS, DiskQuota, FileTaskStore, ResourceManager, Scheduler, TransientKindsStore,
  type KindDepth, type Logger, type ResourceUsage, type SchedulerCounters, type TaskContext
} from './runtime/index.js'
import type { NodeTasks, RoleTasks, TaskKind } from './roles/tasks.js'

/** How each kind runs. Per-kind limits add up to the global one, so no kind waits for another's slots. */
interface KindPolicy {
  /** Higher starts first among ready tasks. */
  priority: number
  concurrency: number
  maxAttempts: number
  backoffBaseMs: number
  backoffMaxMs: number
}

export interface NodeRuntimeOptions {
  dataDir: string
  log: Logger
  /** Capacity the quota starts with (the hoster sets it from its offer). */
  capacityBytes: number
  /** Mirror tasks running at once (the transfers limit). Default 8. */
  mirrors?: number
  /** Challenge tasks running at once. Default 4. */
  challenges?: number
  /** Time between two background reconciles (besides those on ledger updates), ms. */
  pollMs: number
}

export type TaskHandlers = { [K in TaskKind]: (payload: NodeTasks[K], signal: AbortSignal) => Promise<void> }

/** What `/status`, `favor status --json` and the dashboard show of the runtime. */
export interface RuntimeStatus {
  tasks: {
    /** Queue depth per kind: queued (waiting, delayed or backing off) and running. */
    kinds: Record<string, KindDepth>
    running: Array<{ kind: string; key: string | null; attempt: number }>
    counters: SchedulerCounters
  }
  resources: ResourceUsage
}


const DEFAULT_CHALLENGES = 4
const RECONCILE_KEY = 'reconcile'
const POLL_KEY = 'reconcile:poll'

export class NodeRuntime {
  readonly scheduler: Scheduler<NodeTasks>
  readonly resources: ResourceManager
  readonly tasks: RoleTasks
  private readonly opts: NodeRuntimeOptions
  private readonly policy: Record<TaskKind, KindPolicy>
  private readonly log: Logger

  constructor(opts: NodeRuntimeOptions, onFailed: (err: Error) => void) {
    this.opts = opts
    this.log = opts.log.child('tasks')
    const mirrors = opts.mirrors ?? DEFAULT_MAX_TRANSFERS
    const challenges = opts.challenges ?? DEFAULT_CHALLENGES
    this.policy = {
      // a failed reconcile is not retried: the next ledger update or poll runs another
      reconcile: { priority: 50, concurrency: 1, maxAttempts: 1, backoffBaseMs: 0, backoffMaxMs: 0 },
      // time-bound: a challenge or a report is worth nothing once its epoch is over
      challenge: { priority: 40, concurrency: challenges, maxAttempts: 2, backoffBaseMs: 500, backoffMaxMs: 2_000 },
      report: { priority: 30, concurrency: 1, maxAttempts: 3, backoffBaseMs: 1_000, backoffMaxMs: 5_000 },
      // a stalled mirror gives its slot up and comes back; reconcile enqueues it again if it failed for good
      mirror: { priority: 20, concurrency: mirrors, maxAttempts: 5, backoffBaseMs: 1_000, backoffMaxMs: 30_000 },
      // waits for the end to be final on the ledger: retried for a long while
      gc: { priority: 10, concurrency: 2, maxAttempts: 30, backoffBaseMs: 1_000, backoffMaxMs: 60_000 }
    }
    const concurrency = Object.values(this.policy).reduce((n, p) => n + p.concurrency, 0)
    this.resources = new ResourceManager({ logger: opts.log.child('resources'), quota: new DiskQuota({ capacityBytes: opts.capacityBytes }) })
    this.scheduler = new Scheduler<NodeTasks>({
      store: new TransientKindsStore(FileTaskStore.inDir(opts.dataDir), ['reconcile']),
      logger: this.log
    }, { concurrency })
    this.scheduler.on('failed', (e) => {
      if (!(e.error instanceof ClosedError)) onFailed(e.error)
    })
    const scheduler = this.scheduler
    this.tasks = {
      enqueue: async (kind, payload, o) => {
        if (scheduler.has(o.key)) return
        await scheduler.enqueue(kind, payload, { key: o.key, priority: this.policy[kind].priority, ...(o.delayMs !== undefined ? { delayMs: o.delayMs } : {}) })
      },
      pending: (key) => scheduler.has(key),
      pendingWithPrefix: (prefix) => scheduler.list().some((t) => t.key?.startsWith(prefix) === true),
      settled: (ms, signal) => new Promise<void>((resolve) => {
        const events = ['succeeded', 'failed', 'retrying', 'cancelled', 'expired'] as const
        const done = (): void => {
          clearTimeout(timer)
          for (const e of events) scheduler.off(e, done)
          signal.removeEventListener('abort', done)
          resolve()
        }
        const timer = setTimeout(done, ms)
        for (const e of events) scheduler.on(e, done)
        signal.addEventListener('abort', done, { once: true })
      })
    }
  }

  /** Registers a handler per kind; call before `open()` so that tasks reloaded from disk find theirs. */
  register(handlers: TaskHandlers): void {
    const run = <K extends TaskKind>(kind: K): void => {
      const p = this.policy[kind]
      const handler = handlers[kind]
      this.scheduler.register(kind, (payload: NodeTasks[K], c: TaskContext) => {
        if (c.attempt > 1) this.log.debug('task runs again', { kind, id: c.id, attempt: c.attempt })
        return handler(payload, c.signal)
      }, { concurrency: p.concurrency, maxAttempts: p.maxAttempts, backoffBaseMs: p.backoffBaseMs, backoffMaxMs: p.backoffMaxMs })
    }
    run('reconcile')
    run('mirror')
    run('challenge')
    run('report')
    run('gc')
  }

  /** Loads the queue (tasks unfinished at the last stop resume) and starts running tasks. */
  open(): Promise<void> {
    return this.scheduler.open()
  }

  /** A reconcile now (coalesced: one queued at most, never two at once). */
  kick(): void {
    this.enqueueReconcile(RECONCILE_KEY, undefined)
  }

  /** The next background reconcile, `pollMs` from now (one queued at most). */
  schedulePoll(): void {
    this.enqueueReconcile(POLL_KEY, this.opts.pollMs)
  }

  private enqueueReconcile(key: string, delayMs: number | undefined): void {
    if (this.scheduler.closing || !this.scheduler.opened) return
    this.scheduler.enqueue('reconcile', {}, { key, priority: this.policy.reconcile.priority, ...(delayMs !== undefined ? { delayMs } : {}) })
      .catch((err: unknown) => {
        if (!this.scheduler.closing) this.log.warn('tasks: enqueueing a reconcile failed', { component: 'tasks', ...describeError(err) })
      })
  }

  status(): RuntimeStatus {
    const running = this.scheduler.list().filter((t) => t.state === 'running').map((t) => ({ kind: t.kind, key: t.key, attempt: t.attempts }))
    return {
      tasks: { kinds: this.scheduler.depths(), running, counters: this.scheduler.counters() },
      resources: this.resources.usage()
    }
  }

  /** Stops the scheduler (running handlers are aborted; the queue stays on disk for the next start). */
  closeTasks(): Promise<void> {
    return this.scheduler.close()
  }

  /** Closes whatever the roles left open (normally nothing: each role gives its references back). */
  async closeResources(): Promise<void> {
    // connections are still open here (the swarm stops after the resources): only what the roles left counts
    const { conn, ...kinds } = this.resources.usage().kinds
    const open = Object.values(kinds).reduce((n, k) => n + k.open, 0)
    if (open > 0) this.log.warn('resources still open at close; closing them', { component: 'resources', open, kinds: Object.keys(kinds).join(','), connections: conn?.open ?? 0 })
    await this.resources.closeAll()
  }
}
