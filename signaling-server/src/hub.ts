/**
 * The signaling logic: who is in which room, what a frame from a connection causes, and
 * what the server sends back. No sockets, no HTTP, no timers: the `ws` shell in
 * server.ts calls `open`, `receive`, `heartbeat` and `close` with the time, and the hub
 * answers through each session's Transport. Counters go out through a HubObserver.
 *
 *   const hub = new SignalingHub(resolveOptions({}), observer)
 *   const session = hub.open(transport, Date.now())
 *   hub.receive(session, '{"type":"join","room":"r","peer":"a"}', false, Date.now())
 *   hub.close(session)
 */
import type { PeerId, RoomId } from '@gossip-mesh/shared/ids'
import {
  type ErrorFrame,
  parseClientFrame,
  type ServerFrame,
  type SignalingErrorCode,
} from '@gossip-mesh/shared/signaling/signaling-frame'
import { takeToken } from '@gossip-mesh/shared/token-bucket'
import { CLOSE_POLICY_VIOLATION } from './close-codes'
import type { Cluster, ClusterHandlers } from './cluster'
import type { ResolvedOptions } from './options'
import { RoomRegistry } from './room-registry'
import { verifyRoomToken } from './room-token'
import { Session, type Transport } from './session'

export type RelayRoute = 'local' | 'cluster'
export type DropReason = 'backpressure' | 'cluster-error'
export type KickReason = 'abuse' | 'heartbeat'

/** What the hub reports, for metrics and logs. Every method is optional. */
export interface HubObserver {
  opened?(): void
  closed?(): void
  joined?(room: RoomId, peer: PeerId): void
  left?(room: RoomId, peer: PeerId): void
  /** A signal was handed to its target's socket, or to the target's instance. */
  relayed?(route: RelayRoute): void
  /** A frame was refused with an error frame carrying `code`. */
  rejected?(code: SignalingErrorCode): void
  /** A frame to a client was dropped. */
  dropped?(reason: DropReason): void
  /** A connection was closed by the server for `reason`. */
  kicked?(reason: KickReason): void
}

export class SignalingHub implements ClusterHandlers {
  readonly #rooms = new RoomRegistry<Session>()
  readonly #sessions = new Set<Session>()
  #cluster: Cluster | undefined

  constructor(
    readonly options: ResolvedOptions,
    readonly observer: HubObserver = {},
  ) {}

  /** Share rooms with other instances from now on. */
  useCluster(cluster: Cluster): void {
    this.#cluster = cluster
  }

  /** Open connections. */
  get connections(): number {
    return this.#sessions.size
  }

  /** Rooms with at least one peer on this instance. */
  get roomCount(): number {
    return this.#rooms.size
  }

  /** Every open session, e.g. for shutdown. */
  sessions(): IterableIterator<Session> {
    return this.#sessions.values()
  }

  open(transport: Transport, now: number): Session {
    const session = new Session(transport, now, this.options)
    this.#sessions.add(session)
    this.observer.opened?.()
    return session
  }

  /** Forget everything the connection held. Idempotent. */
  close(session: Session): void {
    if (!this.#sessions.delete(session)) return
    session.closed = true
    for (const [room, peer] of session.rooms) this.#leave(session, room, peer)
    session.rooms.clear()
    this.observer.closed?.()
  }

  /**
   * One heartbeat round: drop every session that showed no sign of life since the last
   * round, and ping the others. Call it every `heartbeatIntervalMs`. Returns how many it dropped.
   */
  heartbeat(): number {
    let dropped = 0
    for (const session of this.#sessions) {
      if (session.alive) {
        session.alive = false
        session.transport.ping()
        continue
      }
      dropped++
      this.observer.kicked?.('heartbeat')
      session.transport.terminate()
      this.close(session)
    }
    return dropped
  }

  /** Handle one frame from `session`. Never throws: bad input is answered and counted. */
  receive(session: Session, data: string | Buffer, isBinary: boolean, now: number): void {
    if (session.closed) return
    session.alive = true
    const error = this.#handle(session, data, isBinary, now)
    if (error !== undefined) this.reject(session, error, now)
  }

  /** Send an error frame, count it, and close the socket once it has used up its strikes. */
  reject(session: Session, error: ErrorFrame, now: number): void {
    this.observer.rejected?.(error.code)
    const o = this.options
    // Signals racing a peer's departure are normal under churn (trickle ICE sends several
    // candidates before the first answer arrives), and an `internal` or `unavailable`
    // failure is ours, not the client's, so none costs a strike; the frame rate limit still bounds how many
    // a client can provoke.
    if (error.code === 'unknown-peer' || error.code === 'internal' || error.code === 'unavailable') {
      this.#send(session, error)
      return
    }
    if (takeToken(session.strikes, o.maxRejectedBurst, o.rejectedRefillPerSecond, now)) {
      this.#send(session, error)
      return
    }
    this.#send(session, { ...error, message: `${error.message}; closing after repeated bad frames` })
    this.observer.kicked?.('abuse')
    session.transport.close(CLOSE_POLICY_VIOLATION, 'repeated bad frames')
    this.close(session)
  }

  /** From the cluster: a frame relayed by another instance to a peer here. */
  deliver(room: RoomId, to: PeerId, text: string): void {
    const target = this.#rooms.get(room, to)
    if (target !== undefined) this.#sendText(target, text)
  }

  /** From the cluster: `peer` rejoined `room` on another instance, so its socket here is stale. */
  evict(room: RoomId, peer: PeerId): void {
    const stale = this.#rooms.get(room, peer)
    if (stale === undefined || !this.#rooms.leave(room, peer, stale)) return
    stale.rooms.delete(room)
    this.observer.left?.(room, peer)
    this.#send(stale, replacedFrame(room, peer))
  }

  /** From the cluster: every (room, peer) held here. */
  *members(): Iterable<readonly [RoomId, PeerId]> {
    for (const session of this.#sessions) yield* session.rooms
  }

  #handle(session: Session, data: string | Buffer, isBinary: boolean, now: number): ErrorFrame | undefined {
    const o = this.options
    if (!takeToken(session.frames, o.rateLimitBurst, o.rateLimitPerSecond, now)) {
      return errorFrame('rate-limited', `over ${o.rateLimitPerSecond} frames per second; slow down`)
    }
    if (isBinary) return errorFrame('bad-frame', 'frames must be JSON text')
    const size = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength
    if (size > o.maxFrameBytes) {
      return errorFrame('too-large', `frame of ${size} bytes is over the limit of ${o.maxFrameBytes}`)
    }
    const parsed = parseClientFrame(typeof data === 'string' ? data : data.toString('utf8'))
    if (!parsed.ok) return parsed.error
    const frame = parsed.frame
    switch (frame.type) {
      case 'join':
        return this.#join(session, frame.room, frame.peer, frame.token, now)
      case 'signal':
        return this.#signal(session, frame.room, frame.to, frame.data)
      case 'leave': {
        // Leaving a room one is not in is a no-op, not an error: leave is idempotent.
        const peer = session.rooms.get(frame.room)
        if (peer !== undefined) {
          session.rooms.delete(frame.room)
          this.#leave(session, frame.room, peer)
        }
        return undefined
      }
    }
  }

  #join(
    session: Session,
    room: RoomId,
    peer: PeerId,
    token: string | undefined,
    now: number,
  ): ErrorFrame | undefined {
    const o = this.options
    const current = session.rooms.get(room)
    if (current === undefined && session.rooms.size >= o.maxRoomsPerConnection) {
      return errorFrame(
        'too-many-rooms',
        `a connection may be in at most ${o.maxRoomsPerConnection} rooms`,
        room,
      )
    }
    if (o.secret !== undefined && room.search(o.authRooms) !== -1) {
      const check = verifyRoomToken({ secret: o.secret, room, token, now })
      if (!check.ok) return errorFrame('unauthorized', `${check.reason}; join refused`, room)
    }
    // Joining again under another id is a leave of the old id first.
    if (current !== undefined && current !== peer) this.#leave(session, room, current)
    session.rooms.set(room, peer)
    const replaced = this.#rooms.join(room, peer, session)
    if (replaced !== undefined) {
      // Same id from a new socket: the old socket is stale (a reload, a network change).
      replaced.rooms.delete(room)
      this.#send(replaced, replacedFrame(room, peer))
    }
    if (current !== peer) this.observer.joined?.(room, peer)
    const cluster = this.#cluster
    if (cluster === undefined) {
      this.#send(session, { type: 'welcome', room, peers: this.#localSample(room, peer) })
      return undefined
    }
    cluster.join(room, peer, o.maxWelcomePeers).then(
      (peers) => this.#welcomeIfStillThere(session, room, peer, peers),
      // With Redis unreachable, the instance still serves its own peers rather than none.
      () => {
        this.observer.dropped?.('cluster-error')
        this.#welcomeIfStillThere(session, room, peer, this.#localSample(room, peer))
      },
    )
    return undefined
  }

  #welcomeIfStillThere(session: Session, room: RoomId, peer: PeerId, peers: PeerId[]): void {
    if (session.rooms.get(room) === peer) this.#send(session, { type: 'welcome', room, peers })
  }

  #localSample(room: RoomId, peer: PeerId): PeerId[] {
    return this.#rooms.sample(room, peer, this.options.maxWelcomePeers, this.options.random)
  }

  #signal(session: Session, room: RoomId, to: PeerId, data: unknown): ErrorFrame | undefined {
    const from = session.rooms.get(room)
    if (from === undefined) return errorFrame('not-joined', `join ${room} before signaling in it`, room)
    // `from` is the id this connection joined with, never a field the client sent.
    const text = JSON.stringify({ type: 'signal', room, from, data } satisfies ServerFrame)
    const target = this.#rooms.get(room, to)
    if (target !== undefined) {
      if (this.#sendText(target, text)) this.observer.relayed?.('local')
      return undefined
    }
    const cluster = this.#cluster
    if (cluster === undefined) return unknownPeerFrame(room, to)
    cluster.relay(room, to, text).then(
      (found) => {
        if (found) this.observer.relayed?.('cluster')
        else this.reject(session, unknownPeerFrame(room, to), this.options.now())
      },
      // Redis is away (or did not answer in time): say so at once rather than leave the
      // sender waiting for an answer that will never come.
      () => {
        this.observer.dropped?.('cluster-error')
        this.reject(session, clusterDownFrame(room, to), this.options.now())
      },
    )
    return undefined
  }

  #leave(session: Session, room: RoomId, peer: PeerId): void {
    if (!this.#rooms.leave(room, peer, session)) return
    this.#cluster?.leave(room, peer)
    this.observer.left?.(room, peer)
  }

  #send(session: Session, frame: ServerFrame): void {
    this.#sendText(session, JSON.stringify(frame))
  }

  /**
   * Every frame to a client passes here. A socket that stopped reading gets nothing more
   * once its queue is over `maxBufferedBytes`, so no client can make the server hoard memory.
   */
  #sendText(session: Session, text: string): boolean {
    if (session.closed) return false
    if (session.transport.bufferedAmount > this.options.maxBufferedBytes) {
      this.observer.dropped?.('backpressure')
      return false
    }
    session.transport.send(text)
    return true
  }
}

function errorFrame(code: SignalingErrorCode, message: string, room?: RoomId): ErrorFrame {
  return room === undefined ? { type: 'error', code, message } : { type: 'error', code, message, room }
}

function replacedFrame(room: RoomId, peer: PeerId): ErrorFrame {
  return { ...errorFrame('replaced', `peer ${peer} joined ${room} from another connection`, room), peer }
}

function unknownPeerFrame(room: RoomId, peer: PeerId): ErrorFrame {
  return { ...errorFrame('unknown-peer', `no peer ${peer} in ${room}`, room), peer }
}

function clusterDownFrame(room: RoomId, peer: PeerId): ErrorFrame {
  const message = `cannot reach ${peer} in ${room}: the store shared with other instances is unavailable; try again later`
  return { ...errorFrame('unavailable', message, room), peer }
}
