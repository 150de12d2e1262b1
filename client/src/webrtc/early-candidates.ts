/**
 * ICE candidates that arrive before the offer they belong to. Trickle ICE does not order
 * them: node-datachannel gathers as soon as the connection exists and emits candidates
 * before the offer, and signals relayed through the mesh can overtake each other. Dropped,
 * they would leave the answering side with no address for the offerer (it could still be
 * found by its connectivity checks, later, and not always before the connect timeout).
 *
 * Bounded: `ATTEMPTS_PER_PEER` attempts per peer (attempt ids are random, so arrival is
 * the only order; two, so that a late candidate of an abandoned attempt cannot evict the
 * next attempt's), `maxPerPeer` candidates each, `maxPeers` peers (the oldest makes way).
 * Whatever is let go is reported to `onDiscard`.
 *
 *   const early = createEarlyCandidates({ maxPeers: 64, maxPerPeer: 16, onDiscard })
 *   early.hold('a', 'x1', candidate)      // no link for attempt x1 yet
 *   for (const c of early.take('a', 'x1')) peer.signal(c)   // once x1's offer came
 */
import type { PeerId } from '@gossip-mesh/shared'
import type { RtcSignal } from './signal-envelope'

export type CandidateSignal = Extract<RtcSignal, { type: 'candidate' }>

export interface EarlyCandidatesOptions {
  maxPeers: number
  maxPerPeer: number
  /** `count` held candidates were let go: stale, over a bound, or never claimed. */
  onDiscard(count: number): void
}

export interface EarlyCandidates {
  hold(peer: PeerId, attempt: string, candidate: CandidateSignal): void
  /** The candidates held for `peer`'s `attempt`, in arrival order; all held for the peer go. */
  take(peer: PeerId, attempt: string): CandidateSignal[]
  /** Let go of everything held (closing). */
  clear(): void
}

interface Held {
  attempt: string
  candidates: CandidateSignal[]
}

const ATTEMPTS_PER_PEER = 2

export function createEarlyCandidates(options: EarlyCandidatesOptions): EarlyCandidates {
  // Insertion-ordered: the first key is the oldest peer; per peer, oldest attempt first.
  const entries = new Map<PeerId, Held[]>()
  const count = (held: Held[]): number => held.reduce((n, h) => n + h.candidates.length, 0)

  return {
    hold(peer, attempt, candidate) {
      let held = entries.get(peer)
      if (held === undefined) {
        if (entries.size >= options.maxPeers) {
          const oldest = entries.keys().next().value as PeerId
          options.onDiscard(count(entries.get(oldest) ?? []))
          entries.delete(oldest)
        }
        held = []
        entries.set(peer, held)
      }
      let entry = held.find((h) => h.attempt === attempt)
      if (entry === undefined) {
        if (held.length >= ATTEMPTS_PER_PEER) options.onDiscard(held.shift()?.candidates.length ?? 0)
        entry = { attempt, candidates: [] }
        held.push(entry)
      }
      if (entry.candidates.length >= options.maxPerPeer) {
        options.onDiscard(1)
        return
      }
      entry.candidates.push(candidate)
    },

    take(peer, attempt) {
      const held = entries.get(peer)
      if (held === undefined) return []
      entries.delete(peer)
      // The offer of `attempt` came: any other attempt held for this peer is over.
      const entry = held.find((h) => h.attempt === attempt)
      options.onDiscard(count(held) - (entry?.candidates.length ?? 0))
      return entry?.candidates ?? []
    },

    clear() {
      for (const held of entries.values()) options.onDiscard(count(held))
      entries.clear()
    },
  }
}
