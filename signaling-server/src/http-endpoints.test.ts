import { describe, expect, it } from 'vitest'
import { useServers } from './testing/harness'
import { TestClient } from './testing/test-client'

const h = useServers()

function sample(metrics: string, name: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name} `))
  return line === undefined ? Number.NaN : Number(line.slice(name.length + 1))
}

describe('/healthz', () => {
  it('reports ok with the instance, connection and room counts', async () => {
    const server = await h.start({ instanceId: 'inst-1' })
    const a = await h.connect(server)
    await a.join('r', 'a')
    const res = await h.get(server, '/healthz')
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body)).toEqual({
      status: 'ok',
      instance: 'inst-1',
      connections: 1,
      rooms: 1,
      redis: 'off',
    })
  })

  it('answers other paths with 426 Upgrade Required', async () => {
    const server = await h.start()
    expect((await h.get(server, '/')).status).toBe(426)
  })
})

describe('/metrics', () => {
  it('counts connections, rooms, joins, relays and rejections by reason in Prometheus text', async () => {
    const server = await h.start()
    const a = await h.connect(server)
    const b = await h.connect(server)
    await a.join('r', 'a')
    await b.join('r', 'b')
    a.send({ type: 'signal', room: 'r', to: 'b', data: 1 })
    await b.next('signal')
    a.send('garbage')
    a.send({ type: 'signal', room: 'r', to: 'nobody', data: 1 })
    await a.next('error')
    await a.next('error')
    const res = await h.get(server, '/metrics')
    expect(res.status).toBe(200)
    expect(res.type).toContain('text/plain')
    const m = res.body
    expect(sample(m, 'gossip_mesh_signal_connections')).toBe(2)
    expect(sample(m, 'gossip_mesh_signal_rooms')).toBe(1)
    expect(sample(m, 'gossip_mesh_signal_joins_total')).toBe(2)
    expect(sample(m, 'gossip_mesh_signal_relayed_frames_total{route="local"}')).toBe(1)
    expect(sample(m, 'gossip_mesh_signal_rejected_frames_total{reason="bad-json"}')).toBe(1)
    expect(sample(m, 'gossip_mesh_signal_rejected_frames_total{reason="unknown-peer"}')).toBe(1)
    expect(m).toContain('gossip_mesh_signal_process_resident_memory_bytes')
  })
})

describe('limits at the socket', () => {
  it('refuses upgrades over maxConnections with HTTP 503', async () => {
    const server = await h.start({ maxConnections: 1 })
    await h.connect(server)
    await expect(h.connect(server)).rejects.toThrow('HTTP 503')
    const m = (await h.get(server, '/metrics')).body
    expect(sample(m, 'gossip_mesh_signal_refused_upgrades_total{reason="full"}')).toBe(1)
  })

  it('answers a frame over maxFrameBytes with too-large, and drops one over twice that with 1009', async () => {
    const server = await h.start({ maxFrameBytes: 1000 })
    const a = await h.connect(server)
    a.send(`{"type":"leave","room":"r","pad":"${'x'.repeat(1200)}"}`)
    expect(await a.next('error')).toMatchObject({ code: 'too-large' })
    a.send(`{"pad":"${'x'.repeat(2100)}"}`)
    expect(await a.closed).toBe(1009)
  })

  it('closes a flood of bad frames with 1008 and counts the kick', async () => {
    const server = await h.start({ maxRejectedBurst: 5 })
    const a = await h.connect(server)
    for (let i = 0; i < 20; i++) a.send('{')
    expect(await a.closed).toBe(1008)
    const m = (await h.get(server, '/metrics')).body
    expect(sample(m, 'gossip_mesh_signal_kicked_connections_total{reason="abuse"}')).toBe(1)
  })
})

describe('per-address connection limit', () => {
  it('refuses upgrades over maxConnectionsPerIp with HTTP 429, counts them, and admits again after a close', async () => {
    const server = await h.start({ maxConnectionsPerIp: 2 })
    const first = await h.connect(server)
    await h.connect(server)
    await expect(h.connect(server)).rejects.toThrow('HTTP 429')
    // The global limit is not what refused it.
    expect(server.connections).toBe(2)
    const m = (await h.get(server, '/metrics')).body
    expect(sample(m, 'gossip_mesh_signal_refused_upgrades_total{reason="per-ip"}')).toBe(1)
    await first.close()
    await expect.poll(() => server.connections, { timeout: 10_000 }).toBe(1)
    await h.connect(server)
  })

  it('is on by default, at 64 per address', async () => {
    const server = await h.start()
    expect(server.options.maxConnectionsPerIp).toBe(64)
    expect(server.options.trustProxy).toBe(0)
  })

  it('ignores X-Forwarded-For unless trustProxy is set, since any client can write it', async () => {
    const server = await h.start({ maxConnectionsPerIp: 1 })
    await h.connect(server, { headers: { 'x-forwarded-for': '203.0.113.1' } })
    await expect(h.connect(server, { headers: { 'x-forwarded-for': '203.0.113.2' } })).rejects.toThrow(
      'HTTP 429',
    )
  })

  it('counts by the address the trusted proxy saw with trustProxy', async () => {
    const server = await h.start({ maxConnectionsPerIp: 1, trustProxy: 1 })
    // What the client itself wrote (left) is ignored; the proxy's entry (right) counts.
    await h.connect(server, { headers: { 'x-forwarded-for': '10.9.9.9, 203.0.113.1' } })
    await expect(h.connect(server, { headers: { 'x-forwarded-for': '203.0.113.1' } })).rejects.toThrow(
      'HTTP 429',
    )
    await h.connect(server, { headers: { 'x-forwarded-for': '10.9.9.9, 203.0.113.2' } })
    expect(server.connections).toBe(2)
  })
})

describe('shutdown', () => {
  it('drains: /healthz says 503 draining and upgrades get 503 until the last client is gone, then the port closes', async () => {
    // A grace far longer than the test, so the drain ends only when the stuck client goes.
    const server = await h.start({ shutdownGraceMs: 60_000, instanceId: 'drainer' })
    const polite = await h.connect(server)
    // A paused client never reads the close frame, so it never answers it.
    const stuck = await TestClient.connect(server.url)
    stuck.ws.pause()
    const closing = server.close()
    expect(await polite.next('reconnect')).toMatchObject({ reason: expect.any(String) })
    expect(await polite.closed).toBe(1012)
    const health = await h.get(server, '/healthz')
    expect(health.status).toBe(503)
    expect(JSON.parse(health.body)).toMatchObject({ status: 'draining', instance: 'drainer' })
    await expect(TestClient.connect(server.url)).rejects.toThrow('HTTP 503')
    stuck.ws.terminate()
    await closing
    await expect(h.get(server, '/healthz')).rejects.toThrow()
  })

  it('cuts off a client that ignores the close handshake after the grace period', async () => {
    const server = await h.start({ shutdownGraceMs: 100 })
    const stuck = await TestClient.connect(server.url)
    stuck.ws.pause()
    const started = Date.now()
    await server.close()
    // Far below ws's own 30 s close timeout, which is what would end it otherwise.
    expect(Date.now() - started).toBeLessThan(10_000)
    await expect(h.get(server, '/healthz')).rejects.toThrow()
    stuck.ws.terminate()
  })
})
