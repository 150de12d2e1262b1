/**
 * ICE candidates that arrive before the offer they belong to. Trickle ICE does not order
 * them: node-datachannel gathers as soon as the connection exists and emits candidates
 * before the offer, and signals relayed through the mesh can overtake each other. Dropped,
 * they would leave the answering side with no address for the offerer (it could still be
 * found by its connectivity checks, later, and not always before the connect timeout).
 *
 * Bounded: the newest attempt per peer only, `maxPerPeer` candidates each, `maxPeers`
 * peers (the oldest entry makes way). Whatever is let go is reported to `onDiscard`.
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
  /** The candidates held for `peer`'s `attempt`, in arrival order; the peer's entry goes. */
  take(peer: PeerId, attempt: string): CandidateSignal[]
  /** Let go of everything held (closing). */
  clear(): void
}

interface Entry {
  attempt: string
  candidates: CandidateSignal[]
}

export function createEarlyCandidates(options: EarlyCandidatesOptions): EarlyCandidates {
  // Insertion-ordered: the first key is the oldest entry.
  const entries = new Map<PeerId, Entry>()

  const remove = (peer: PeerId): Entry | undefined => {
    const entry = entries.get(peer)
    entries.delete(peer)
    return entry
  }

  return {
    hold(peer, attempt, candidate) {
      let entry = entries.get(peer)
      if (entry !== undefined && entry.attempt !== attempt) {
        // A newer attempt: the older one will never get its offer through.
        options.onDiscard(entry.candidates.length)
        entry = undefined
        entries.delete(peer)
      }
      if (entry === undefined) {
        if (entries.size >= options.maxPeers) {
          const oldest = entries.keys().next().value as PeerId
          options.onDiscard(remove(oldest)?.candidates.length ?? 0)
        }
        entry = { attempt, candidates: [] }
        entries.set(peer, entry)
      }
      if (entry.candidates.length >= options.maxPerPeer) {
        options.onDiscard(1)
        return
      }
      entry.candidates.push(candidate)
    },

    take(peer, attempt) {
      const entry = remove(peer)
      if (entry === undefined) return []
      if (entry.attempt === attempt) return entry.candidates
      options.onDiscard(entry.candidates.length)
      return []
    },

    clear() {
      for (const entry of entries.values()) options.onDiscard(entry.candidates.length)
      entries.clear()
    },
  }
}
