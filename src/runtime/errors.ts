// Errors raised by the runtime, one class per kind. Match them with `instanceof` or `.code`, never
// with the message text. `code` is stable and may cross process boundaries (API responses, logs).

import { FavorError, type FavorErrorOptions } from '../errors.js'

export { FavorError, codeOf, describeError, type FavorErrorOptions } from '../errors.js'

/** An operation took longer than it was allowed to. */
export class TimeoutError extends FavorError {
  static override readonly code = 'TIMEOUT'
  constructor(message = 'The operation timed out', options: FavorErrorOptions = {}) {
    super(message, TimeoutError.code, options)
    this.name = 'TimeoutError'
  }
}

/** The object was closed (or is closing) and cannot do this any more. */
export class ClosedError extends FavorError {
  static override readonly code = 'CLOSED'
  constructor(message = 'Closed', options: FavorErrorOptions = {}) {
    super(message, ClosedError.code, options)
    this.name = 'ClosedError'
  }
}

/** The object must be opened first. */
export class NotOpenError extends FavorError {
  static override readonly code = 'NOT_OPEN'
  constructor(message = 'Not open', options: FavorErrorOptions = {}) {
    super(message, NotOpenError.code, options)
    this.name = 'NotOpenError'
  }
}

export type ConfigSource = 'file' | 'env' | 'flags'

export interface ConfigIssue {
  /** Dotted field path, e.g. `api.port`. */
  readonly field: string
  readonly source: ConfigSource
  /** Where the bad value came from as the user wrote it: `FAVOR_API_PORT`, `--api-port`, `/x/config.json: api.port`. */
  readonly location: string
  readonly message: string
}

/** One or more config values were invalid; `issues` lists each, `message` says them all. */
export class ConfigError extends FavorError {
  static override readonly code = 'INVALID_CONFIG'
  readonly issues: readonly ConfigIssue[]
  constructor(issues: readonly ConfigIssue[], options: FavorErrorOptions = {}) {
    super(issues.map((i) => i.message).join('\n'), ConfigError.code, options)
    this.name = 'ConfigError'
    this.issues = issues
  }
}

/** A reservation or a write would take more disk than the quota allows. */
export class QuotaExceededError extends FavorError {
  static override readonly code = 'QUOTA_EXCEEDED'
  readonly requestedBytes: number
  readonly availableBytes: number
  constructor(message: string, requestedBytes: number, availableBytes: number, options: FavorErrorOptions = {}) {
    super(message, QuotaExceededError.code, options)
    this.name = 'QuotaExceededError'
    this.requestedBytes = requestedBytes
    this.availableBytes = availableBytes
  }
}

/** The named thing (reservation, task, resource) does not exist. */
export class NotFoundError extends FavorError {
  static override readonly code = 'NOT_FOUND'
  constructor(message: string, options: FavorErrorOptions = {}) {
    super(message, NotFoundError.code, options)
    this.name = 'NotFoundError'
  }
}

/** The named thing already exists (a reservation id, a task kind). */
export class AlreadyExistsError extends FavorError {
  static override readonly code = 'ALREADY_EXISTS'
  constructor(message: string, options: FavorErrorOptions = {}) {
    super(message, AlreadyExistsError.code, options)
    this.name = 'AlreadyExistsError'
  }
}

/** A handle was released more than once. Counts are left as they were. */
export class DoubleReleaseError extends FavorError {
  static override readonly code = 'DOUBLE_RELEASE'
  constructor(message = 'Released twice', options: FavorErrorOptions = {}) {
    super(message, DoubleReleaseError.code, options)
    this.name = 'DoubleReleaseError'
  }
}

/** The scheduler's queue is full. */
export class QueueFullError extends FavorError {
  static override readonly code = 'QUEUE_FULL'
  constructor(message = 'Queue full', options: FavorErrorOptions = {}) {
    super(message, QueueFullError.code, options)
    this.name = 'QueueFullError'
  }
}

/** No handler is registered for a task kind. */
export class UnknownTaskKindError extends FavorError {
  static override readonly code = 'UNKNOWN_TASK_KIND'
  readonly kind: string
  constructor(kind: string, options: FavorErrorOptions = {}) {
    super(`No handler registered for task kind '${kind}'`, UnknownTaskKindError.code, options)
    this.name = 'UnknownTaskKindError'
    this.kind = kind
  }
}

/** The abort reason a task's signal carries when `cancel(id)` was called. */
export class TaskCancelledError extends FavorError {
  static override readonly code = 'TASK_CANCELLED'
  constructor(message = 'Task cancelled', options: FavorErrorOptions = {}) {
    super(message, TaskCancelledError.code, options)
    this.name = 'TaskCancelledError'
  }
}

/** The abort reason a task's signal carries when its deadline passed. */
export class DeadlineExceededError extends FavorError {
  static override readonly code = 'DEADLINE_EXCEEDED'
  constructor(message = 'Deadline exceeded', options: FavorErrorOptions = {}) {
    super(message, DeadlineExceededError.code, options)
    this.name = 'DeadlineExceededError'
  }
}

/** Thrown by a task handler to fail the task at once, without further attempts. */
export class NonRetryableError extends FavorError {
  static override readonly code = 'NON_RETRYABLE'
  constructor(message: string, options: FavorErrorOptions = {}) {
    super(message, NonRetryableError.code, options)
    this.name = 'NonRetryableError'
  }
}

/** Persistent state on disk could not be read (bad JSON, unknown version). */
export class CorruptStateError extends FavorError {
  static override readonly code = 'CORRUPT_STATE'
  constructor(message: string, options: FavorErrorOptions = {}) {
    super(message, CorruptStateError.code, options)
    this.name = 'CorruptStateError'
  }
}

/** A value does not fit what the API accepts (negative bytes, NaN, empty key). */
export class InvalidArgumentError extends FavorError {
  static override readonly code = 'INVALID_ARGUMENT'
  constructor(message: string, options: FavorErrorOptions = {}) {
    super(message, InvalidArgumentError.code, options)
    this.name = 'InvalidArgumentError'
  }
}

/** Wraps whatever a caller threw (which may not be an Error) into an Error. */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value
  return new FavorError(typeof value === 'string' ? value : `Non-error thrown: ${String(value)}`)
}
