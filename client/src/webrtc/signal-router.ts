/**
 * Which way a connection signal goes: through the signaling server while it is up, and
 * through the mesh (peers with open channels relay it, `relay-signal` in the core) while
 * it is down. A newcomer with no channel yet can only use the server; its signals wait
 * in the signaling client's queue until the server is back. Each signal carries a nonce
 * `n`, so a receiver that gets one both ways (around a switch) drops the second copy.
 *
 * The core's relay reaches any peer of a connected overlay (within 10 hops): the first
 * signal to a peer it has no route for floods the mesh and leaves reverse routes behind
 * it; the answer comes back along them and lays the forward route (see the core's
 * `node/signal-relay.ts`). So this router holds later mesh signals to a peer that has
 * not been heard through the mesh lately (the initiator's trickled ICE candidates,
 * gathered before the answer came) until that peer's first reply arrives, or
 * `meshHoldMs` passes: sent at once, each would flood the room again.
 *
 * Why not both ways while the server is up (as before the relay reached far): a mesh
 * copy of a connection's first signal is a flood of the whole room, which is worth it
 * only when the server cannot carry the signal.
 *
 *   const router = createSignalRouter({ viaServer, viaMesh, serverUp, meshUp, deliver, newNonce, now, setTimer })
 *   router.send('b', { kind: 'request' })
 *   router.fromServer('b', data)   // or router.fromMesh('b', bytes)
 */
import type { PeerId } from '@gossip-mesh/shared'
import type { SignalEnvelope } from './signal-envelope'

export interface SignalRouterOptions {
  viaServer(to: PeerId, data: unknown): void
  viaMesh(to: PeerId, bytes: Uint8Array): void
  /** Welcomed by the signaling server right now. */
  serverUp(): boolean
  /** At least one data channel is open. */
  meshUp(): boolean
  /** Hand a signal (first copy) to the peer links. */
  deliver(from: PeerId, data: unknown): void
  newNonce(): string
  /** Monotonic milliseconds. */
  now(): number
  /** Call `fn` after `ms`; returns a function that cancels it. */
  setTimer(fn: () => void, ms: number): () => void
  /** Longest a mesh signal waits for its peer's first reply through the mesh. Default `ROUTER_DEFAULTS.meshHoldMs`. */
  meshHoldMs?: number
}

export const ROUTER_DEFAULTS = {
  /**
   * 5 s: an answer through the mesh takes a round trip of ≤ 10 hops plus the peer's
   * createAnswer, well under a second even in loaded tabs; past this the held signals go
   * anyway (flooding), still inside the link's 15 s connect timeout.
   */
  meshHoldMs: 5_000,
  /** A peer heard through the mesh this recently has a route to it in the core (routes are evicted only by newer ones). */
  routeFreshMs: 30_000,
} as const

export interface SignalRouterStats {
  sentViaMesh: number
  sentViaServer: number
  /** Mesh signals held until their peer's first mesh reply (or the hold timed out). */
  heldForRoute: number
  /** Second copies dropped (the same signal came both ways). */
  duplicates: number
  /** Relayed signals that were not JSON; dropped. */
  unreadable: number
}

export interface SignalRouter {
  send(to: PeerId, envelope: SignalEnvelope): void
  fromServer(from: PeerId, data: unknown): void
  fromMesh(from: PeerId, bytes: Uint8Array): void
  stats(): SignalRouterStats
  /** Cancel hold timers and forget held signals. */
  close(): void
}

/** Nonces remembered per router: far more than the signals of a few connection attempts. */
const SEEN_CAP = 1024
/** Peers remembered as heard through the mesh; as many as links a peer may open (`maxConnections` 64) and more. */
const HEARD_CAP = 256
/** Peers with held signals at once, and signals held per peer (a trickle of candidates is a handful). */
const HOLDS_CAP = 64
const HELD_PER_PEER = 32

interface Hold {
  readonly queue: unknown[]
  readonly cancel: () => void
}

export function createSignalRouter(o: SignalRouterOptions): SignalRouter {
  const holdMs = o.meshHoldMs ?? ROUTER_DEFAULTS.meshHoldMs
  const seen = new Set<string>()
  /** Peer → when a signal from it last came through the mesh. Insertion-ordered by that time. */
  const heard = new Map<PeerId, number>()
  const holds = new Map<PeerId, Hold>()
  const stats: SignalRouterStats = {
    sentViaMesh: 0,
    sentViaServer: 0,
    heldForRoute: 0,
    duplicates: 0,
    unreadable: 0,
  }
  const encoder = new TextEncoder()
  const decoder = new TextDecoder()

  /** `looks`: this signal may go looking for the peer (and hold the next); false for released ones. */
  const dispatch = (to: PeerId, data: unknown, looks = true): void => {
    if (o.serverUp() || !o.meshUp()) {
      o.viaServer(to, data)
      stats.sentViaServer++
      return
    }
    const hold = holds.get(to)
    if (hold !== undefined && hold.queue.length < HELD_PER_PEER) {
      hold.queue.push(data)
      stats.heldForRoute++
      return
    }
    o.viaMesh(to, encoder.encode(JSON.stringify(data)))
    stats.sentViaMesh++
    const at = heard.get(to)
    // This signal goes looking for the peer; the next ones wait for its reply.
    if (looks && hold === undefined && (at === undefined || o.now() - at > ROUTER_DEFAULTS.routeFreshMs))
      openHold(to)
  }

  const openHold = (to: PeerId): void => {
    if (holds.size >= HOLDS_CAP) release(holds.keys().next().value as PeerId)
    holds.set(to, { queue: [], cancel: o.setTimer(() => release(to), holdMs) })
  }

  /** Send what waited for `peer` (the way the server's state says now). */
  const release = (peer: PeerId): void => {
    const hold = holds.get(peer)
    if (hold === undefined) return
    holds.delete(peer)
    hold.cancel()
    for (const data of hold.queue) dispatch(peer, data, false)
  }

  const receive = (from: PeerId, data: unknown): void => {
    // Whichever way the reply came, the wait is over: a mesh reply laid the route, and a
    // server reply means the server is up again.
    release(from)
    const n = (data as { n?: unknown } | null)?.n
    if (typeof n === 'string') {
      const key = `${from} ${n}`
      if (seen.has(key)) {
        stats.duplicates++
        return
      }
      seen.add(key)
      if (seen.size > SEEN_CAP) seen.delete(seen.values().next().value as string)
    }
    o.deliver(from, data)
  }

  return {
    send(to, envelope) {
      dispatch(to, { ...envelope, n: o.newNonce() })
    },
    fromServer: receive,
    fromMesh(from, bytes) {
      let data: unknown
      try {
        data = JSON.parse(decoder.decode(bytes))
      } catch {
        stats.unreadable++
        return
      }
      heard.delete(from)
      heard.set(from, o.now())
      if (heard.size > HEARD_CAP) heard.delete(heard.keys().next().value as PeerId)
      receive(from, data)
    },
    stats: () => ({ ...stats }),
    close() {
      for (const hold of holds.values()) hold.cancel()
      holds.clear()
    },
  }
}
