// A folder invite: the folder key and a one-time invite secret (a 32-byte seed of an ed25519 key pair
// whose public key a member registered in the folder with an `invite` op). The joiner signs its writer
// and blobs keys with it; a member admits it with a `join` op, which apply accepts once per invite.
import { keyPair, sign, type KeyPair } from '../stack/index.js'
import { joinSignable } from './apply.js'
import { FolderError } from './errors.js'

const PREFIX = 'favor-folder1:'

export interface Invite {
  folderKey: Buffer
  seed: Buffer
}

export function encodeInvite(invite: Invite): string {
  return PREFIX + Buffer.concat([invite.folderKey, invite.seed]).toString('base64url')
}

export function decodeInvite(text: string): Invite {
  const t = text.trim()
  const raw = t.startsWith(PREFIX) ? Buffer.from(t.slice(PREFIX.length), 'base64url') : null
  if (raw === null || raw.byteLength !== 64 || raw.toString('base64url') !== t.slice(PREFIX.length)) {
    throw new FolderError('BAD_INVITE', `not a folder invite (it starts with ${PREFIX} and holds 64 bytes)`)
  }
  return { folderKey: raw.subarray(0, 32), seed: raw.subarray(32) }
}

export function inviteKeyPair(invite: Invite): KeyPair {
  return keyPair(invite.seed)
}

/** What a joiner sends a member: its keys, signed with the invite's key. */
export interface JoinRequest {
  invite: string
  writer: string
  blobs: string
  sig: string
}

export function makeJoinRequest(invite: Invite, writer: Buffer, blobs: Buffer): JoinRequest {
  const kp = inviteKeyPair(invite)
  const w = writer.toString('hex')
  const b = blobs.toString('hex')
  return { invite: kp.publicKey.toString('hex'), writer: w, blobs: b, sig: sign(joinSignable(w, b), kp.secretKey).toString('hex') }
}
