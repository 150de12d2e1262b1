/**
 * SignalRelay on whole graphs (test-relay-net.ts): how far a signal reaches, what one
 * connection's signaling costs once routes exist, and how a route broken by a peer
 * leaving recovers. Seeded: replay with GM_SEED.
 */
import { describe, expect, it } from 'vitest'
import { withSeed } from '../sim/seeded'
import { SIGNAL_RELAY_TTL } from './signal-relay'
import { lineEdges, type RelayNet, randomOverlayEdges, relayNet, ringEdges } from './test-relay-net'

/** Farthest target a signal reaches: the ttl's hops plus the first and the hand-over. */
const REACH = SIGNAL_RELAY_TTL + 2

interface ExchangeCost {
  /** Frames of the first signal: a discovery flood. */
  offer: number
  /** Frames of everything after it. */
  rest: number
  delivered: boolean
}

let tag = 0

/**
 * One WebRTC handshake as the client sends it: an offer, then the answer and two
 * candidates back, then the initiator's three candidates (the client holds them until
 * the answer has come through the mesh; see client/src/webrtc/signal-router.ts).
 */
function exchange(net: RelayNet, a: string, b: string): ExchangeCost {
  const id = tag++
  const offer = net.signal(a, b, `offer ${id}`)
  let rest = net.signal(b, a, `answer ${id}`)
  for (let i = 0; i < 2; i++) rest += net.signal(b, a, `cand ${id} b${i}`)
  for (let i = 0; i < 3; i++) rest += net.signal(a, b, `cand ${id} a${i}`)
  const got = (to: string, prefix: string) =>
    net.deliveredTo(to).filter((d) => d.data.startsWith(prefix) && d.data.includes(` ${id}`)).length
  const delivered =
    got(b, 'offer') === 1 && got(a, 'answer') === 1 && got(a, 'cand') === 2 && got(b, 'cand') === 3
  return { offer, rest, delivered }
}

/** Floods refused anywhere by a budget (per origin or per neighbour). */
function refusedIn(net: RelayNet, n: number): number {
  let refused = 0
  for (let i = 0; i < n; i++) {
    const s = net.relay(`p${i}`).stats()
    refused += s.floodsRefused + s.floodsRateLimited
  }
  return refused
}

describe('signal relay over whole graphs', () => {
  it(`reaches a peer ${REACH} hops down a line, and no farther`, () =>
    withSeed((seed) => {
      const net = relayNet(lineEdges(REACH + 2), seed)
      net.signal('p0', `p${REACH}`, 'far')
      expect(net.deliveredTo(`p${REACH}`).map((d) => d.data)).toEqual(['far'])
      net.signal('p0', `p${REACH + 1}`, 'too far')
      expect(net.deliveredTo(`p${REACH + 1}`)).toEqual([])
      // The answer walks back hop by hop: one frame per hop.
      expect(net.signal(`p${REACH}`, 'p0', 'answer')).toBe(REACH)
      expect(net.deliveredTo('p0').map((d) => d.data)).toEqual(['answer'])
    }))

  it('on a ring, the discovery floods both ways and the rest of the exchange takes one path', () =>
    withSeed((seed) => {
      const net = relayNet(ringEdges(20), seed)
      const cost = exchange(net, 'p0', 'p10')
      expect(cost.delivered).toBe(true)
      // The offer goes round both halves (and a little past the far side).
      expect(cost.offer).toBeGreaterThanOrEqual(19)
      // Six signals × 10 hops, routed.
      expect(cost.rest).toBe(6 * 10)
      expect(net.deliveredTo('p10').filter((d) => d.data.startsWith('offer'))).toHaveLength(1)
    }))

  it('in a random overlay of 2,000 peers: every exchange arrives, at about one flood per exchange', () =>
    withSeed((seed) => {
      const n = 2_000
      const net = relayNet(randomOverlayEdges(n, 3, seed), seed)
      const pick = (i: number) => `p${(i * 7919 + seed) % n}`
      const costs: ExchangeCost[] = []
      const hops: number[] = []
      for (let i = 0; i < 20; i++) {
        const a = pick(2 * i)
        const b = pick(2 * i + 1)
        hops.push(net.distance(a, b))
        costs.push(exchange(net, a, b))
      }
      const flood = costs.reduce((s, c) => s + c.offer, 0) / costs.length
      const rest = costs.reduce((s, c) => s + c.rest, 0) / costs.length
      console.info(
        `relay n=${n}: discovery flood ${flood.toFixed(0)} frames; the 6 signals after it ${rest.toFixed(1)} frames ` +
          `(paths ${Math.min(...hops)}-${Math.max(...hops)} hops); exchange ${(flood + rest).toFixed(0)} vs ` +
          `${(7 * flood).toFixed(0)} flooding every signal`,
      )
      for (const c of costs) expect(c.delivered).toBe(true)
      expect(refusedIn(net, n)).toBe(0)
      // After discovery each signal costs its path (a few hops), not another flood.
      expect(rest).toBeLessThan(6 * (Math.max(...hops) + 2))
      expect(flood + rest).toBeLessThan(0.2 * 7 * flood)
    }))

  it('a burst of 300 discoveries at once (60 peers failing together, n=1,000): all arrive, none refused', () =>
    withSeed((seed) => {
      const n = 1_000
      const net = relayNet(randomOverlayEdges(n, 3, seed), seed)
      const pick = (i: number) => `p${(i * 7919 + seed) % n}`
      const signals = Array.from(
        { length: 300 },
        (_, i) => [pick(2 * i), pick(2 * i + 1), `burst ${i}`] as const,
      )
      net.burst(signals.filter(([a, b]) => a !== b))
      for (const [a, b, data] of signals)
        if (a !== b) expect(net.deliveredTo(b).some((d) => d.data === data && d.from === a)).toBe(true)
      expect(refusedIn(net, n)).toBe(0)
    }))

  it('recovers a route broken by a peer leaving', () =>
    withSeed((seed) => {
      const n = 500
      const net = relayNet(randomOverlayEdges(n, 3, seed), seed)
      // A pair far enough apart that the path has peers in the middle.
      const a = 'p0'
      let b = 'p1'
      for (let i = 1; i < n && net.distance(a, b) < 4; i++) b = `p${i}`
      expect(exchange(net, a, b).delivered).toBe(true)
      // The peers that carried the answer are the route; one in the middle leaves.
      const path = net.carriers(`answer ${tag - 1}`)
      const gone = path[Math.floor(path.length / 2)] as string
      expect([a, b]).not.toContain(gone)
      net.remove(gone)

      // The next signal floods from the break, and arrives.
      const repair = net.signal(a, b, 'after 1')
      expect(net.deliveredTo(b).some((d) => d.data === 'after 1')).toBe(true)
      // The flood refreshed the routes: the exchange is back to one path each way.
      const back = net.signal(b, a, 'after 2')
      const again = net.signal(a, b, 'after 3')
      expect(net.deliveredTo(a).some((d) => d.data === 'after 2')).toBe(true)
      expect(net.deliveredTo(b).some((d) => d.data === 'after 3')).toBe(true)
      // Routed, not flooded: one frame per hop of a path (the first copies' path, not
      // always the shortest).
      expect(back).toBeLessThanOrEqual(REACH)
      expect(again).toBeLessThanOrEqual(REACH)
      expect(repair).toBeGreaterThan(10 * (back + again))
    }))
})
