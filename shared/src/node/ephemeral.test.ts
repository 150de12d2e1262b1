import { describe, expect, it } from 'vitest'
import { seededRandom } from '../random'
import { createVectorReplica } from '../replica/vector-replica'
import { decodeFrame, encodeFrame } from '../wire/codec'
import { DEFAULT_WIRE_LIMITS } from '../wire/limits'
import type { Effect } from './effect'
import { createNode } from './gossip-node'

const payload = new Uint8Array([7, 8, 9])

function started(id: string, seed: number, neighbors: string[]) {
  const node = createNode({ id, replica: createVectorReplica(), random: seededRandom(seed) })
  node.handle(0, { type: 'start' })
  for (const peer of neighbors) node.handle(0, { type: 'neighbor-up', peer })
  return node
}

const ephemeralSends = (effects: Effect[]) =>
  effects.filter(
    (e): e is Extract<Effect, { type: 'send' }> =>
      e.type === 'send' && (decodeFrame(e.bytes) as { frame?: { type: string } }).frame?.type === 'ephemeral',
  )

describe('node: ephemeral messages', () => {
  it('sends one frame to a neighbour, which hands it to its shell and forwards nothing', () => {
    const a = started('a', 1, ['b', 'c'])
    const b = started('b', 2, ['a', 'c'])
    const sent = ephemeralSends(a.handle(1, { type: 'send-ephemeral', to: 'b', kind: 3, payload }))
    expect(sent.map((e) => e.to)).toEqual(['b'])
    const atB = b.handle(1, { type: 'frame', from: 'a', bytes: sent[0]?.bytes as Uint8Array })
    expect(atB).toContainEqual({ type: 'ephemeral', from: 'a', kind: 3, payload })
    expect(ephemeralSends(atB)).toEqual([])
  })

  it('drops and counts a send to a peer without an open channel', () => {
    const a = started('a', 1, ['b'])
    const effects = a.handle(1, { type: 'send-ephemeral', to: 'z', kind: 1, payload })
    expect(ephemeralSends(effects)).toEqual([])
    expect(effects).toContainEqual(
      expect.objectContaining({ type: 'dropped', from: 'z', reason: 'not-neighbor' }),
    )
    expect(a.stats().dropped['not-neighbor']).toBe(1)
  })

  it('drops and counts a payload over maxEphemeralBytes instead of sending it', () => {
    const a = started('a', 1, ['b'])
    const big = new Uint8Array(DEFAULT_WIRE_LIMITS.maxEphemeralBytes + 1)
    const effects = a.handle(1, { type: 'send-ephemeral', to: 'b', kind: 1, payload: big })
    expect(ephemeralSends(effects)).toEqual([])
    expect(a.stats().dropped['send-oversized']).toBe(1)
  })

  it('drops one from a peer that is not a neighbour, without delivering it', () => {
    const b = started('b', 2, ['a'])
    const bytes = encodeFrame({ type: 'ephemeral', kind: 1, payload })
    const effects = b.handle(1, { type: 'frame', from: 'stranger', bytes })
    expect(effects.some((e) => e.type === 'ephemeral')).toBe(false)
    expect(effects).toContainEqual(
      expect.objectContaining({ type: 'dropped', from: 'stranger', reason: 'not-neighbor' }),
    )
    expect(b.stats().dropped['not-neighbor']).toBe(1)
  })

  it('rejects a kind that is not a byte as misuse', () => {
    const a = started('a', 1, ['b'])
    expect(() => a.handle(1, { type: 'send-ephemeral', to: 'b', kind: 256, payload })).toThrow(
      expect.objectContaining({ code: 'GM_ERR_EPHEMERAL_KIND' }),
    )
  })
})
