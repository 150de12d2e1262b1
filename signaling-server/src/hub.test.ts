import { describe, expect, it } from 'vitest'
import { CLOSE_POLICY_VIOLATION } from './close-codes'
import type { Cluster } from './cluster'
import { type HubObserver, SignalingHub } from './hub'
import { resolveOptions, type SignalingServerOptions } from './options'
import { FakeTransport } from './testing/fake-transport'

function setup(options: SignalingServerOptions = {}) {
  const counts: Record<string, number> = {}
  const bump = (k: string) => {
    counts[k] = (counts[k] ?? 0) + 1
  }
  const observer: HubObserver = {
    relayed: (route) => bump(`relayed:${route}`),
    rejected: (code) => bump(`rejected:${code}`),
    dropped: (reason) => bump(`dropped:${reason}`),
    kicked: (reason) => bump(`kicked:${reason}`),
    joined: () => bump('joined'),
  }
  const hub = new SignalingHub(resolveOptions({ random: () => 0.5, ...options }), observer)
  const peer = (room: string, id: string, now = 0) => {
    const t = new FakeTransport()
    const s = hub.open(t, now)
    hub.receive(s, JSON.stringify({ type: 'join', room, peer: id }), false, now)
    t.frames()
    return { t, s }
  }
  return { hub, counts, peer }
}

describe('SignalingHub limits', () => {
  it('rate-limits a connection past its burst and refills with time', () => {
    const { hub, peer, counts } = setup({ rateLimitBurst: 3, rateLimitPerSecond: 1, maxRejectedBurst: 100 })
    const a = peer('r', 'a') // the join took one token
    const leave = '{"type":"leave","room":"x"}'
    hub.receive(a.s, leave, false, 0)
    hub.receive(a.s, leave, false, 0)
    expect(a.t.frames()).toEqual([])
    hub.receive(a.s, leave, false, 0)
    expect(a.t.frames()).toMatchObject([{ type: 'error', code: 'rate-limited' }])
    hub.receive(a.s, leave, false, 1000)
    expect(a.t.frames()).toEqual([])
    expect(counts['rejected:rate-limited']).toBe(1)
  })

  it('closes with 1008 after maxRejectedBurst rejected frames, and forgets the peer', () => {
    const { hub, peer, counts } = setup({ maxRejectedBurst: 3 })
    const a = peer('r', 'a')
    const b = peer('r', 'b')
    for (let i = 0; i < 3; i++) hub.receive(a.s, 'nope', false, 0)
    expect(a.t.closedWith).toBeUndefined()
    hub.receive(a.s, 'nope', false, 0)
    expect(a.t.closedWith?.code).toBe(CLOSE_POLICY_VIOLATION)
    expect(a.t.frames().at(-1)).toMatchObject({
      code: 'bad-json',
      message: expect.stringContaining('closing'),
    })
    expect(counts['kicked:abuse']).toBe(1)
    hub.receive(b.s, JSON.stringify({ type: 'signal', room: 'r', to: 'a', data: 1 }), false, 0)
    expect(b.t.frames()).toMatchObject([{ code: 'unknown-peer' }])
    expect(hub.connections).toBe(1)
  })

  it('answers signals to departed peers without counting them as abuse', () => {
    const { hub, peer } = setup({ maxRejectedBurst: 2 })
    const a = peer('r', 'a')
    for (let i = 0; i < 10; i++) {
      hub.receive(
        a.s,
        JSON.stringify({ type: 'signal', room: 'r', to: 'gone', data: { candidate: i } }),
        false,
        0,
      )
    }
    expect(a.t.closedWith).toBeUndefined()
    expect(a.t.frames().at(-1)).toMatchObject({
      type: 'error',
      code: 'unknown-peer',
      room: 'r',
      peer: 'gone',
    })
  })

  it('refuses more than maxRoomsPerConnection rooms', () => {
    const { hub, peer } = setup({ maxRoomsPerConnection: 2 })
    const a = peer('r1', 'a')
    hub.receive(a.s, JSON.stringify({ type: 'join', room: 'r2', peer: 'a' }), false, 0)
    hub.receive(a.s, JSON.stringify({ type: 'join', room: 'r3', peer: 'a' }), false, 0)
    expect(a.t.frames()).toMatchObject([
      { type: 'welcome' },
      { type: 'error', code: 'too-many-rooms', room: 'r3' },
    ])
    // Rejoining a room it is already in is not a new room.
    hub.receive(a.s, JSON.stringify({ type: 'join', room: 'r2', peer: 'a' }), false, 0)
    expect(a.t.frames()).toMatchObject([{ type: 'welcome' }])
  })

  it('drops frames to a socket whose queue is over maxBufferedBytes', () => {
    const { hub, peer, counts } = setup({ maxBufferedBytes: 1000 })
    const a = peer('r', 'a')
    const b = peer('r', 'b')
    b.t.bufferedAmount = 1001
    hub.receive(a.s, JSON.stringify({ type: 'signal', room: 'r', to: 'b', data: 1 }), false, 0)
    expect(b.t.sent).toEqual([])
    expect(counts['dropped:backpressure']).toBe(1)
    expect(counts['relayed:local']).toBeUndefined()
  })
})

describe('SignalingHub heartbeat', () => {
  it('pings live sessions and terminates those silent for a whole round', () => {
    const { hub, peer, counts } = setup()
    const a = peer('r', 'a')
    const b = peer('r', 'b')
    expect(hub.heartbeat()).toBe(0)
    expect(a.t.pings).toBe(1)
    a.s.alive = true // a pong arrived
    expect(hub.heartbeat()).toBe(1)
    expect(b.t.terminated).toBe(true)
    expect(a.t.terminated).toBe(false)
    expect(counts['kicked:heartbeat']).toBe(1)
    expect(hub.connections).toBe(1)
  })
})

describe('SignalingHub identity', () => {
  it('tells the replaced session and moves the id to the new one', () => {
    const { hub, peer } = setup()
    const old = peer('r', 'a')
    const fresh = peer('r', 'a')
    expect(old.t.frames()).toMatchObject([{ type: 'error', code: 'replaced', room: 'r' }])
    expect(old.s.rooms.size).toBe(0)
    expect(fresh.s.rooms.get('r')).toBe('a')
    hub.close(old.s)
    const b = peer('r', 'b')
    hub.receive(b.s, JSON.stringify({ type: 'signal', room: 'r', to: 'a', data: 1 }), false, 0)
    expect(fresh.t.frames()).toMatchObject([{ type: 'signal', from: 'b' }])
  })

  it('treats a join under a new id as a leave of the old one', () => {
    const { hub, peer } = setup()
    const a = peer('r', 'a')
    hub.receive(a.s, JSON.stringify({ type: 'join', room: 'r', peer: 'a2' }), false, 0)
    const b = peer('r', 'b')
    hub.receive(b.s, JSON.stringify({ type: 'join', room: 'r', peer: 'b' }), false, 0)
    expect(b.t.frames()).toEqual([{ type: 'welcome', room: 'r', peers: ['a2'] }])
  })
})

describe('SignalingHub with a failing cluster', () => {
  const down: Cluster = {
    join: () => Promise.reject(new Error('Redis is down')),
    leave: () => {},
    relay: () => Promise.reject(new Error('Redis is down')),
    ready: false,
    close: async () => {},
  }

  it('welcomes with local peers, and answers a signal it cannot route with internal, costing no strike', async () => {
    const { hub, counts } = setup({ maxRejectedBurst: 2 })
    hub.useCluster(down)
    const join = (id: string) => {
      const t = new FakeTransport()
      const s = hub.open(t, 0)
      hub.receive(s, JSON.stringify({ type: 'join', room: 'r', peer: id }), false, 0)
      return { t, s }
    }
    const a = join('a')
    const b = join('b')
    await new Promise((resolve) => setImmediate(resolve))
    a.t.frames()
    expect(b.t.frames()).toEqual([{ type: 'welcome', room: 'r', peers: ['a'] }])
    for (let i = 0; i < 5; i++)
      hub.receive(b.s, '{"type":"signal","room":"r","to":"elsewhere","data":1}', false, 0)
    await new Promise((resolve) => setImmediate(resolve))
    const errors = b.t.frames()
    expect(errors).toHaveLength(5)
    expect(errors[0]).toMatchObject({ type: 'error', code: 'unavailable', room: 'r', peer: 'elsewhere' })
    expect(b.t.closedWith).toBeUndefined()
    expect(counts['dropped:cluster-error']).toBe(7)
  })
})
