/**
 * y-protocols awareness over the mesh: each peer sends awareness changes to its
 * neighbours as ephemeral messages (never in the document or member metadata), and
 * passes on to its other neighbours whatever was news to it. Awareness clocks make this
 * a flood that stops by itself: a state already seen does not change the awareness,
 * so it is not passed on again. A new neighbour gets every state this peer knows.
 *
 * Each frame also names the owner of each state in it: the mesh peer and its membership
 * version (incarnation) when it sent the state (awareness-frame.ts). When membership
 * holds that peer dead or left at that version or later, every peer drops its states
 * itself, as a y-websocket server drops a closed connection's. Without it a tab that
 * crashes, or closes before its removal goes out (a page torn down with its data
 * channels), stays on everyone's screen until y-protocols' 30 s timeout. A tab that comes
 * back under the same peer id (a reload resuming it) has a higher version, so its new
 * state is kept; one declared dead by mistake refutes with a higher version, and its
 * state shows again at its next change or y-protocols' renewal (every 15–18 s).
 *
 *   const relay = createAwarenessRelay(awareness, mesh)
 *   relay.stop()
 */
import type { PeerId } from '@gossip-mesh/shared'
import * as awarenessProtocol from 'y-protocols/awareness'
import type { Member, Mesh } from '../mesh'
import { type AwarenessOwner, decodeAwarenessFrame, encodeAwarenessFrame } from './awareness-frame'

interface Changes {
  added: number[]
  updated: number[]
  removed: number[]
}

/** The origin of an update applied from the network: who sent it. */
class FromPeer {
  constructor(readonly peer: PeerId) {}
}

/** The origin of removals this peer made because membership holds the owner gone: every peer makes its own, so none is sent. */
const MEMBER_GONE = Symbol('member-gone')

export interface AwarenessRelay {
  /** The owner of awareness client `clientId`, when a frame has said. */
  ownerOf(clientId: number): AwarenessOwner | undefined
  /** Frames from neighbours dropped as malformed. */
  readonly dropped: number
  stop(): void
}

export function createAwarenessRelay(awareness: awarenessProtocol.Awareness, mesh: Mesh): AwarenessRelay {
  /** Members held dead or left, with the version of that verdict (as bounded as the member list). */
  let gone = new Map<PeerId, number>()
  let selfVersion = 0
  const follow = (members: Member[]): void => {
    gone = new Map()
    for (const m of members) {
      if (m.self) selfVersion = m.version
      else if (m.state === 'dead' || m.state === 'left') gone.set(m.id, m.version)
    }
  }
  follow(mesh.members())
  const isGone = (o: AwarenessOwner): boolean => (gone.get(o.peer) ?? -1) >= o.version

  /** Only for client ids with a state here: removals delete them, so it never outgrows the awareness. */
  const owners = new Map<number, AwarenessOwner>()
  /** Owners named by the frame being applied: taken only for the states it adds or updates. */
  let named = new Map<number, AwarenessOwner>()
  let dropped = 0

  const ownerOf = (c: number): AwarenessOwner | undefined =>
    c === awareness.clientID ? { peer: mesh.id, version: selfVersion } : owners.get(c)

  const frame = (clients: number[]): Uint8Array => {
    const known: [number, AwarenessOwner][] = []
    for (const c of clients) {
      const o = ownerOf(c)
      if (o !== undefined) known.push([c, o])
    }
    return encodeAwarenessFrame(known, awarenessProtocol.encodeAwarenessUpdate(awareness, clients))
  }

  const dropGone = (): void => {
    const drop: number[] = []
    for (const [c, o] of owners) if (isGone(o)) drop.push(c)
    if (drop.length > 0) awarenessProtocol.removeAwarenessStates(awareness, drop, MEMBER_GONE)
  }

  const onUpdate = ({ added, updated, removed }: Changes, origin: unknown): void => {
    for (const c of removed) owners.delete(c)
    if (origin === MEMBER_GONE) return
    let late = false
    for (const c of [...added, ...updated]) {
      const o = named.get(c)
      if (o === undefined || c === awareness.clientID) continue
      owners.set(c, o)
      // A neighbour that has not heard yet passed on the state of a peer gone here.
      if (isGone(o)) late = true
    }
    const changed = [...added, ...updated, ...removed].filter((c) => {
      const o = owners.get(c)
      return o === undefined || !isGone(o)
    })
    if (changed.length > 0)
      // News from a neighbour goes on to the others; local changes go to everyone.
      mesh.sendEphemeral(frame(changed), origin instanceof FromPeer ? { except: origin.peer } : {})
    if (late) dropGone()
  }

  const offEphemeral = mesh.on('ephemeral', ({ from, bytes }) => {
    const decoded = decodeAwarenessFrame(bytes)
    if (decoded === undefined) return
    if (!decoded.ok) {
      dropped++
      return
    }
    named = new Map(decoded.owners)
    try {
      awarenessProtocol.applyAwarenessUpdate(awareness, decoded.update, new FromPeer(from))
    } catch {
      // Bad input from a peer: dropped and counted.
      dropped++
    } finally {
      named = new Map()
    }
  })

  const offMembers = mesh.on('members', (members: Member[]) => {
    follow(members)
    if (owners.size > 0) dropGone()
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
    ownerOf,
    get dropped() {
      return dropped
    },
    stop() {
      awareness.off('update', onUpdate)
      offEphemeral()
      offMembers()
      offNeighbors()
    },
  }
}
