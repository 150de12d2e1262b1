/**
 * The slice of simple-peer that `peer-links` uses, so tests can stand in a fake and the
 * link logic never imports simple-peer itself.
 */
import type { RtcSignal } from './signal-envelope'

export interface PeerLike {
  on(event: 'signal', listener: (data: RtcSignal) => void): unknown
  on(event: 'connect' | 'close', listener: () => void): unknown
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown
  on(event: 'error', listener: (err: Error) => void): unknown
  signal(data: RtcSignal): void
  send(chunk: Uint8Array): void
  destroy(): void
  /** Bytes queued in the data channel and not yet sent. */
  readonly bufferSize: number
}

export type PeerFactory = (options: { initiator: boolean }) => PeerLike
