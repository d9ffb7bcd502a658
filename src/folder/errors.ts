// The shared folder's errors: one class, a stable code per case (callers branch on `code`).
import { FavorError } from '../errors.js'

export type FolderErrorCode =
  | 'BAD_PATH' | 'NOT_FOUND' | 'IN_CONFLICT' | 'NOT_IN_CONFLICT' | 'NO_SUCH_VERSION' | 'NOT_A_MEMBER'
  | 'BAD_INVITE' | 'INVITE_UNKNOWN' | 'INVITE_USED' | 'JOIN_TIMEOUT' | 'NO_FOLDER' | 'FOLDER_EXISTS' | 'BLOB_UNAVAILABLE'
  | 'HOSTING_REFUSED' | 'HOSTING_TIMEOUT'

export class FolderError extends FavorError {
  static override readonly code = 'FOLDER_ERROR'
  constructor(code: FolderErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, code, options)
  }
}
