import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
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
  // Closed at once: a long poll must not pile up sockets toward the per-address limit.
  await c.close()
  return peers.filter((p) => !p.startsWith('probe-')).sort()
}

/** A plain Redis client for looking at what the instances wrote. */
const inspectors: Redis[] = []
afterEach(() => {
  for (const r of inspectors.splice(0)) r.disconnect()
})
function inspect(url: string): Redis {
  const r = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 })
  r.on('error', () => {})
  inspectors.push(r)
  return r
}

async function health(port: number): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`)
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

/** Poll long enough for ioredis to reconnect (its retry delay tops out at 2 s) on a loaded machine. */
const SLOW = { timeout: 15_000, interval: 100 }

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

  it('reports Redis in /healthz and in the redis_ready gauge', async () => {
    const [sa] = await pair()
    expect(JSON.parse((await h.get(sa, '/healthz')).body)).toMatchObject({
      status: 'ok',
      redis: 'ready',
      instance: 'A',
    })
    expect((await h.get(sa, '/metrics')).body).toMatch(/^gossip_mesh_signal_redis_ready 1$/m)
  })

  it('leaves nothing of itself in Redis after a clean shutdown', async () => {
    const [sa, sb, redisPrefix] = await pair()
    await (await h.connect(sa)).join('room', 'a')
    await (await h.connect(sb)).join('room', 'b')
    await sa.close()
    const r = inspect(redis.url)
    expect(await r.hgetall(`${redisPrefix}room:room`)).toEqual({ b: 'B' })
    expect(await r.exists(`${redisPrefix}alive:A`, `${redisPrefix}members:A`)).toBe(0)
    expect(await r.smembers(`${redisPrefix}instances`)).toEqual(['B'])
  })

  it('fails to start with ERR_REDIS when Redis is unreachable', async () => {
    await expect(h.start({ redisUrl: 'redis://127.0.0.1:1' })).rejects.toMatchObject({ code: 'ERR_REDIS' })
  })
})

describe('Redis dying mid-run', () => {
  let outage: RedisProcess | undefined
  let proc: SignalProcess | undefined
  afterAll(async () => {
    await proc?.stop('SIGKILL')
    await outage?.stop()
  })

  it('keeps serving local peers, fails cross-instance signals with an error, says degraded, and resumes sharing when Redis is back', async () => {
    outage = await startRedis()
    const redisPrefix = `outage-${process.pid}:`
    const ttl = '1500'
    // Instance A is the real CLI, so "the process stays up" is about a process.
    proc = await startSignalProcess([
      ...['--redis', outage.url, '--redis-prefix', redisPrefix, '--instance-id', 'A'],
      ...['--instance-ttl-ms', ttl, '--log-level', 'error'],
    ])
    const portA = Number(new URL(proc.url).port)
    const sb = await h.start({ redisUrl: outage.url, redisPrefix, instanceId: 'B', instanceTtlMs: 1500 })
    const a1 = await TestClient.connect(proc.url)
    const a2 = await TestClient.connect(proc.url)
    const b = await h.connect(sb)
    await a1.join('room', 'a1')
    expect((await b.join('room', 'b')).peers).toEqual(['a1'])

    // A Redis that hangs (frozen, or cut off without a reset) answers nothing: the signal
    // still fails, after the command timeout, instead of waiting forever.
    outage.freeze()
    try {
      b.send({ type: 'signal', room: 'room', to: 'a1', data: 'into the void' })
      expect(await b.next('error', 10_000)).toMatchObject({ code: 'unavailable', peer: 'a1' })
    } finally {
      outage.thaw()
    }

    await outage.kill()
    await expect.poll(async () => (await health(portA)).body.redis, SLOW).toBe('down')
    await expect.poll(async () => (await h.get(sb, '/healthz')).body, SLOW).toContain('"redis":"down"')
    // Degraded, not unavailable: 200, so a load balancer keeps the instances that still serve.
    expect(await health(portA)).toMatchObject({ status: 200, body: { status: 'degraded', redis: 'down' } })
    expect((await h.get(sb, '/metrics')).body).toMatch(/^gossip_mesh_signal_redis_ready 0$/m)

    // Peers of one instance still meet and signal each other.
    expect((await a2.join('room', 'a2')).peers).toEqual(['a1'])
    a2.send({ type: 'signal', room: 'room', to: 'a1', data: 'local' })
    expect(await a1.next('signal')).toMatchObject({ from: 'a2', data: 'local' })
    // A signal to another instance fails at once, with an error naming the peer.
    b.send({ type: 'signal', room: 'room', to: 'a1', data: 'across' })
    expect(await b.next('error')).toMatchObject({ code: 'unavailable', room: 'room', peer: 'a1' })
    expect((await h.get(sb, '/metrics')).body).toMatch(
      /^gossip_mesh_signal_dropped_frames_total\{reason="cluster-error"\} [1-9]/m,
    )
    expect(proc.child.exitCode).toBeNull()
    expect(b.closeCode).toBeUndefined()

    // Redis comes back empty on the same port: both instances write their peers back,
    // including a2, which joined while it was away.
    outage = await startRedis(outage.port)
    await expect.poll(async () => (await health(portA)).body.status, SLOW).toBe('ok')
    await expect.poll(async () => JSON.parse((await h.get(sb, '/healthz')).body).status, SLOW).toBe('ok')
    await expect.poll(() => probe(sb, 'room'), SLOW).toEqual(['a1', 'a2', 'b'])
    b.send({ type: 'signal', room: 'room', to: 'a2', data: 'back' })
    expect(await a2.next('signal')).toMatchObject({ from: 'b', data: 'back' })
    a1.send({ type: 'signal', room: 'room', to: 'b', data: 'and back' })
    expect(await b.next('signal')).toMatchObject({ from: 'a1', data: 'and back' })
    await Promise.all([a1.close(), a2.close()])
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

  it("removes a killed instance's entries from Redis soon after its key expires, with no one sampling its rooms", async () => {
    const ttl = 1000
    const redisPrefix = `sweep-${process.pid}:`
    const sa = await h.start({ redisUrl: redis.url, redisPrefix, instanceId: 'A', instanceTtlMs: ttl })
    crashing = await startSignalProcess([
      ...['--redis', redis.url, '--redis-prefix', redisPrefix, '--instance-id', 'C'],
      ...['--instance-ttl-ms', String(ttl), '--log-level', 'error'],
    ])
    const c1 = await TestClient.connect(crashing.url)
    const c2 = await TestClient.connect(crashing.url)
    await c1.join('room', 'c1')
    await c2.join('quiet-room', 'c2')
    await (await h.connect(sa)).join('room', 'a')
    const r = inspect(redis.url)
    expect(await r.hgetall(`${redisPrefix}room:room`)).toEqual({ a: 'A', c1: 'C' })
    expect((await r.smembers(`${redisPrefix}instances`)).sort()).toEqual(['A', 'C'])

    await crashing.stop('SIGKILL')
    const left = async () => ({
      room: await r.hgetall(`${redisPrefix}room:room`),
      quiet: await r.exists(`${redisPrefix}room:quiet-room`),
      members: await r.exists(`${redisPrefix}members:C`),
      instances: await r.smembers(`${redisPrefix}instances`),
    })
    // Key expiry (1 TTL) plus one of A's beats (a third of it), with room for a loaded machine.
    await expect.poll(left, { timeout: 10_000, interval: 100 }).toEqual({
      room: { a: 'A' },
      quiet: 0,
      members: 0,
      instances: ['A'],
    })
  })

  it('writes its peers back when its own key expired (a stall past the TTL) and drops entries it no longer holds', async () => {
    const [sa, sb, redisPrefix] = await pair({ instanceTtlMs: 900 })
    await (await h.connect(sa)).join('room', 'a')
    const r = inspect(redis.url)
    // As if A had stalled: its key is gone, and it left an entry whose leave never reached Redis.
    await r.hset(`${redisPrefix}room:room`, 'ghost', 'A')
    await r.sadd(`${redisPrefix}members:A`, 'room\nghost')
    await r.del(`${redisPrefix}alive:A`)
    // Whether B sweeps A first or A notices first, A ends up listed again, and the ghost does not.
    await expect.poll(() => r.hgetall(`${redisPrefix}room:room`), SLOW).toEqual({ a: 'A' })
    expect(await r.exists(`${redisPrefix}alive:A`)).toBe(1)
    expect(await probe(sb, 'room')).toEqual(['a'])
  })
})
