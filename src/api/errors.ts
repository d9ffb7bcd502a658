// Errors the API answers with. The body is the Pinning Service API error shape:
// `{ "error": { "reason": "BAD_REQUEST", "details": "what is wrong" } }`.
import { FavorError } from '../errors.js'

export type ApiReason =
  | 'BAD_REQUEST' | 'UNAUTHORIZED' | 'FORBIDDEN' | 'NOT_FOUND' | 'METHOD_NOT_ALLOWED' | 'CONFLICT'
  | 'INSUFFICIENT_FUNDS' | 'PAYLOAD_TOO_LARGE' | 'UNSUPPORTED_MEDIA_TYPE' | 'INTERNAL_SERVER_ERROR'
  | 'SERVICE_UNAVAILABLE' | 'TOO_MANY_REQUESTS'
  // reading drives: what a drive key (and encryption key) turned out not to open
  | 'NOT_A_DRIVE' | 'WRONG_KEY' | 'NOT_ENCRYPTED'
  // shared folders (src/folder/errors.ts): the folder's own stable codes
  | 'BAD_PATH' | 'IN_CONFLICT' | 'NOT_IN_CONFLICT' | 'NO_SUCH_VERSION' | 'NOT_A_MEMBER' | 'BAD_INVITE'
  | 'INVITE_UNKNOWN' | 'INVITE_USED' | 'JOIN_TIMEOUT' | 'NO_FOLDER' | 'FOLDER_EXISTS' | 'BLOB_UNAVAILABLE'
  | 'HOSTING_REFUSED' | 'HOSTING_TIMEOUT'

/** An HTTP error with a status, a stable `reason` and a readable `details`. */
export class ApiError extends FavorError {
  readonly status: number
  readonly reason: ApiReason
  readonly headers: Readonly<Record<string, string>>
  constructor(status: number, reason: ApiReason, details: string, headers: Record<string, string> = {}) {
    super(details, reason)
    this.status = status
    this.reason = reason
    this.headers = headers
  }

  get details(): string {
    return this.message
  }

  toJSON(): { error: { reason: ApiReason, details: string } } {
    return { error: { reason: this.reason, details: this.message } }
  }
}

export const badRequest = (details: string): ApiError => new ApiError(400, 'BAD_REQUEST', details)
export const notFound = (details: string): ApiError => new ApiError(404, 'NOT_FOUND', details)
export const conflict = (details: string, reason: ApiReason = 'CONFLICT'): ApiError => new ApiError(409, reason, details)

/** Maps an error thrown by the service (FavorNode) to an ApiError by its stable `code`, never its text. */
export function fromServiceError(err: unknown): ApiError {
  if (err instanceof ApiError) return err
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err).code) : ''
  const message = err instanceof Error ? err.message : String(err)
  // the contract's RejectCode of a refused op (ActionError LEDGER_REFUSED carries it as `reject`)
  const reject = typeof err === 'object' && err !== null && 'reject' in err ? String(err.reject) : ''
  if (code === 'LEDGER_REFUSED' && (reject === 'INSUFFICIENT_BALANCE' || reject === 'SPONSOR_LINE_OVER_BALANCE' || reject === 'TRANSFER_LOCKED')) return new ApiError(409, 'INSUFFICIENT_FUNDS', message)
  switch (code) {
    case 'E_UPGRADE_REQUIRED':
    case 'E_LEDGER_STORE':
      return new ApiError(503, 'SERVICE_UNAVAILABLE', message)
    case 'INSUFFICIENT_FAVOR':
    case 'INSUFFICIENT_FUNDS':
      return new ApiError(409, 'INSUFFICIENT_FUNDS', message)
    case 'LEDGER_REFUSED':
    case 'REFUSED':
    case 'E_REJECT':
    case 'ALREADY_EXISTS':
    case 'QUOTA_EXCEEDED':
    case 'E_NOT_WRITABLE':
      return new ApiError(409, 'CONFLICT', message)
    case 'INVALID_ARGUMENT':
    case 'E_DECODE':
      return new ApiError(400, 'BAD_REQUEST', message)
    case 'NOT_FOUND':
      return new ApiError(404, 'NOT_FOUND', message)
    case 'CLOSED':
    case 'NOT_OPEN':
    case 'NO_NETWORK':
      return new ApiError(503, 'SERVICE_UNAVAILABLE', message)
    case 'TIMEOUT':
    case 'E_VERIFY_TIMEOUT':
      return new ApiError(503, 'SERVICE_UNAVAILABLE', message)
    default:
      return new ApiError(500, 'INTERNAL_SERVER_ERROR', message === '' ? 'internal error' : message)
  }
}
