// Defaults of the HTTP API, each with its unit.

/** Largest request body accepted, in bytes (64 KiB). Larger bodies get 413. */
export const MAX_BODY_BYTES = 64 * 1024

/** Milliseconds between SSE heartbeat comments. */
export const SSE_HEARTBEAT_MS = 15_000

/** Most SSE clients connected at once, server-wide; more get 503. */
export const MAX_SSE_CLIENTS = 64

/** Most SSE streams one client (the bearer token, or one dashboard session) holds at once; more get 429. */
export const MAX_SSE_PER_CLIENT = 4

/** How long a dashboard login code stays valid, in ms (5 minutes). Each code works once. */
export const LOGIN_CODE_TTL_MS = 5 * 60_000

/** Most login codes waiting to be used; issuing one more forgets the oldest. */
export const MAX_LOGIN_CODES = 16

/** How long a dashboard session lasts, in ms (7 days). Sessions live in the daemon's memory only. */
export const SESSION_TTL_MS = 7 * 24 * 3600_000

/** Most dashboard sessions at once; a new login forgets the oldest. */
export const MAX_SESSIONS = 32

/** Bytes of randomness in a login code and in a session id. */
export const SESSION_BYTES = 32

/** Default and largest page size of `GET /pins` (Pinning Service API: 1..1000, default 10). */
export const DEFAULT_PIN_LIMIT = 10
export const MAX_PIN_LIMIT = 1000

/** Most hypercore keys in one `cid` filter (the Pinning Service API allows 10). */
export const MAX_CID_FILTER = 10

/** Longest pin name, in characters (Pinning Service API: 255). */
export const MAX_PIN_NAME = 255

/** Replicas of a pin when the request names none. */
export const DEFAULT_PIN_REPLICAS = 2

/** Most entries in a pin's meta map, and the longest key/value, in characters. */
export const MAX_META_ENTRIES = 64
export const MAX_META_TEXT = 1024

/** File names inside the node's directory. */
export const TOKEN_FILE_NAME = 'api-token'
export const API_INFO_FILE_NAME = 'api.json'
export const PIN_STORE_FILE_NAME = 'pins.json'

/** On-disk format version of the pin store. */
export const PIN_STORE_VERSION = 1

/** Bytes of randomness in a generated API token. */
export const TOKEN_BYTES = 32

/** Recent challenge results kept for `GET /reports` when the service keeps none. */
export const MAX_RECENT_EVENTS = 500

/** The node's address book: names for other accounts (`{ "<account hex>": "name" }`), read by the API. */
export const NAMES_FILE_NAME = 'names.json'

/** Longest name kept from the address book, in characters, and most entries read. */
export const MAX_NAME_CHARS = 64
export const MAX_NAMES = 10_000
