/**
 * Which peers are in which room on this server instance, and which session holds each.
 *
 * Plain data, no IO: the hub decides what to send, this only remembers. Each room keeps
 * its peer ids in an array beside an index map so that join, leave and a random sample
 * are all O(1) or O(sample), whatever the room's size.
 *
 *   const rooms = new RoomRegistry<Session>()
 *   rooms.join('room-1', 'peer-a', session)    // undefined, or the session it replaced
 *   rooms.sample('room-1', 'peer-a', 8, Math.random)
 *   rooms.get('room-1', 'peer-b')              // the session to relay to, or undefined
 */
import type { PeerId, RoomId } from '@gossip-mesh/shared/ids'
import { sampleIndices } from './peer-sample'

interface Room<S> {
  /** Peer ids in no particular order; removal swaps the last one into the hole. */
  readonly ids: PeerId[]
  readonly members: Map<PeerId, { index: number; session: S }>
}

export class RoomRegistry<S> {
  readonly #rooms = new Map<RoomId, Room<S>>()

  /** Number of rooms with at least one peer. */
  get size(): number {
    return this.#rooms.size
  }

  /** Number of peers in `room` (0 for an unknown room). */
  peerCount(room: RoomId): number {
    return this.#rooms.get(room)?.ids.length ?? 0
  }

  get(room: RoomId, peer: PeerId): S | undefined {
    return this.#rooms.get(room)?.members.get(peer)?.session
  }

  /**
   * Put `peer` in `room`, held by `session`. Returns the session that held the same id
   * before, if it was a different one: a peer that reconnects replaces its stale socket.
   */
  join(room: RoomId, peer: PeerId, session: S): S | undefined {
    let r = this.#rooms.get(room)
    if (r === undefined) {
      r = { ids: [], members: new Map() }
      this.#rooms.set(room, r)
    }
    const existing = r.members.get(peer)
    if (existing !== undefined) {
      const previous = existing.session
      existing.session = session
      return previous === session ? undefined : previous
    }
    r.members.set(peer, { index: r.ids.length, session })
    r.ids.push(peer)
    return undefined
  }

  /**
   * Take `peer` out of `room`, but only while `session` still holds it, so that the close
   * of a replaced socket cannot evict the peer's new one. Returns whether it was removed.
   */
  leave(room: RoomId, peer: PeerId, session: S): boolean {
    const r = this.#rooms.get(room)
    const member = r?.members.get(peer)
    if (r === undefined || member === undefined || member.session !== session) return false
    const last = r.ids.pop() as PeerId
    if (last !== peer) {
      r.ids[member.index] = last
      const moved = r.members.get(last)
      if (moved !== undefined) moved.index = member.index
    }
    r.members.delete(peer)
    if (r.ids.length === 0) this.#rooms.delete(room)
    return true
  }

  /** Up to `max` random peers of `room` other than `exclude`. */
  sample(room: RoomId, exclude: PeerId, max: number, random: () => number): PeerId[] {
    const r = this.#rooms.get(room)
    if (r === undefined) return []
    const skip = r.members.get(exclude)?.index ?? -1
    return sampleIndices(r.ids.length, max, random, skip).map((i) => r.ids[i] as PeerId)
  }
}
