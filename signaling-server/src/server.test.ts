import { afterEach, describe, expect, it } from 'vitest'
import { CLOSE_SERVICE_RESTART } from './close-codes'
import { SignalingServerError } from './errors'
import { createSignalingServer, type SignalingServer } from './server'
import { TestClient } from './testing/test-client'

let server: SignalingServer | undefined
const clients: TestClient[] = []

async function start(options: Parameters<typeof createSignalingServer>[0] = {}): Promise<SignalingServer> {
  server = await createSignalingServer({ port: 0, ...options })
  return server
}

async function connect(): Promise<TestClient> {
  if (server === undefined) throw new Error('start a server first')
  const c = await TestClient.connect(server.url)
  clients.push(c)
  return c
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()))
  await server?.close()
  server = undefined
})

describe('createSignalingServer', () => {
  it('listens on 127.0.0.1 at an ephemeral port and reports its url', async () => {
    const s = await start()
    expect(s.port).toBeGreaterThan(0)
    expect(s.url).toBe(`ws://127.0.0.1:${s.port}`)
  })

  it('rejects a bad option with a code naming the field', async () => {
    await expect(createSignalingServer({ maxWelcomePeers: 0 })).rejects.toMatchObject({
      code: 'ERR_BAD_OPTION',
      message: expect.stringContaining('maxWelcomePeers'),
    })
    await expect(createSignalingServer({ port: 70000 })).rejects.toBeInstanceOf(SignalingServerError)
  })

  it('fails with ERR_LISTEN when the port is taken', async () => {
    const s = await start()
    await expect(createSignalingServer({ port: s.port })).rejects.toMatchObject({ code: 'ERR_LISTEN' })
  })
})

describe('join and welcome', () => {
  it('welcomes the first peer with an empty list and later peers with the earlier ones', async () => {
    await start()
    const a = await connect()
    const b = await connect()
    expect((await a.join('room-1', 'a')).peers).toEqual([])
    expect(await b.join('room-1', 'b')).toEqual({ type: 'welcome', room: 'room-1', peers: ['a'] })
  })

  it('samples at most maxWelcomePeers distinct other peers', async () => {
    await start({ maxWelcomePeers: 3 })
    for (let i = 0; i < 6; i++) await (await connect()).join('room-1', `p${i}`)
    const late = await connect()
    const { peers } = await late.join('room-1', 'late')
    expect(peers).toHaveLength(3)
    expect(new Set(peers).size).toBe(3)
    expect(peers).not.toContain('late')
    for (const p of peers) expect(p).toMatch(/^p[0-5]$/)
  })

  it('keeps rooms apart, and lets one socket be in several rooms', async () => {
    await start()
    const a = await connect()
    const b = await connect()
    await a.join('room-1', 'a')
    await a.join('room-2', 'a2')
    expect((await b.join('room-2', 'b')).peers).toEqual(['a2'])
    expect((await b.join('room-3', 'b')).peers).toEqual([])
  })
})

describe('signal relay', () => {
  it('relays only to the named target, with the sender id set by the server', async () => {
    await start()
    const [a, b, c] = [await connect(), await connect(), await connect()]
    await a.join('room-1', 'a')
    await b.join('room-1', 'b')
    await c.join('room-1', 'c')
    a.send({ type: 'signal', room: 'room-1', to: 'b', from: 'c', data: { sdp: 'offer' } })
    expect(await b.next('signal')).toEqual({
      type: 'signal',
      room: 'room-1',
      from: 'a',
      data: { sdp: 'offer' },
    })
    await c.sync()
    await a.sync()
    expect(c.frames).toEqual([])
    expect(a.frames).toEqual([])
  })

  it('uses the id the sender joined that room with', async () => {
    await start()
    const [a, b] = [await connect(), await connect()]
    await a.join('room-1', 'a-in-1')
    await a.join('room-2', 'a-in-2')
    await b.join('room-2', 'b')
    a.send({ type: 'signal', room: 'room-2', to: 'b', data: 1 })
    expect((await b.next('signal')).from).toBe('a-in-2')
  })

  it('refuses to relay across rooms', async () => {
    await start()
    const [a, b] = [await connect(), await connect()]
    await a.join('room-1', 'a')
    await b.join('room-2', 'b')
    a.send({ type: 'signal', room: 'room-1', to: 'b', data: 1 })
    expect(await a.next('error')).toMatchObject({ code: 'unknown-peer', room: 'room-1' })
    a.send({ type: 'signal', room: 'room-2', to: 'b', data: 1 })
    expect(await a.next('error')).toMatchObject({ code: 'not-joined', room: 'room-2' })
    await b.sync()
    expect(b.frames).toEqual([])
  })
})

describe('bad frames', () => {
  it.each([
    ['not json', 'bad-json'],
    ['[1,2]', 'bad-frame'],
    ['{"type":"join","room":"a b","peer":"x"}', 'bad-frame'],
    ['{"type":"join","room":"r","peer":""}', 'bad-frame'],
    ['{"type":"signal","room":"r","to":"b"}', 'bad-frame'],
    ['{"type":"shout","room":"r"}', 'bad-frame'],
  ])('answers %s with %s and relays nothing', async (text, code) => {
    await start()
    const [a, b] = [await connect(), await connect()]
    await a.join('r', 'a')
    await b.join('r', 'b')
    a.send(text)
    expect(await a.next('error')).toMatchObject({ type: 'error', code, message: expect.any(String) })
    await b.sync()
    expect(b.frames).toEqual([])
  })

  it('answers a binary frame with bad-frame and a frame over the cap with too-large', async () => {
    await start({ maxFrameBytes: 1024 })
    const a = await connect()
    a.ws.send(Buffer.from('{"type":"leave","room":"r"}'))
    expect(await a.next('error')).toMatchObject({ code: 'bad-frame' })
    a.send({ type: 'join', room: 'r', peer: 'a', token: 'x'.repeat(1500) })
    expect(await a.next('error')).toMatchObject({ code: 'too-large' })
  })
})

describe('forgetting peers', () => {
  it('forgets a peer when its socket closes', async () => {
    await start()
    const [a, b] = [await connect(), await connect()]
    await a.join('r', 'a')
    await b.join('r', 'b')
    await a.close()
    await expect.poll(() => server?.connections).toBe(1)
    b.send({ type: 'signal', room: 'r', to: 'a', data: 1 })
    expect(await b.next('error')).toMatchObject({ code: 'unknown-peer' })
    const c = await connect()
    expect((await c.join('r', 'c')).peers).toEqual(['b'])
  })

  it('forgets a peer on leave, in that room only', async () => {
    await start()
    const [a, b] = [await connect(), await connect()]
    await a.join('r1', 'a')
    await a.join('r2', 'a')
    a.send({ type: 'leave', room: 'r1' })
    expect((await b.join('r1', 'b')).peers).toEqual([])
    expect((await b.join('r2', 'b')).peers).toEqual(['a'])
    expect(server?.rooms).toBe(2)
  })

  it('lets a rejoin with the same id replace the stale socket', async () => {
    await start()
    const [old, fresh, b] = [await connect(), await connect(), await connect()]
    await old.join('r', 'a')
    await fresh.join('r', 'a')
    expect(await old.next('error')).toMatchObject({ code: 'replaced', room: 'r' })
    await b.join('r', 'b')
    b.send({ type: 'signal', room: 'r', to: 'a', data: 'hi' })
    expect(await fresh.next('signal')).toMatchObject({ from: 'b', data: 'hi' })
    // The stale socket closing must not evict the peer's new one.
    await old.close()
    b.send({ type: 'signal', room: 'r', to: 'a', data: 'again' })
    expect(await fresh.next('signal')).toMatchObject({ data: 'again' })
  })
})

describe('close', () => {
  it('tells clients to reconnect, closes them with 1012 and frees the port', async () => {
    const s = await start()
    const a = await connect()
    await a.join('r', 'a')
    await s.close()
    expect(await a.next('reconnect')).toMatchObject({ type: 'reconnect' })
    expect(await a.closed).toBe(CLOSE_SERVICE_RESTART)
    const again = await createSignalingServer({ port: s.port })
    await again.close()
  })
})
