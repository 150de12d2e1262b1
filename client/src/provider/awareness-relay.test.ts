/**
 * The awareness relay over a fake mesh, a line of three peers a — b — c: frames are
 * delivered synchronously to neighbours, and membership is whatever the test emits.
 */
import type { MemberState, PeerId } from '@gossip-mesh/shared'
import { describe, expect, it } from 'vitest'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as Y from 'yjs'
import { createEmitter } from '../emitter'
import type { Member, Mesh, MeshEvents } from '../mesh'
import { AWARENESS_TAG, encodeAwarenessFrame } from './awareness-frame'
import { type AwarenessRelay, createAwarenessRelay } from './awareness-relay'

interface Peer {
  readonly id: PeerId
  readonly awareness: awarenessProtocol.Awareness
  readonly events: ReturnType<typeof createEmitter<MeshEvents>>
  relay: AwarenessRelay
  /** Ephemeral frames this peer sent. */
  sent: number
  /** Tell this peer how membership stands: a state, or a state and version (default 1). */
  members(states: Record<string, MemberState | [MemberState, number]>): void
}

function line(names: string[]): Peer[] {
  const peers: Peer[] = names.map((name) => {
    const events = createEmitter<MeshEvents>()
    return {
      id: name as PeerId,
      awareness: new awarenessProtocol.Awareness(new Y.Doc()),
      events,
      relay: undefined as unknown as AwarenessRelay,
      sent: 0,
      members(states) {
        const list = Object.entries(states).map(([id, given]) => {
          const [state, version] = typeof given === 'string' ? [given, 1] : given
          return { id, state, version, since: 0, meta: undefined, self: id === name } as Member
        })
        events.emit('members', list)
      },
    }
  })
  for (const p of peers) p.relay = createAwarenessRelay(p.awareness, fakeMesh(p, peers))
  return peers
}

/** Just what the relay uses of a mesh: frames reach the peer's line neighbours at once. */
function fakeMesh(p: Peer, peers: Peer[]): Mesh {
  const i = peers.indexOf(p)
  const neighbours = [peers[i - 1], peers[i + 1]].filter((n): n is Peer => n !== undefined)
  return {
    id: p.id,
    neighbors: () => neighbours.map((n) => n.id),
    members: () => [],
    on: p.events.on,
    sendEphemeral(bytes: Uint8Array, options: { to?: PeerId; except?: PeerId } = {}) {
      p.sent++
      for (const n of neighbours)
        if (n.id !== options.except && (options.to === undefined || options.to === n.id))
          n.events.emit('ephemeral', { from: p.id, bytes })
    },
  } as unknown as Mesh
}

/** The names in the states `p` holds (a new awareness holds an empty state of its own). */
const names = (p: Peer) =>
  [...p.awareness.getStates().values()]
    .map((s) => (s as { name?: string }).name)
    .filter((n) => n !== undefined)
    .sort()

describe('awareness relay', () => {
  it('passes states on, naming each state’s owner to peers that are not its neighbour', () => {
    const [a, b, c] = line(['a', 'b', 'c']) as [Peer, Peer, Peer]
    for (const p of [a, b, c]) p.awareness.setLocalState({ name: p.id })
    for (const p of [a, b, c]) expect(names(p)).toEqual(['a', 'b', 'c'])
    expect(c.relay.ownerOf(a.awareness.clientID)?.peer).toBe('a')
    expect(a.relay.ownerOf(c.awareness.clientID)?.peer).toBe('c')
  })

  it('drops a peer’s states when membership holds it dead or left, though its removal never came', () => {
    const [a, b, c] = line(['a', 'b', 'c']) as [Peer, Peer, Peer]
    for (const p of [a, b, c]) p.awareness.setLocalState({ name: p.id })
    const sentBefore = a.sent

    a.members({ a: 'alive', b: 'alive', c: 'dead' })
    expect(names(a)).toEqual(['a', 'b'])
    // Every peer drops it by its own membership: nothing is sent for it.
    expect(a.sent).toBe(sentBefore)
    expect(names(b)).toEqual(['a', 'b', 'c'])
    b.members({ a: 'alive', b: 'alive', c: 'left' })
    expect(names(b)).toEqual(['a', 'b'])
    // Suspect is not gone.
    a.members({ a: 'alive', b: 'suspect', c: 'dead' })
    expect(names(a)).toEqual(['a', 'b'])
    // Nor is this peer, whatever its own table says of it.
    a.members({ a: 'dead', b: 'alive', c: 'dead' })
    expect(names(a)).toEqual(['a', 'b'])
  })

  it('keeps the state of a tab back under the same peer id (a reload), though the verdict on its last run stands here', () => {
    const [a, b, c] = line(['a', 'b', 'c']) as [Peer, Peer, Peer]
    a.members({ a: 'alive', b: 'alive', c: ['left', 3] })
    // c comes back at incarnation 4 with a new awareness; its state reaches a before its news does.
    c.members({ c: ['alive', 4] })
    c.awareness.setLocalState({ name: 'c again' })
    expect(names(a)).toEqual(['c again'])
    expect(a.relay.ownerOf(c.awareness.clientID)).toEqual({ peer: 'c', version: 4 })
    a.members({ a: 'alive', b: 'alive', c: ['left', 3] })
    expect(names(a)).toEqual(['c again'])
    void b
  })

  it('a stale frame naming another owner for a live state changes nothing', () => {
    const [a, b] = line(['a', 'b']) as [Peer, Peer]
    const doc = new Y.Doc()
    doc.clientID = 42
    const cy = new awarenessProtocol.Awareness(doc)
    cy.setLocalState({ name: 'old' })
    const stale = awarenessProtocol.encodeAwarenessUpdate(cy, [42])
    cy.setLocalState({ name: 'cy' })
    const fresh = awarenessProtocol.encodeAwarenessUpdate(cy, [42])
    const send = (peer: string, update: Uint8Array) =>
      a.events.emit('ephemeral', {
        from: b.id,
        bytes: encodeAwarenessFrame([[42, { peer: peer as PeerId, version: 1 }]], update),
      })
    send('p2', fresh)
    send('p1', stale)
    expect(a.relay.ownerOf(42)?.peer).toBe('p2')
    a.members({ p1: 'left', p2: 'alive' })
    expect(names(a)).toEqual(['cy'])
  })

  it('drops a gone peer’s state that a neighbour passes on late, and takes it back when the peer renews it', () => {
    const [a, b, c] = line(['a', 'b', 'c']) as [Peer, Peer, Peer]
    for (const p of [a, b, c]) p.awareness.setLocalState({ name: p.id })
    a.members({ a: 'alive', b: 'alive', c: 'dead' })
    // c was declared dead by mistake and changes its state; b, not told, passes it on.
    c.awareness.setLocalStateField('name', 'c2')
    expect(names(b)).toEqual(['a', 'b', 'c2'])
    expect(names(a)).toEqual(['a', 'b'])
    // Membership here sees c again (it refuted): its next change shows.
    a.members({ a: 'alive', b: 'alive', c: 'alive' })
    c.awareness.setLocalStateField('name', 'c3')
    expect(names(a)).toEqual(['a', 'b', 'c3'])
  })

  it('drops malformed frames and still reads frames without owners (older peers)', () => {
    const [a, b] = line(['a', 'b']) as [Peer, Peer]
    for (const bytes of [[2], [2, 200, 200, 200, 200, 200], [2, 1, 5, 3, 97], [1, 9, 9, 9]])
      expect(() => a.events.emit('ephemeral', { from: b.id, bytes: new Uint8Array(bytes) })).not.toThrow()
    expect(names(a)).toEqual([])

    const other = new awarenessProtocol.Awareness(new Y.Doc())
    other.setLocalState({ name: 'old' })
    const update = awarenessProtocol.encodeAwarenessUpdate(other, [other.clientID])
    a.events.emit('ephemeral', { from: b.id, bytes: new Uint8Array([AWARENESS_TAG, ...update]) })
    expect(names(a)).toEqual(['old'])
    expect(a.relay.ownerOf(other.clientID)).toBeUndefined()

    // Owners with an update that does not apply: dropped, and no owner left behind.
    const before = a.relay.dropped
    const bad = encodeAwarenessFrame([[99, { peer: 'z' as PeerId, version: 1 }]], new Uint8Array([5, 5, 5]))
    a.events.emit('ephemeral', { from: b.id, bytes: bad })
    expect(a.relay.ownerOf(99)).toBeUndefined()
    expect(a.relay.dropped).toBe(before + 1)
  })
})
