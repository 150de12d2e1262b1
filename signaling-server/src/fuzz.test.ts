/**
 * Fuzz tests: random and mutated frames must never crash the server, never relay a
 * signal to anyone but its target, and never stop it serving well-behaved clients.
 * fast-check prints the seed of a failing run; rerun it with FC_SEED=<seed>.
 */
import type { ServerFrame } from '@gossip-mesh/shared/signaling/signaling-frame'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SignalingHub } from './hub'
import { resolveOptions } from './options'
import { FakeTransport } from './testing/fake-transport'
import { anyClientText } from './testing/frame-arbitraries'
import { useServers } from './testing/harness'
import { TestClient } from './testing/test-client'

const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED)
const ROOMS = ['r1', 'r2', 'r3']
const PEERS = ['a', 'b', 'c', 'd']

describe('hub under random frames', () => {
  it('never throws, stays within its limits and relays each signal only to its target', () => {
    const session = fc.nat(3)
    const step = fc.tuple(session, anyClientText(ROOMS, PEERS), fc.boolean())
    fc.assert(
      fc.property(fc.array(step, { maxLength: 120 }), (steps) => {
        const hub = new SignalingHub(resolveOptions({ maxRoomsPerConnection: 2, maxRejectedBurst: 15 }))
        const transports = [0, 1, 2, 3].map(() => new FakeTransport())
        const sessions = transports.map((t) => hub.open(t, 0))
        let now = 0
        for (const [i, text, binary] of steps) {
          const sender = sessions[i]
          if (sender === undefined) continue
          // Snapshot who holds which id, so a relayed signal can be checked against it.
          const holders = new Map(
            sessions.flatMap((s, j) => [...s.rooms].map(([r, p]) => [`${r}/${p}`, j] as const)),
          )
          const before = transports.map((t) => t.sent.length)
          now += 7
          hub.receive(sender, binary ? Buffer.from(text) : text, binary, now)
          transports.forEach((t, j) => {
            for (const raw of t.sent.slice(before[j])) {
              const frame = JSON.parse(raw) as ServerFrame
              if (frame.type !== 'signal') continue
              const parsed = JSON.parse(text) as { to: string; room: string }
              expect(holders.get(`${frame.room}/${parsed.to}`)).toBe(j)
              expect(frame.from).toBe(sender.rooms.get(frame.room))
            }
          })
          for (const s of sessions) expect(s.rooms.size).toBeLessThanOrEqual(2)
        }
        expect(hub.roomCount).toBeLessThanOrEqual(ROOMS.length)
      }),
      { seed, numRuns: 300 },
    )
  })
})

const h = useServers()

describe('server under random frames', () => {
  it('stays up and keeps serving well-behaved clients', async () => {
    const server = await h.start({ maxFrameBytes: 4096 })
    let round = 0
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            { weight: 8, arbitrary: anyClientText(ROOMS, PEERS).map((t) => ({ text: t, raw: false })) },
            // Raw bytes as a text frame: invalid UTF-8 makes ws close the socket with 1007.
            { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => ({ text: b, raw: true })) },
            {
              weight: 1,
              arbitrary: fc
                .integer({ min: 4000, max: 9000 })
                .map((n) => ({ text: 'x'.repeat(n), raw: false })),
            },
          ),
          { minLength: 1, maxLength: 60 },
        ),
        async (frames) => {
          const abuser = await TestClient.connect(server.url)
          for (const f of frames) {
            if (abuser.closeCode !== undefined) break
            if (f.raw) abuser.ws.send(Buffer.from(f.text as Uint8Array), { binary: false })
            else abuser.send(f.text as string)
          }
          // Well-behaved peers in a room of their own still join and signal each other.
          const room = `fuzz-${++round}`
          const [x, y] = [await TestClient.connect(server.url), await TestClient.connect(server.url)]
          await x.join(room, 'x')
          expect((await y.join(room, 'y')).peers).toEqual(['x'])
          y.send({ type: 'signal', room, to: 'x', data: round })
          expect(await x.next('signal')).toEqual({ type: 'signal', room, from: 'y', data: round })
          if (abuser.closeCode !== undefined) expect([1007, 1008, 1009]).toContain(abuser.closeCode)
          await Promise.all([x.close(), y.close(), abuser.close()])
        },
      ),
      { seed, numRuns: 40 },
    )
    await expect.poll(() => server.connections).toBe(0)
    expect((await h.get(server, '/healthz')).status).toBe(200)
  })
})
