/**
 * y-protocols awareness over the mesh: each peer sends awareness changes to its
 * neighbours as ephemeral messages (never in the document or member metadata), and
 * passes on to its other neighbours whatever was news to it. Awareness clocks make this
 * a flood that stops by itself: a state already seen does not change the awareness,
 * so it is not passed on again. A new neighbour gets every state this peer knows.
 *
 * Each frame also names the peer that owns each state in it (its awareness client id →
 * its mesh peer id), so when membership holds a peer dead or left, every peer drops that
 * peer's states at once, as a y-websocket server drops a closed connection's. Without it
 * a tab that closes before its removal goes out (a page torn down with its data channels)
 * or that crashes stays on everyone's screen until y-protocols' 30 s timeout. A peer
 * declared dead by mistake is back within 15 s, when its awareness renews its state
 * (or at once, if the removal reaches it).
 *
 *   const relay = createAwarenessRelay(awareness, mesh)
 *   relay.stop()
 */
import type { PeerId } from '@gossip-mesh/shared'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as awarenessProtocol from 'y-protocols/awareness'
import type { Member, Mesh } from '../mesh'

/** First byte of an ephemeral payload that holds an awareness update alone (older peers). */
export const AWARENESS_TAG = 1
/** First byte of an ephemeral payload that holds owners, then an awareness update. */
export const OWNED_AWARENESS_TAG = 2
/** Owners read from one frame at most; a frame naming more is dropped. */
const MAX_OWNERS_PER_FRAME = 4_096

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
  /** The peer owning awareness client `clientId`, when a frame has said. */
  ownerOf(clientId: number): PeerId | undefined
  stop(): void
}

export function createAwarenessRelay(awareness: awarenessProtocol.Awareness, mesh: Mesh): AwarenessRelay {
  /** Only for client ids with a state here: removals delete them, so it never outgrows the awareness. */
  const owners = new Map<number, PeerId>([[awareness.clientID, mesh.id]])
  /** Members held dead or left at the last 'members' event (as bounded as the member list). */
  let gone = new Set<PeerId>()
  const dropGone = (): void => {
    const drop = [...owners].filter(([c, peer]) => c !== awareness.clientID && gone.has(peer)).map(([c]) => c)
    if (drop.length > 0) awarenessProtocol.removeAwarenessStates(awareness, drop, MEMBER_GONE)
  }

  const frame = (clients: number[]): Uint8Array => {
    const e = encoding.createEncoder()
    encoding.writeUint8(e, OWNED_AWARENESS_TAG)
    const known = clients.filter((c) => owners.has(c))
    encoding.writeVarUint(e, known.length)
    for (const c of known) {
      encoding.writeVarUint(e, c)
      encoding.writeVarString(e, owners.get(c) as PeerId)
    }
    encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(awareness, clients))
    return encoding.toUint8Array(e)
  }

  /** Throws on a malformed frame. */
  const read = (bytes: Uint8Array): { named: [number, PeerId][]; update: Uint8Array } => {
    if (bytes[0] === AWARENESS_TAG) return { named: [], update: bytes.subarray(1) }
    const d = decoding.createDecoder(bytes.subarray(1))
    const count = decoding.readVarUint(d)
    if (count > MAX_OWNERS_PER_FRAME) throw new RangeError('too many owners')
    const named: [number, PeerId][] = []
    for (let i = 0; i < count; i++) named.push([decoding.readVarUint(d), decoding.readVarString(d) as PeerId])
    return { named, update: decoding.readVarUint8Array(d) }
  }

  const onUpdate = ({ added, updated, removed }: Changes, origin: unknown): void => {
    for (const c of removed) if (c !== awareness.clientID) owners.delete(c)
    if (origin === MEMBER_GONE) return
    const changed = [...added, ...updated, ...removed]
    if (changed.length === 0) return
    // News from a neighbour goes on to the others; local changes go to everyone.
    mesh.sendEphemeral(frame(changed), origin instanceof FromPeer ? { except: origin.peer } : {})
  }

  const offEphemeral = mesh.on('ephemeral', ({ from, bytes }) => {
    if (bytes[0] !== AWARENESS_TAG && bytes[0] !== OWNED_AWARENESS_TAG) return
    try {
      const { named, update } = read(bytes)
      const mine = named.filter(([c]) => c !== awareness.clientID)
      // Known before applying: the update event passes the states on at once, owners named.
      for (const [c, peer] of mine) owners.set(c, peer)
      try {
        awarenessProtocol.applyAwarenessUpdate(awareness, update, new FromPeer(from))
      } finally {
        const states = awareness.getStates()
        for (const [c] of mine) if (!states.has(c)) owners.delete(c)
      }
      // A neighbour that has not heard yet may pass on the state of a peer gone here.
      if (named.some(([, peer]) => gone.has(peer))) dropGone()
    } catch {
      // Bad input from a peer: dropped. (Awareness carries no stats of its own.)
    }
  })

  const offMembers = mesh.on('members', (members: Member[]) => {
    gone = new Set(members.filter((m) => m.state === 'dead' || m.state === 'left').map((m) => m.id))
    if (owners.size > 1) dropGone()
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
    ownerOf: (clientId) => owners.get(clientId),
    stop() {
      awareness.off('update', onUpdate)
      offEphemeral()
      offMembers()
      offNeighbors()
    },
  }
}
