import { describe, expect, it } from 'vitest'
import { seededRandom } from '../random'
import { createVectorReplica } from '../replica/vector-replica'
import { decodeFrame, encodeFrame } from '../wire/codec'
import type { SignalRelayFrame } from '../wire/frame'
import type { Effect } from './effect'
import { createNode } from './gossip-node'
import { SignalRelay } from './signal-relay'

const data = new Uint8Array([1, 2, 3])

describe('signal relay frame', () => {
  it('round-trips through the codec', () => {
    const frame: SignalRelayFrame = {
      type: 'signal-relay',
      origin: 'a',
      to: 'z',
      nonce: 123456,
      ttl: 1,
      data,
    }
    const decoded = decodeFrame(encodeFrame(frame))
    expect(decoded).toEqual({ ok: true, frame })
  })

  it('rejects a truncated frame with a typed error', () => {
    const bytes = encodeFrame({ type: 'signal-relay', origin: 'a', to: 'z', nonce: 1, ttl: 1, data })
    const decoded = decodeFrame(bytes.subarray(0, bytes.length - 2))
    expect(decoded.ok).toBe(false)
  })
})

describe('SignalRelay routing', () => {
  const random = seededRandom(7)

  it('goes straight to the target when a channel to it is open', () => {
    const out = new SignalRelay('a', random).originate('z', data, new Set(['b', 'z']))
    expect(out.map((s) => s.to)).toEqual(['z'])
  })

  it('floods neighbours otherwise, and each hop lowers the ttl until it stops', () => {
    const a = new SignalRelay('a', random)
    const out = a.originate('z', data, new Set(['b', 'c']))
    expect(out.map((s) => s.to).sort()).toEqual(['b', 'c'])
    const frame = out[0]?.frame as SignalRelayFrame
    // b knows no channel to z: passes it on with ttl 0, not back to a.
    const b = new SignalRelay('b', random).receive('a', frame, new Set(['a', 'd']))
    expect(b.forward.map((s) => s.to)).toEqual(['d'])
    expect(b.forward[0]?.frame.ttl).toBe(0)
    // d has no channel to z either and the ttl is spent: it stops.
    expect(
      new SignalRelay('d', random).receive('b', b.forward[0]?.frame as SignalRelayFrame, new Set(['b', 'e']))
        .forward,
    ).toEqual([])
    // e, with a channel to z, would hand it over even at ttl 0.
    const e = new SignalRelay('e', random).receive(
      'd',
      b.forward[0]?.frame as SignalRelayFrame,
      new Set(['d', 'z']),
    )
    expect(e.forward.map((s) => s.to)).toEqual(['z'])
  })

  it('delivers to the target once and drops copies', () => {
    const frame = new SignalRelay('a', random).originate('z', data, new Set(['b']))[0]
      ?.frame as SignalRelayFrame
    const z = new SignalRelay('z', random)
    expect(z.receive('b', frame, new Set(['b'])).deliver).toEqual({ from: 'a', data })
    expect(z.receive('c', frame, new Set(['c'])).deliver).toBeUndefined()
  })
})

describe('node: relay-signal', () => {
  it('carries a signal along a chain a - b - c and hands it to c as a signal effect', () => {
    const nodes = Object.fromEntries(
      ['a', 'b', 'c'].map((id, i) => [
        id,
        createNode({ id, replica: createVectorReplica(), random: seededRandom(i + 1) }),
      ]),
    )
    const node = (id: string) => nodes[id] as ReturnType<typeof createNode>
    let now = 0
    for (const id of ['a', 'b', 'c']) node(id).handle(now, { type: 'start' })
    node('a').handle(now, { type: 'neighbor-up', peer: 'b' })
    node('b').handle(now, { type: 'neighbor-up', peer: 'a' })
    node('b').handle(now, { type: 'neighbor-up', peer: 'c' })
    node('c').handle(now, { type: 'neighbor-up', peer: 'b' })

    const relayFrames = (effects: Effect[], to: string) =>
      effects.filter(
        (e): e is Extract<Effect, { type: 'send' }> =>
          e.type === 'send' &&
          e.to === to &&
          (decodeFrame(e.bytes) as { frame?: { type: string } }).frame?.type === 'signal-relay',
      )
    now = 1
    const fromA = relayFrames(node('a').handle(now, { type: 'relay-signal', to: 'c', data }), 'b')
    expect(fromA).toHaveLength(1)
    const fromB = relayFrames(
      node('b').handle(now, { type: 'frame', from: 'a', bytes: fromA[0]?.bytes as Uint8Array }),
      'c',
    )
    expect(fromB).toHaveLength(1)
    const atC = node('c').handle(now, { type: 'frame', from: 'b', bytes: fromB[0]?.bytes as Uint8Array })
    expect(atC).toContainEqual({ type: 'signal', from: 'a', data })
  })
})
