// How an encrypted drive travels: its key and its encryption key, either as `<driveKey> --key <hex>`
// or as one share link `hyper://<driveKey>#key=<hex>`. The encryption key sits in the fragment, the
// part of a URL that is never sent to a server, as in other end-to-end encrypted share links.
import { UsageError } from './client.js'

const HEX64 = /^[0-9a-f]{64}$/i
const LINK = /^(?:hyper:\/\/)?([0-9a-f]{64})\/?(?:#key=([0-9a-f]{64}))?$/i

export interface DriveRef {
  key: string
  /** The encryption key (hex), or null for a plain drive. */
  encryptionKey: string | null
}

/** The share link of a drive; with an encryption key, anyone holding the link can read it. */
export function driveLink(driveKey: string, encryptionKey: string | null): string {
  return encryptionKey === null ? `hyper://${driveKey}` : `hyper://${driveKey}#key=${encryptionKey}`
}

/** A drive from a positional (key or link) and the --key flag; a link's key and --key must agree. */
export function parseDriveRef(arg: string | undefined, keyFlag: string | undefined): DriveRef {
  const m = LINK.exec(arg ?? '')
  if (m === null) throw new UsageError(`driveKey: expected a 32-byte drive key as 64 hex characters, or a link hyper://<driveKey>[#key=<encryptionKey>], got '${arg ?? ''}'`)
  const inLink = m[2]?.toLowerCase() ?? null
  if (keyFlag !== undefined && !HEX64.test(keyFlag)) throw new UsageError(`--key: expected the drive's encryption key as 64 hex characters, got '${keyFlag}'`)
  const flag = keyFlag?.toLowerCase() ?? null
  if (inLink !== null && flag !== null && inLink !== flag) throw new UsageError('the link carries a different encryption key than --key: give one of them')
  return { key: (m[1] as string).toLowerCase(), encryptionKey: inLink ?? flag }
}
