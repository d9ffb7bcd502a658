// Typed view of protomux: framed message channels beside replication on one connection.
import Protomux from 'protomux'
import type { Duplex } from 'node:stream'

/** A compact-encoding codec (structurally what compact-encoding's encoders are). */
export interface Codec<T> {
  preencode(state: { start: number; end: number; buffer: Uint8Array | null }, value: T): void
  encode(state: { start: number; end: number; buffer: Uint8Array | null }, value: T): void
  decode(state: { start: number; end: number; buffer: Uint8Array }): T
}

export interface MuxMessage<T> {
  send(value: T): boolean
}

export interface MuxChannel {
  readonly opened: boolean
  readonly closed: boolean
  open(handshake?: unknown): void
  close(): void
  addMessage<T>(opts: { encoding: Codec<T>; onmessage?: (value: T) => void }): MuxMessage<T>
}

export interface ChannelOptions {
  protocol: string
  id?: Uint8Array
  unique?: boolean
  onopen?: () => void
  onclose?: () => void
  ondestroy?: () => void
}

export interface Mux {
  createChannel(opts: ChannelOptions): MuxChannel | null
  pair(opts: { protocol: string; id?: Uint8Array }, onpair: (id: Buffer | null) => void): void
  unpair(opts: { protocol: string; id?: Uint8Array }): void
}

/** The muxer of a connection (shared with corestore replication when both use the same stream). */
export function muxOf(stream: Duplex): Mux {
  return Protomux.from(stream) as Mux
}
