// Defaults for the node runtime, each with its unit in the name or the comment. The config resolver,
// the scheduler and the resource manager read these; nothing else hard-codes them.

// --- config ---------------------------------------------------------------------------------------

/** Directory name (under the user's home directory) holding a node's state. */
export const DEFAULT_DATA_DIR_NAME = '.favor'

/** The config file's name inside the data directory. */
export const CONFIG_FILE_NAME = 'config.json'

/** A node's readable name, used as its log prefix. */
export const DEFAULT_NODE_NAME = 'favor'

/** The HTTP API binds to loopback only unless told otherwise. */
export const DEFAULT_API_HOST = '127.0.0.1'

/** TCP port of the HTTP API. 0 asks the OS for a free port. */
export const DEFAULT_API_PORT = 7373

/** Seconds per epoch (DESIGN §3: one hour in a real network). */
export const DEFAULT_EPOCH_SECONDS = 3600

/** Longest epoch accepted by the config, in seconds (one week). */
export const MAX_EPOCH_SECONDS = 7 * 24 * 3600

/** Bytes a hoster offers by default: 0 means the node does not host. */
export const DEFAULT_HOSTER_CAPACITY_BYTES = 0

/** Concurrent peer connections. */
export const DEFAULT_MAX_CONNECTIONS = 64

/** Concurrent core transfers (mirrors in progress). */
export const DEFAULT_MAX_TRANSFERS = 8

/** Log level when none is configured. */
export const DEFAULT_LOG_LEVEL = 'info'

/** Root namespace of every logger. */
export const LOG_ROOT_NAMESPACE = 'favor'

// --- scheduler ------------------------------------------------------------------------------------

/** Tasks running at once, all kinds together. */
export const DEFAULT_SCHEDULER_CONCURRENCY = 8

/** Tasks waiting (queued or delayed) before `enqueue` refuses with QueueFullError. */
export const DEFAULT_SCHEDULER_MAX_QUEUED = 100_000

/** Attempts (handler runs that may fail) before a task fails for good. */
export const DEFAULT_TASK_MAX_ATTEMPTS = 5

/** First retry delay, in milliseconds; doubles each attempt. */
export const DEFAULT_BACKOFF_BASE_MS = 1_000

/** Longest retry delay, in milliseconds. */
export const DEFAULT_BACKOFF_MAX_MS = 5 * 60_000

/** How long `close()` waits for aborted tasks to return, in milliseconds. */
export const DEFAULT_SCHEDULER_CLOSE_TIMEOUT_MS = 5_000

/** File name of the persistent task queue inside the node's directory. */
export const TASK_STORE_FILE_NAME = 'tasks.json'

/** On-disk format version of the task store. */
export const TASK_STORE_VERSION = 1

// --- resources ------------------------------------------------------------------------------------

/** Milliseconds a resource stays open after its last user released it. 0 closes at once. */
export const DEFAULT_RESOURCE_LINGER_MS = 0
