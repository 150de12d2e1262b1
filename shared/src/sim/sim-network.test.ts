import { describe, expect, it } from 'vitest'
import type { PeerId } from '../ids'
import type { Effect } from '../node/effect'
import type { MeshNode } from '../node/mesh-node'
import type { NodeEvent } from '../node/node-event'
import { emptyStats } from '../node/node-stats'
import { SimNetwork } from './sim-network'

/** A node that records what it is fed and returns whatever the test queues next. */
function recorder(id: PeerId) {
  const events: NodeEvent[] = []
  let next: Effect[] = []
  const node: MeshNode = {
    id,
    handle(_now, event) {
      events.push(event)
      const out = next
      next = []
      return out
    },
    nextWakeAt: () => Number.POSITIVE_INFINITY,
    members: () => [],
    neighbors: () => [],
    stats: emptyStats,
  }
  return { node, events, respond: (effects: Effect[]) => (next = effects) }
}

const types = (events: NodeEvent[]) =>
  events.map((e) => (e.type === 'neighbor-down' || e.type === 'neighbor-up' ? `${e.type}:${e.peer}` : e.type))

describe('SimNetwork', () => {
  it('a restarted node is a new instance: old channels close, old crash notices do not cut new ones', () => {
    const net = new SimNetwork({ seed: 1, crashDetectMs: 5_000 })
    const a = recorder('a')
    const b = recorder('b')
    net.addNode('a', () => a.node)
    net.addNode('b', () => b.node)
    a.respond([{ type: 'connect', peer: 'b' }])
    net.inject('a', { type: 'tick' })
    net.runFor(1_000)
    expect(net.degree('a')).toBe(1)

    net.crash('b')
    expect(() => net.restart('a', () => a.node)).toThrow(/not a crashed node/)
    net.runFor(1_000)
    const b2 = recorder('b')
    net.restart('b', () => b2.node)
    expect(types(a.events)).toContain('neighbor-down:b')
    expect(types(b2.events)).toEqual(['start'])

    // The new b connects to a before the old crash notice (5 s after the crash) fires.
    b2.respond([{ type: 'connect', peer: 'a' }])
    net.inject('b', { type: 'tick' })
    net.runFor(10_000)
    expect(net.degree('a'), 'the old crash notice left the new channel alone').toBe(1)
    expect(types(b2.events)).toContain('neighbor-up:a')
  })

  it('datagram mode delivers without a connection, only to live nodes', () => {
    const net = new SimNetwork({ seed: 2, datagram: true })
    const a = recorder('a')
    const b = recorder('b')
    const c = recorder('c')
    net.addNode('a', () => a.node)
    net.addNode('b', () => b.node)
    net.addNode('c', () => c.node)
    net.crash('c')
    const bytes = new Uint8Array([1, 2, 3])
    a.respond([
      { type: 'send', to: 'b', bytes },
      { type: 'send', to: 'c', bytes },
    ])
    net.inject('a', { type: 'tick' })
    net.runFor(1_000)
    expect(types(b.events)).toEqual(['start', 'frame'])
    expect(net.framesLost).toBe(1)
  })
})
