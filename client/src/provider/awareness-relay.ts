/**
 * y-protocols awareness over the mesh: each peer sends awareness changes to its
 * neighbours as ephemeral messages (never in the document or member metadata), and
 * passes on to its other neighbours whatever was news to it. Awareness clocks make this
 * a flood that stops by itself: a state already seen does not change the awareness,
 * so it is not passed on again. A new neighbour gets every state this peer knows.
 *
 * A peer that crashes stops renewing its state, and every awareness drops it after
 * y-protocols' 30 s timeout; a provider that disconnects removes its own state first.
 *
 *   const relay = createAwarenessRelay(awareness, mesh)
 *   relay.stop()
 */
import type { PeerId } from '@gossip-mesh/shared'
import * as awarenessProtocol from 'y-protocols/awareness'
import type { Mesh } from '../mesh'

/** First byte of an ephemeral payload that holds an awareness update. */
export const AWARENESS_TAG = 1

interface Changes {
  added: number[]
  updated: number[]
  removed: number[]
}

/** The origin of an update applied from the network: who sent it. */
class FromPeer {
  constructor(readonly peer: PeerId) {}
}

export interface AwarenessRelay {
  stop(): void
}

export function createAwarenessRelay(awareness: awarenessProtocol.Awareness, mesh: Mesh): AwarenessRelay {
  const frame = (clients: number[]): Uint8Array => {
    const update = awarenessProtocol.encodeAwarenessUpdate(awareness, clients)
    const out = new Uint8Array(update.length + 1)
    out[0] = AWARENESS_TAG
    out.set(update, 1)
    return out
  }

  const onUpdate = ({ added, updated, removed }: Changes, origin: unknown): void => {
    const changed = [...added, ...updated, ...removed]
    if (changed.length === 0) return
    // News from a neighbour goes on to the others; local changes go to everyone.
    mesh.sendEphemeral(frame(changed), origin instanceof FromPeer ? { except: origin.peer } : {})
  }

  const offEphemeral = mesh.on('ephemeral', ({ from, bytes }) => {
    if (bytes[0] !== AWARENESS_TAG) return
    try {
      awarenessProtocol.applyAwarenessUpdate(awareness, bytes.subarray(1), new FromPeer(from))
    } catch {
      // Bad input from a peer: dropped. (Awareness carries no stats of its own.)
    }
  })

  let known = new Set(mesh.neighbors())
  const offNeighbors = mesh.on('neighbors', (neighbors) => {
    const now = new Set(neighbors)
    const all = [...awareness.getStates().keys()]
    for (const peer of now)
      if (!known.has(peer) && all.length > 0) mesh.sendEphemeral(frame(all), { to: peer })
    known = now
  })

  awareness.on('update', onUpdate)
  // Neighbours already open when the relay starts hear what we know.
  const all = [...awareness.getStates().keys()]
  if (all.length > 0) mesh.sendEphemeral(frame(all))

  return {
    stop() {
      awareness.off('update', onUpdate)
      offEphemeral()
      offNeighbors()
    },
  }
}
