import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SignalingServerOptions } from './options'
import type { SignalingServer } from './server'
import { useServers } from './testing/harness'
import { type RedisProcess, type SignalProcess, startRedis, startSignalProcess } from './testing/processes'
import { TestClient } from './testing/test-client'

let redis: RedisProcess
beforeAll(async () => {
  redis = await startRedis()
}, 20_000)
afterAll(async () => {
  await redis?.stop()
})

const h = useServers()
let prefixes = 0

/** Two instances sharing a fresh key prefix, so tests never see each other's rooms. */
async function pair(
  options: SignalingServerOptions = {},
): Promise<[SignalingServer, SignalingServer, string]> {
  const redisPrefix = `test-${process.pid}-${++prefixes}:`
  const common = { redisUrl: redis.url, redisPrefix, ...options }
  const a = await h.start({ ...common, instanceId: 'A' })
  const b = await h.start({ ...common, instanceId: 'B' })
  return [a, b, redisPrefix]
}

/** The peers a newcomer to `room` would be offered, leaving no probe behind in the sample. */
async function probe(server: SignalingServer, room: string): Promise<string[]> {
  const c = await h.connect(server)
  const { peers } = await c.join(room, `probe-${Math.random().toString(36).slice(2)}`)
  return peers.filter((p) => !p.startsWith('probe-')).sort()
}

describe('scale-out over Redis', () => {
  it('samples a peer on instance A for a peer joining on B, and relays both ways', async () => {
    const [sa, sb] = await pair()
    const a = await h.connect(sa)
    const a2 = await h.connect(sa)
    const b = await h.connect(sb)
    await a.join('room', 'a')
    await a2.join('other-room', 'a2')
    expect((await b.join('room', 'b')).peers).toEqual(['a'])
    b.send({ type: 'signal', room: 'room', to: 'a', data: { sdp: 'offer' } })
    expect(await a.next('signal')).toEqual({
      type: 'signal',
      room: 'room',
      from: 'b',
      data: { sdp: 'offer' },
    })
    a.send({ type: 'signal', room: 'room', to: 'b', data: { sdp: 'answer' } })
    expect(await b.next('signal')).toEqual({
      type: 'signal',
      room: 'room',
      from: 'a',
      data: { sdp: 'answer' },
    })
    await a2.sync()
    expect(a2.frames).toEqual([])
  })

  it('keeps the order of many signals across instances', async () => {
    const [sa, sb] = await pair()
    const a = await h.connect(sa)
    const b = await h.connect(sb)
    await a.join('room', 'a')
    await b.join('room', 'b')
    for (let i = 0; i < 100; i++) b.send({ type: 'signal', room: 'room', to: 'a', data: i })
    const got: unknown[] = []
    for (let i = 0; i < 100; i++) got.push((await a.next('signal')).data)
    expect(got).toEqual([...Array(100).keys()])
  })

  it('caps the cross-instance sample at maxWelcomePeers', async () => {
    const [sa, sb] = await pair({ maxWelcomePeers: 3 })
    for (let i = 0; i < 4; i++) await (await h.connect(i % 2 ? sa : sb)).join('room', `p${i}`)
    const { peers } = await (await h.connect(sb)).join('room', 'late')
    expect(peers).toHaveLength(3)
    expect(new Set(peers).size).toBe(3)
    expect(peers).not.toContain('late')
  })

  it('answers unknown-peer for a peer on no instance, and forgets peers that close', async () => {
    const [sa, sb] = await pair()
    const a = await h.connect(sa)
    const b = await h.connect(sb)
    await a.join('room', 'a')
    await b.join('room', 'b')
    b.send({ type: 'signal', room: 'room', to: 'ghost', data: 1 })
    expect(await b.next('error')).toMatchObject({ code: 'unknown-peer', room: 'room' })
    await a.close()
    await expect.poll(() => probe(sb, 'room')).toEqual(['b'])
    b.send({ type: 'signal', room: 'room', to: 'a', data: 1 })
    expect(await b.next('error')).toMatchObject({ code: 'unknown-peer' })
  })

  it('lets a peer that rejoins on another instance replace its stale socket', async () => {
    const [sa, sb] = await pair()
    const stale = await h.connect(sa)
    const fresh = await h.connect(sb)
    const c = await h.connect(sa)
    await stale.join('room', 'x')
    await fresh.join('room', 'x')
    expect(await stale.next('error')).toMatchObject({ code: 'replaced', room: 'room' })
    await c.join('room', 'c')
    c.send({ type: 'signal', room: 'room', to: 'x', data: 'hi' })
    expect(await fresh.next('signal')).toMatchObject({ from: 'c', data: 'hi' })
    await stale.sync()
    expect(stale.frames).toEqual([])
  })

  it('reports Redis in /healthz', async () => {
    const [sa] = await pair()
    expect(JSON.parse((await h.get(sa, '/healthz')).body)).toMatchObject({
      status: 'ok',
      redis: 'ready',
      instance: 'A',
    })
  })

  it('fails to start with ERR_REDIS when Redis is unreachable', async () => {
    await expect(h.start({ redisUrl: 'redis://127.0.0.1:1' })).rejects.toMatchObject({ code: 'ERR_REDIS' })
  })
})

describe('an instance crash', () => {
  let crashing: SignalProcess | undefined
  afterAll(async () => {
    await crashing?.stop('SIGKILL')
  })

  it('drops only its own sockets: the others keep signaling, and its peers stop being offered', async () => {
    const ttl = 600
    const [sa, sb, redisPrefix] = await pair({ instanceTtlMs: ttl })
    crashing = await startSignalProcess([
      '--redis',
      redis.url,
      '--redis-prefix',
      redisPrefix,
      '--instance-id',
      'C',
      '--instance-ttl-ms',
      String(ttl),
      '--log-level',
      'error',
    ])
    const onC = await TestClient.connect(crashing.url)
    const a = await h.connect(sa)
    const b = await h.connect(sb)
    await onC.join('room', 'c')
    await a.join('room', 'a')
    expect([...(await b.join('room', 'b')).peers].sort()).toEqual(['a', 'c'])

    await crashing.stop('SIGKILL')
    expect(await onC.closed).toBe(1006)

    // A and B never noticed: their peers still reach each other.
    b.send({ type: 'signal', room: 'room', to: 'a', data: 'still here' })
    expect(await a.next('signal')).toMatchObject({ from: 'b', data: 'still here' })
    // Once C's liveness key expires, its peer is neither offered nor relayed to.
    await expect
      .poll(async () => (await probe(sa, 'room')).includes('c'), {
        timeout: 5000,
        interval: 200,
      })
      .toBe(false)
    b.send({ type: 'signal', room: 'room', to: 'c', data: 1 })
    expect(await b.next('error')).toMatchObject({ code: 'unknown-peer' })
  })
})
