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
  /** The session holding `ids[i]`, at the same index. */
  readonly sessions: S[]
  /** Where each peer id is in `ids`: a small integer per peer, no object per member. */
  readonly index: Map<PeerId, number>
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
    const r = this.#rooms.get(room)
    const i = r?.index.get(peer)
    return i === undefined ? undefined : r?.sessions[i]
  }

  /**
   * Put `peer` in `room`, held by `session`. Returns the session that held the same id
   * before, if it was a different one: a peer that reconnects replaces its stale socket.
   */
  join(room: RoomId, peer: PeerId, session: S): S | undefined {
    let r = this.#rooms.get(room)
    if (r === undefined) {
      r = { ids: [], sessions: [], index: new Map() }
      this.#rooms.set(room, r)
    }
    const i = r.index.get(peer)
    if (i !== undefined) {
      const previous = r.sessions[i] as S
      r.sessions[i] = session
      return previous === session ? undefined : previous
    }
    r.index.set(peer, r.ids.length)
    r.ids.push(peer)
    r.sessions.push(session)
    return undefined
  }

  /**
   * Take `peer` out of `room`, but only while `session` still holds it, so that the close
   * of a replaced socket cannot evict the peer's new one. Returns whether it was removed.
   */
  leave(room: RoomId, peer: PeerId, session: S): boolean {
    const r = this.#rooms.get(room)
    const i = r?.index.get(peer)
    if (r === undefined || i === undefined || r.sessions[i] !== session) return false
    const last = r.ids.pop() as PeerId
    const lastSession = r.sessions.pop() as S
    if (last !== peer) {
      r.ids[i] = last
      r.sessions[i] = lastSession
      r.index.set(last, i)
    }
    r.index.delete(peer)
    if (r.ids.length === 0) this.#rooms.delete(room)
    return true
  }

  /** Up to `max` random peers of `room` other than `exclude`. */
  sample(room: RoomId, exclude: PeerId, max: number, random: () => number): PeerId[] {
    const r = this.#rooms.get(room)
    if (r === undefined) return []
    const skip = r.index.get(exclude) ?? -1
    return sampleIndices(r.ids.length, max, random, skip).map((i) => r.ids[i] as PeerId)
  }
}
