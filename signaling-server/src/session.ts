/**
 * What the server remembers about one open connection, and the small interface through
 * which the hub talks to that connection's socket.
 *
 *   const session = new Session(transport, Date.now(), options)
 *   session.rooms.get('room-1')   // the peer id this socket joined room-1 as
 */
import type { PeerId, RoomId } from '@gossip-mesh/shared/ids'
import { type Bucket, createBucket } from '@gossip-mesh/shared/token-bucket'
import { SmallMap } from './small-map'

/**
 * The hub's view of a socket. The `ws` shell implements it over a WebSocket; hub tests
 * implement it over an array. Sends are best-effort: a closed socket ignores them.
 */
export interface Transport {
  send(text: string): void
  /** Close with a WebSocket close code, after the frames already sent. */
  close(code: number, reason: string): void
  /** Ask for a pong; any frame or pong marks the session alive. */
  ping(): void
  /** Drop the connection at once, without a close handshake (it is dead anyway). */
  terminate(): void
  /** Bytes queued but not yet written to the network. */
  readonly bufferedAmount: number
}

export class Session {
  /** The peer id this connection uses in each room it joined (one socket, a few rooms). */
  readonly rooms = new SmallMap<RoomId, PeerId>()
  /** Frames allowed: the per-connection rate limit. */
  readonly frames: Bucket
  /** Rejected frames allowed before the socket is closed for abuse. */
  readonly strikes: Bucket
  /** Cleared by each heartbeat, set again by a pong or any frame. */
  alive = true
  /** Set once the socket is closing, so nothing more is sent or remembered for it. */
  closed = false

  constructor(
    readonly transport: Transport,
    now: number,
    limits: { readonly rateLimitBurst: number; readonly maxRejectedBurst: number },
  ) {
    this.frames = createBucket(limits.rateLimitBurst, now)
    this.strikes = createBucket(limits.maxRejectedBurst, now)
  }
}
