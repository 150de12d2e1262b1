import { describe, expect, it } from 'vitest'
import { seededRandom } from '../random'
import { createVectorReplica } from '../replica/vector-replica'
import { decodeFrame, encodeFrame } from '../wire/codec'
import type { SignalRelayFrame } from '../wire/frame'
import type { Effect } from './effect'
import { createNode } from './gossip-node'
import {
  SIGNAL_RELAY_FLOODS_PER_ORIGIN,
  SIGNAL_RELAY_NEIGHBOR_BUCKETS,
  SIGNAL_RELAY_NEIGHBOR_FLOOD_BURST,
  SIGNAL_RELAY_NEIGHBOR_FLOODS_PER_SECOND,
  SIGNAL_RELAY_ROUTES,
  SIGNAL_RELAY_SEEN,
  SIGNAL_RELAY_TTL,
  SignalRelay,
} from './signal-relay'

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
  const frameOf = (sends: { frame: SignalRelayFrame }[], i = 0) => sends[i]?.frame as SignalRelayFrame

  it('goes straight to the target when a channel to it is open', () => {
    const out = new SignalRelay('a', random).originate('z', data, new Set(['b', 'z']))
    expect(out.map((s) => s.to)).toEqual(['z'])
  })

  it('floods a signal it knows no route for, one ttl lower per hop, never back', () => {
    const a = new SignalRelay('a', random)
    const out = a.originate('z', data, new Set(['b', 'c']))
    expect(out.map((s) => s.to).sort()).toEqual(['b', 'c'])
    expect(frameOf(out).ttl).toBe(SIGNAL_RELAY_TTL)
    const b = new SignalRelay('b', random).receive('a', frameOf(out), new Set(['a', 'd', 'e']), 0)
    expect(b.forward.map((s) => s.to).sort()).toEqual(['d', 'e'])
    expect(frameOf(b.forward).ttl).toBe(SIGNAL_RELAY_TTL - 1)
  })

  it('stops a flood whose ttl is spent, unless it can hand it to the target', () => {
    const spent: SignalRelayFrame = { type: 'signal-relay', origin: 'a', to: 'z', nonce: 1, ttl: 0, data }
    const d = new SignalRelay('d', random)
    expect(d.receive('b', spent, new Set(['b', 'e']), 0).forward).toEqual([])
    expect(d.stats().expired).toBe(1)
    const e = new SignalRelay('e', random).receive('d', spent, new Set(['d', 'z']), 0)
    expect(e.forward.map((s) => s.to)).toEqual(['z'])
  })

  it('cuts a forged ttl to the protocol’s', () => {
    const forged: SignalRelayFrame = { type: 'signal-relay', origin: 'a', to: 'z', nonce: 1, ttl: 255, data }
    const out = new SignalRelay('b', random).receive('a', forged, new Set(['a', 'c']), 0).forward
    expect(frameOf(out).ttl).toBe(SIGNAL_RELAY_TTL - 1)
  })

  it('sends the answer back along the reverse route, recording the forward route', () => {
    // a - b - c - z, c also linked to x and y: the offer floods, the answer is unicast.
    const [a, b, c, z] = ['a', 'b', 'c', 'z'].map((id) => new SignalRelay(id, random)) as [
      SignalRelay,
      SignalRelay,
      SignalRelay,
      SignalRelay,
    ]
    const offer = frameOf(a.originate('z', data, new Set(['b'])))
    const atC = frameOf(b.receive('a', offer, new Set(['a', 'c']), 0).forward)
    const cOut = c.receive('b', atC, new Set(['b', 'x', 'y', 'z']), 0).forward
    expect(cOut.map((s) => s.to)).toEqual(['z'])
    expect(z.receive('c', frameOf(cOut), new Set(['c']), 0).deliver?.from).toBe('a')

    const answer = z.originate('a', data, new Set(['c']))
    expect(answer.map((s) => s.to)).toEqual(['c'])
    const fromC = c.receive('z', frameOf(answer), new Set(['b', 'x', 'y', 'z']), 0).forward
    expect(fromC.map((s) => s.to)).toEqual(['b']) // routed: not flooded to x and y
    const fromB = b.receive('c', frameOf(fromC), new Set(['a', 'c']), 0).forward
    expect(a.receive('b', frameOf(fromB), new Set(['b']), 0).deliver?.from).toBe('z')

    // The forward route exists at every hop: a candidate from a goes c-ward alone.
    expect(a.routeTo('z')).toBe('b')
    expect(b.routeTo('z')).toBe('c')
    const candidate = a.originate('z', data, new Set(['b', 'q']))
    expect(candidate.map((s) => s.to)).toEqual(['b'])
    const fromB2 = b.receive('a', frameOf(candidate), new Set(['a', 'c', 'r']), 0).forward
    expect(fromB2.map((s) => s.to)).toEqual(['c'])
    expect(
      c.receive('b', frameOf(fromB2), new Set(['b', 'x', 'y', 'z']), 0).forward.map((s) => s.to),
    ).toEqual(['z'])
    // b floods the offer (to c alone), hands the answer to a, routes the candidate.
    expect(b.stats()).toMatchObject({ floods: 1, sentDirect: 1, sentRouted: 1 })
  })

  it('delivers to the target once and drops copies', () => {
    const frame = frameOf(new SignalRelay('a', random).originate('z', data, new Set(['b'])))
    const z = new SignalRelay('z', random)
    expect(z.receive('b', frame, new Set(['b']), 0).deliver).toEqual({ from: 'a', data })
    expect(z.receive('c', frame, new Set(['c']), 0).deliver).toBeUndefined()
    expect(z.stats().duplicates).toBe(1)
  })

  it('floods from where a route broke: next hop gone, or pointing back', () => {
    const b = new SignalRelay('b', random)
    const fromZ: SignalRelayFrame = { type: 'signal-relay', origin: 'z', to: 'a', nonce: 1, ttl: 5, data }
    b.receive('c', fromZ, new Set(['a', 'c']), 0) // b learns z via c
    expect(b.routeTo('z')).toBe('c')
    // c's channel closed: b floods to its remaining neighbours.
    const toZ: SignalRelayFrame = { type: 'signal-relay', origin: 'a', to: 'z', nonce: 2, ttl: 5, data }
    const out = b.receive('a', toZ, new Set(['a', 'd', 'e']), 0).forward
    expect(out.map((s) => s.to).sort()).toEqual(['d', 'e'])
    expect(b.routeTo('z')).toBeUndefined()
    expect(b.stats()).toMatchObject({ routesBroken: 1, floods: 1 })

    // A route to z via c, and c sends b a frame for z: c thinks z is behind b. Flood.
    b.receive('c', { ...fromZ, nonce: 3 }, new Set(['a', 'c']), 0)
    const back = b.receive('c', { ...toZ, origin: 'x', nonce: 4 }, new Set(['a', 'c']), 0).forward
    expect(back.map((s) => s.to)).toEqual(['a'])
    expect(b.stats().routesBroken).toBe(2)
  })

  it('drops its route and floods once when a routed signal comes back (a loop)', () => {
    const b = new SignalRelay('b', random)
    b.receive(
      'c',
      { type: 'signal-relay', origin: 'z', to: 'q', nonce: 1, ttl: 5, data },
      new Set(['a', 'c']),
      0,
    )
    const toZ: SignalRelayFrame = { type: 'signal-relay', origin: 'a', to: 'z', nonce: 2, ttl: 5, data }
    expect(b.receive('a', toZ, new Set(['a', 'c', 'd']), 0).forward.map((s) => s.to)).toEqual(['c'])
    // The same signal returns from d: the path beyond c led back here.
    const again = b.receive('d', { ...toZ, ttl: 2 }, new Set(['a', 'c', 'd']), 0).forward
    expect(again.map((s) => s.to).sort()).toEqual(['c'])
    expect(frameOf(again).ttl).toBe(1)
    expect(b.routeTo('z')).toBeUndefined()
    expect(b.stats().loops).toBe(1)
    // A third copy is an ordinary duplicate.
    expect(b.receive('c', toZ, new Set(['a', 'c', 'd']), 0).forward).toEqual([])
  })

  it('detects a loop back to the origin too', () => {
    const a = new SignalRelay('a', random)
    a.receive(
      'b',
      { type: 'signal-relay', origin: 'z', to: 'q', nonce: 1, ttl: 5, data },
      new Set(['b', 'c']),
      0,
    )
    const out = a.originate('z', data, new Set(['b', 'c']))
    expect(out.map((s) => s.to)).toEqual(['b'])
    const back = a.receive('c', { ...frameOf(out), ttl: 4 }, new Set(['b', 'c']), 0).forward
    expect(back.map((s) => s.to)).toEqual(['b'])
    expect(a.stats().loops).toBe(1)
  })

  it('drops malformed and forgotten frames, never throws', () => {
    const b = new SignalRelay('b', random)
    const linked = new Set(['a', 'c'])
    const base: SignalRelayFrame = { type: 'signal-relay', origin: 'a', to: 'z', nonce: 1, ttl: 3, data }
    expect(b.receive('a', { ...base, to: 'a' }, linked, 0)).toEqual({ forward: [] }) // to its own origin
    expect(b.receive('c', { ...base, to: 'c' }, linked, 0)).toEqual({ forward: [] }) // to the peer passing it
    expect(b.receive('a', { ...base, origin: 'b', nonce: 9 }, linked, 0)).toEqual({ forward: [] }) // "ours", never sent
    expect(b.originate('b', data, linked)).toEqual([]) // to itself
    expect(b.stats().rejected).toBe(4)
    expect(b.routeTo('a')).toBeUndefined()
  })

  it('keeps routes and remembered signals bounded', () => {
    const b = new SignalRelay('b', random)
    const linked = new Set(['a', 'c'])
    const extra = 500
    for (let i = 0; i < SIGNAL_RELAY_SEEN + extra; i++)
      b.receive('a', { type: 'signal-relay', origin: `o${i}`, to: 'z', nonce: i, ttl: 0, data }, linked, 0)
    const s = b.stats()
    expect(s.routes).toBe(SIGNAL_RELAY_ROUTES)
    expect(s.remembered).toBe(SIGNAL_RELAY_SEEN)
    expect(b.routeTo('o0')).toBeUndefined()
    expect(b.routeTo(`o${SIGNAL_RELAY_SEEN + extra - 1}`)).toBe('a')
  })

  it('a peer making up nonces cannot make the room flood without end; others still flood', () => {
    const b = new SignalRelay('b', random)
    const linked = new Set(['a', 'c', 'd'])
    const fromM = (nonce: number) =>
      b.receive('a', { type: 'signal-relay', origin: 'm', to: 'z', nonce, ttl: 3, data }, linked, 0).forward
    for (let i = 0; i < SIGNAL_RELAY_FLOODS_PER_ORIGIN; i++) expect(fromM(i)).toHaveLength(2)
    expect(fromM(SIGNAL_RELAY_FLOODS_PER_ORIGIN)).toEqual([])
    expect(b.stats().floodsRefused).toBe(1)
    const honest = b.receive(
      'a',
      { type: 'signal-relay', origin: 'h', to: 'z', nonce: 1, ttl: 3, data },
      linked,
      0,
    )
    expect(honest.forward).toHaveLength(2)
    // Once m's floods leave the remembered window, its budget comes back.
    for (let i = 0; i < SIGNAL_RELAY_SEEN; i++)
      b.receive(
        'a',
        { type: 'signal-relay', origin: `x${i % 16}`, to: 'b', nonce: i, ttl: 0, data },
        linked,
        0,
      )
    expect(fromM(10_000)).toHaveLength(2)
  })
})

describe('SignalRelay flood budget per neighbour', () => {
  const random = seededRandom(11)
  const flood = (origin: string, nonce: number, to = 'z'): SignalRelayFrame => ({
    type: 'signal-relay',
    origin,
    to,
    nonce,
    ttl: 3,
    data,
  })

  it('a neighbour making up 10,000 origins gets at most its budget passed on; another neighbour is not held back', () => {
    const b = new SignalRelay('b', random)
    const linked = new Set(['m', 'h', 'c', 'd'])
    let passedOn = 0
    let honest = 0
    // 10,000 invented origins over 10 s, and an honest neighbour's flood every 100 ms.
    for (let i = 0; i < 10_000; i++) {
      const now = i
      if (b.receive('m', flood(`fake${i}`, i), linked, now).forward.length > 0) passedOn++
      if (i % 100 === 0 && b.receive('h', flood(`h${i}`, i), linked, now).forward.length > 0) honest++
    }
    const budget =
      SIGNAL_RELAY_NEIGHBOR_FLOOD_BURST + (10_000 * SIGNAL_RELAY_NEIGHBOR_FLOODS_PER_SECOND) / 1_000
    console.info(
      `10,000 invented origins in 10 s: ${passedOn} passed on (budget ${budget}), ${10_000 - passedOn} refused`,
    )
    expect(passedOn).toBeLessThanOrEqual(budget)
    expect(passedOn).toBeGreaterThanOrEqual(budget - 1)
    expect(b.stats().floodsRateLimited).toBe(10_000 - passedOn)
    expect(honest).toBe(100)
    // Nothing was learned from what was refused: no route toward the liar for those origins.
    expect(b.routeTo('fake9999')).toBeUndefined()
    // The budget comes back with time, at its rate.
    expect(b.receive('m', flood('late', 1), linked, 10_000 + 1_000).forward.length).toBeGreaterThan(0)
  })

  it('a signal refused from one neighbour is still taken from another', () => {
    const b = new SignalRelay('b', random)
    const linked = new Set(['m', 'h', 'c'])
    for (let i = 0; i < SIGNAL_RELAY_NEIGHBOR_FLOOD_BURST; i++)
      b.receive('m', flood(`fake${i}`, i), linked, 0)
    // m spent its budget, then passes on a real signal first: refused, but the copy from h floods.
    expect(b.receive('m', flood('a', 7), linked, 0).forward).toEqual([])
    expect(
      b
        .receive('h', flood('a', 7), linked, 0)
        .forward.map((s) => s.to)
        .sort(),
    ).toEqual(['c', 'm'])
    expect(b.routeTo('a')).toBe('h')
  })

  it('keeps the budgets of closed channels bounded, and does not refill one on reconnecting', () => {
    const b = new SignalRelay('b', random)
    for (let n = 0; n < 1_000; n++) b.receive(`n${n}`, flood(`o${n}`, n), new Set([`n${n}`, 'c']), 0)
    expect(b.stats().budgets).toBe(SIGNAL_RELAY_NEIGHBOR_BUCKETS + 1)
    const linked = new Set(['m', 'c'])
    for (let i = 0; i < SIGNAL_RELAY_NEIGHBOR_FLOOD_BURST; i++)
      b.receive('m', flood(`fake${i}`, i), linked, 0)
    // m goes, comes back at once: its budget is still spent.
    b.receive('x', flood('x', 1), new Set(['x', 'c']), 0)
    expect(b.receive('m', flood('again', 1), linked, 0).forward).toEqual([])
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
