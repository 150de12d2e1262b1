/**
 * What the hub needs from other server instances to share rooms with them. The Redis
 * implementation is in redis-cluster.ts; without one, an instance serves its rooms alone.
 *
 * Promises: `join` records the peer before it samples, so two peers joining at once on
 * two instances see at least one another; `relay` delivers frames from one instance to
 * one peer in the order they were relayed (one Redis connection, one script per frame).
 *
 *   const peers = await cluster.join('room', 'peer-a', 8)   // sample across all instances
 *   const found = await cluster.relay('room', 'peer-b', text)
 */
import type { PeerId, RoomId } from '@gossip-mesh/shared/ids'

/** Calls a cluster makes into the hub when another instance needs something here. */
export interface ClusterHandlers {
  /** A server frame (JSON text) for `to`, a peer of this instance in `room`. */
  deliver(room: RoomId, to: PeerId, text: string): void
  /** `peer` joined `room` on another instance: the socket here is stale. */
  evict(room: RoomId, peer: PeerId): void
  /** Every (room, peer) this instance holds, to announce again after a Redis outage. */
  members(): Iterable<readonly [RoomId, PeerId]>
}

export interface Cluster {
  /** Record `peer` in `room` on this instance; resolve to up to `max` other live peers of the room. */
  join(room: RoomId, peer: PeerId, max: number): Promise<PeerId[]>
  /** Forget `peer` in `room`, unless another instance has taken the id over since. */
  leave(room: RoomId, peer: PeerId): void
  /** Send `text` to `to` on whichever live instance holds it; resolve false when none does. */
  relay(room: RoomId, to: PeerId, text: string): Promise<boolean>
  /** Whether the shared store is reachable right now (for /healthz). */
  readonly ready: boolean
  /** Withdraw this instance's peers and disconnect. */
  close(): Promise<void>
}
