// The base of every Favor error (hypercore-errors is the model): a class per kind, a stable `code`
// that callers branch on (`instanceof` or `.code`, never the message), a readable message and an
// optional cause. This module imports nothing, so every layer (stack, proof, ledger, ...) may use it.

export interface FavorErrorOptions {
  readonly cause?: unknown
}

/** Base class of every Favor error: a stable `code`, a readable message, an optional cause. */
export class FavorError extends Error {
  static readonly code: string = 'FAVOR_ERROR'
  readonly code: string

  constructor(message: string, code: string = FavorError.code, options: FavorErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
  }
}

/** The stable code of any error (a FavorError's `code`, a Node system error's `code`), or ''. */
export function codeOf(err: unknown): string {
  if (typeof err !== 'object' || err === null || !('code' in err)) return ''
  const code = err.code
  return typeof code === 'string' ? code : ''
}

/**
 * What a log line should say about an error: its name, code, message and the chain of causes (each
 * with its own code), so a warning names the failure and what caused it, not only the outer text.
 */
export function describeError(err: unknown): { error: string; code?: string; cause?: string } {
  if (!(err instanceof Error)) return { error: String(err) }
  const out: { error: string; code?: string; cause?: string } = { error: `${err.name}: ${err.message}` }
  const code = codeOf(err)
  if (code !== '') out.code = code
  const causes: string[] = []
  let c: unknown = err.cause
  for (let i = 0; i < 4 && c !== undefined && c !== null; i++) {
    const cc = codeOf(c)
    causes.push(c instanceof Error ? `${c.name}${cc === '' ? '' : ` [${cc}]`}: ${c.message}` : typeof c === 'string' ? c : Object.prototype.toString.call(c))
    c = c instanceof Error ? c.cause : undefined
  }
  if (causes.length > 0) out.cause = causes.join(' <- ')
  return out
}

/** Whether `err` is a Node system error with one of these codes (ENOENT, EISDIR, ...). */
export function isErrno(err: unknown, ...codes: string[]): boolean {
  return err instanceof Error && codes.includes(codeOf(err))
}
