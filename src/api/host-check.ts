// Which `Host` headers the API answers. A DNS-rebinding page reaches the daemon under its own name
// (e.g. `127.0.0.1.nip.io`, which resolves to 127.0.0.1), so names are matched exactly: the loopback
// names and literals, and, when the daemon is bound elsewhere, IP literals (never other DNS names).
import { isIP } from 'node:net'

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]'])

/** Whether the API is bound to a loopback address. */
export function isLoopbackBind(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || (isIP(host) === 4 && host.startsWith('127.'))
}

/** The host part of a Host header (`name`, `name:port`, `[v6]` or `[v6]:port`); null when malformed. */
export function hostName(header: string): string | null {
  if (header.startsWith('[')) {
    const m = /^(\[[0-9a-fA-F:.]+\])(?::(\d{1,5}))?$/.exec(header)
    return m === null ? null : (m[1] as string).toLowerCase()
  }
  const m = /^([^:]+)(?::(\d{1,5}))?$/.exec(header)
  return m === null ? null : (m[1] as string).toLowerCase()
}

/**
 * Whether a request with this Host header may be answered by a server bound to `bound`. On loopback:
 * exactly `localhost`, `127.0.0.1` or `[::1]`, each with an optional port. Bound elsewhere: those, the
 * bound address, and (bound to a wildcard) any IP literal.
 */
export function hostAllowed(header: string | undefined, bound: string): boolean {
  if (header === undefined) return false
  const name = hostName(header)
  if (name === null) return false
  if (LOOPBACK_NAMES.has(name)) return true
  if (isLoopbackBind(bound)) return false
  const literal = name.startsWith('[') ? name.slice(1, -1) : name
  if (isIP(literal) === 0) return false
  if (bound === '0.0.0.0' || bound === '::' || bound === '[::]') return true
  return literal === bound.replace(/^\[|\]$/g, '').toLowerCase()
}
