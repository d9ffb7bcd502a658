// The node's work as tasks of the persistent scheduler (src/runtime/scheduler.ts), and the narrow
// surface the roles use to enqueue them. The node registers one handler per kind (src/node-runtime.ts);
// every kind but `reconcile` is kept in `<dataDir>/tasks.json`, so a task unfinished at a stop — even
// kill -9 — runs again at the next start. Handlers are idempotent: they re-read the ledger first.

/** Payload of each kind (plain JSON). */
export type NodeTasks = {
  /** Bring every role in line with the ledger view (enqueued on updates and every poll interval). */
  reconcile: Record<string, never>
  /** Fetch an agreement's core up to the recorded state and post `ready` (hoster). */
  mirror: { agreementId: number }
  /** Challenge one agreement in one epoch and keep the result for the epoch's report (attestor). */
  challenge: { epoch: number; agreementId: number }
  /** Append the epoch's one batched `report` once its challenges are done (attestor). */
  report: { epoch: number }
  /** Clear an ended agreement's core once the end is final (hoster). */
  gc: { agreementId: number; coreKey: string }
}

export type TaskKind = keyof NodeTasks

/** Dedupe keys: at most one task per key is queued, and one runs at a time. */
export const taskKey = {
  mirror: (agreementId: number): string => `mirror:${agreementId}`,
  challenge: (epoch: number, agreementId: number): string => `challenge:${epoch}:${agreementId}`,
  challengesOf: (epoch: number): string => `challenge:${epoch}:`,
  report: (epoch: number): string => `report:${epoch}`,
  gc: (agreementId: number): string => `gc:${agreementId}`
}

export interface RoleTasks {
  /** Adds a task unless one with the same key is queued or running; resolves once it is durable. */
  enqueue<K extends TaskKind>(kind: K, payload: NodeTasks[K], opts: { key: string; delayMs?: number }): Promise<void>
  /** Whether a task with this key is queued (waiting or backing off) or running. */
  pending(key: string): boolean
  /** Whether any task whose key starts with `prefix` is queued or running. */
  pendingWithPrefix(prefix: string): boolean
  /** Resolves when some task finished (for good or for a retry), after `ms`, or when `signal` aborts. */
  settled(ms: number, signal: AbortSignal): Promise<void>
}
