/**
 * Which way a connection signal goes: through the mesh (peers with open channels relay
 * it, `relay-signal` in the core) and through the signaling server. A peer with open
 * channels sends both ways while the server is up, and through the mesh alone while it
 * is down; a peer with no channel yet (a newcomer) can only use the server. Each signal
 * carries a nonce `n`, so the receiver drops the second copy.
 *
 *   const router = createSignalRouter({ viaServer, viaMesh, serverUp, meshUp, deliver, newNonce })
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
}

export interface SignalRouterStats {
  sentViaMesh: number
  sentViaServer: number
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
}

/** Nonces remembered per router: far more than the signals of a few connection attempts. */
const SEEN_CAP = 1024

export function createSignalRouter(o: SignalRouterOptions): SignalRouter {
  const seen = new Set<string>()
  const stats: SignalRouterStats = { sentViaMesh: 0, sentViaServer: 0, duplicates: 0, unreadable: 0 }
  const encoder = new TextEncoder()
  const decoder = new TextDecoder()

  const receive = (from: PeerId, data: unknown): void => {
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
      const data = { ...envelope, n: o.newNonce() }
      const meshUp = o.meshUp()
      if (meshUp) {
        o.viaMesh(to, encoder.encode(JSON.stringify(data)))
        stats.sentViaMesh++
      }
      // The server reaches any peer of the room; the mesh only those a few hops away.
      if (o.serverUp() || !meshUp) {
        o.viaServer(to, data)
        stats.sentViaServer++
      }
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
      receive(from, data)
    },
    stats: () => ({ ...stats }),
  }
}
