/**
 * Connection signaling through the mesh: where a signal for a peer without a channel
 * goes, and which copies to drop. Pure: the node feeds it its open channels.
 *
 * Route: straight to `to` when a channel to it is open; otherwise to every neighbour,
 * which does the same with `ttl` one lower. With the default ttl of 1, a signal reaches
 * any peer within three hops (origin → neighbour → neighbour's neighbour → `to`), which
 * covers HyParView's passive candidates in rooms of a few dozen peers; farther peers
 * need the signaling server, which the shell keeps as the fallback. Every peer drops a
 * (origin, nonce) it has already seen, so the flood sends each signal at most once per
 * channel.
 *
 *   const relay = new SignalRelay('a', random)
 *   const out = relay.originate('z', data, linked)          // frames to send
 *   const r = relay.receive('b', frame, linked)             // { deliver?, forward }
 */
import type { PeerId } from '../ids'
import type { Random } from '../random'
import type { SignalRelayFrame } from '../wire/frame'

/** Floods after the first hop when no channel to the target is known. */
export const SIGNAL_RELAY_TTL = 1
/** (origin, nonce) pairs remembered to drop copies: a few seconds of signaling in a busy room. */
export const SIGNAL_RELAY_SEEN = 2048

export interface RelaySend {
  readonly to: PeerId
  readonly frame: SignalRelayFrame
}

export interface RelayReceived {
  /** The signal, when this peer is its target (first copy only). */
  readonly deliver?: { readonly from: PeerId; readonly data: Uint8Array }
  readonly forward: RelaySend[]
}

export class SignalRelay {
  private readonly seen = new Set<string>()

  constructor(
    private readonly self: PeerId,
    private readonly random: Random,
  ) {}

  originate(to: PeerId, data: Uint8Array, linked: ReadonlySet<PeerId>): RelaySend[] {
    const frame: SignalRelayFrame = {
      type: 'signal-relay',
      origin: this.self,
      to,
      nonce: this.random.int(2 ** 31),
      ttl: SIGNAL_RELAY_TTL,
      data,
    }
    this.remember(frame)
    return this.route(frame, linked, undefined)
  }

  receive(from: PeerId, frame: SignalRelayFrame, linked: ReadonlySet<PeerId>): RelayReceived {
    if (frame.origin === this.self || !this.remember(frame)) return { forward: [] }
    if (frame.to === this.self) return { deliver: { from: frame.origin, data: frame.data }, forward: [] }
    return { forward: this.route(frame, linked, from) }
  }

  private route(frame: SignalRelayFrame, linked: ReadonlySet<PeerId>, from: PeerId | undefined): RelaySend[] {
    if (linked.has(frame.to)) return [{ to: frame.to, frame }]
    if (frame.ttl === 0 && from !== undefined) return []
    const next = from === undefined ? frame : { ...frame, ttl: frame.ttl - 1 }
    const out: RelaySend[] = []
    for (const peer of linked) if (peer !== from && peer !== frame.origin) out.push({ to: peer, frame: next })
    return out
  }

  /** False when this (origin, nonce) was seen already. */
  private remember(frame: SignalRelayFrame): boolean {
    const key = `${frame.origin} ${frame.nonce}`
    if (this.seen.has(key)) return false
    this.seen.add(key)
    if (this.seen.size > SIGNAL_RELAY_SEEN) {
      const oldest = this.seen.values().next().value
      if (oldest !== undefined) this.seen.delete(oldest)
    }
    return true
  }
}
