import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createNode } from '../node/gossip-node'
import { createYjsReplica } from '../replica/yjs-replica'
import { withSeed } from './seeded'
import { SimNetwork } from './sim-network'
import { SimRoom } from './sim-room'

function buildRoom(seed: number, size: number, loss: number) {
  const net = new SimNetwork({ seed, loss })
  const docs = new Map<string, Y.Doc>()
  const room = new SimRoom(net, (id, random) => {
    const doc = new Y.Doc()
    docs.set(id, doc)
    return createNode({ id, replica: createYjsReplica(doc), random })
  })
  for (let i = 0; i < size; i++) {
    room.join(`p${i}`)
    net.runFor(200)
  }
  return { net, docs, room }
}

/** Each peer writes its own key, as a shell would: apply locally, then hand the update to the node. */
function writeEverywhere(net: SimNetwork, docs: Map<string, Y.Doc>) {
  for (const [id, doc] of docs) {
    doc.once('update', (update: Uint8Array) => net.inject(id, { type: 'local-update', update }))
    doc.getMap('cells').set(id, `painted by ${id}`)
  }
}

function allConverged(docs: Map<string, Y.Doc>, expectedKeys: number): boolean {
  return [...docs.values()].every((d) => d.getMap('cells').size === expectedKeys)
}

describe('dissemination over the simulated network', () => {
  for (const loss of [0, 0.1]) {
    it(`50 peers converge on one document at ${loss * 100}% frame loss`, () =>
      withSeed((seed) => {
        const { net, docs } = buildRoom(seed, 50, loss)
        writeEverywhere(net, docs)
        const converged = net.runUntilTrue(() => allConverged(docs, 50), 60_000)
        expect(converged, `converged within 60 s of virtual time (seed ${seed})`).toBe(true)
        const reference = docs.get('p0')?.getMap('cells').toJSON()
        for (const doc of docs.values()) expect(doc.getMap('cells').toJSON()).toEqual(reference)
      }))
  }

  it('a peer that joins late receives the whole state through anti-entropy', () =>
    withSeed((seed) => {
      const { net, docs, room } = buildRoom(seed, 20, 0)
      writeEverywhere(net, docs)
      expect(net.runUntilTrue(() => allConverged(docs, 20), 30_000)).toBe(true)
      room.join('late')
      const late = () => docs.get('late')?.getMap('cells').size ?? 0
      expect(
        net.runUntilTrue(() => late() === 20, 10_000),
        `late joiner has all 20 cells (seed ${seed})`,
      ).toBe(true)
    }))

  it('heals a partition: writes on both sides reach everyone after it heals', () =>
    withSeed((seed) => {
      const { net, docs, room } = buildRoom(seed, 30, 0)
      net.runFor(5_000)
      const ids = room.ids()
      net.partition([ids.slice(0, 15), ids.slice(15)])
      writeEverywhere(net, docs)
      net.runFor(5_000)
      expect(allConverged(docs, 30), 'a partition keeps some writes apart').toBe(false)
      net.heal()
      expect(
        net.runUntilTrue(() => allConverged(docs, 30), 60_000),
        `healed (seed ${seed})`,
      ).toBe(true)
    }))

  it('a crashed peer becomes suspect then dead in every live view; a left peer shows as left', () =>
    withSeed((seed) => {
      const { net, room } = buildRoom(seed, 20, 0)
      net.runFor(5_000)
      net.crash('p3')
      net.inject('p4', { type: 'leave' })
      const stateIn = (viewer: string, subject: string) =>
        net
          .node(viewer)
          ?.members()
          .find((m) => m.id === subject)?.state
      const others = room.ids().filter((id) => id !== 'p3' && id !== 'p4')
      const done = () => others.every((v) => stateIn(v, 'p3') === 'dead' && stateIn(v, 'p4') === 'left')
      expect(net.runUntilTrue(done, 40_000), `crash and leave seen everywhere (seed ${seed})`).toBe(true)
      const alivePeers = others.filter((v) => stateIn(others[0] as string, v) === 'alive')
      expect(alivePeers.length, 'no live peer was declared dead').toBe(others.length)
    }))
})
