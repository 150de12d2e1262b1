import { describe, expect, it } from 'vitest'
import { createSignalRouter, ROUTER_DEFAULTS, type SignalRouterOptions } from './signal-router'

const encode = (data: unknown) => new TextEncoder().encode(JSON.stringify(data))
const rtc = (type: 'offer' | 'answer' | 'candidate', attempt = 'x') =>
  ({
    kind: 'rtc',
    attempt,
    data: type === 'candidate' ? { type, candidate: { candidate: 'c' } } : { type, sdp: 's' },
  }) as const

/** A router with a manual clock and timers: `advance(ms)` fires what is due. */
function setup(state: { server: boolean; mesh: boolean }) {
  const log: string[] = []
  const delivered: unknown[] = []
  let n = 0
  let now = 0
  let timers: Array<{ at: number; fn: () => void; live: boolean }> = []
  const options: SignalRouterOptions = {
    viaServer: (to, data) => log.push(`server:${to}:${kindOf(data)}`),
    viaMesh: (to, bytes) => log.push(`mesh:${to}:${kindOf(JSON.parse(new TextDecoder().decode(bytes)))}`),
    serverUp: () => state.server,
    meshUp: () => state.mesh,
    deliver: (_from, data) => delivered.push(data),
    newNonce: () => `n${n++}`,
    now: () => now,
    setTimer(fn, ms) {
      const timer = { at: now + ms, fn, live: true }
      timers.push(timer)
      return () => {
        timer.live = false
      }
    },
  }
  const advance = (ms: number) => {
    now += ms
    const due = timers.filter((t) => t.live && t.at <= now)
    timers = timers.filter((t) => t.live && t.at > now)
    for (const t of due) t.fn()
  }
  return { router: createSignalRouter(options), log, delivered, advance, pending: () => timers.length }
}

/** 'request', or the rtc signal's type. */
function kindOf(data: unknown): string {
  const d = data as { kind: string; data?: { type: string } }
  return d.kind === 'rtc' ? (d.data?.type ?? '?') : d.kind
}

describe('signal router', () => {
  it('uses the server alone while this peer has no channel (a newcomer)', () => {
    const { router, log } = setup({ server: true, mesh: false })
    router.send('b', { kind: 'request' })
    expect(log).toEqual(['server:b:request'])
  })

  it('uses the server while it is up, and the mesh once it is down', () => {
    const state = { server: true, mesh: true }
    const { router, log } = setup(state)
    router.send('b', { kind: 'request' })
    state.server = false
    router.send('c', { kind: 'request' })
    expect(log).toEqual(['server:b:request', 'mesh:c:request'])
    expect(router.stats()).toMatchObject({ sentViaMesh: 1, sentViaServer: 1 })
  })

  it('holds the initiator’s candidates until the answer comes through the mesh', () => {
    const { router, log } = setup({ server: false, mesh: true })
    router.send('b', rtc('offer'))
    router.send('b', rtc('candidate'))
    router.send('b', rtc('candidate'))
    // The offer floods to find b; candidates sent now would flood too.
    expect(log).toEqual(['mesh:b:offer'])
    router.fromMesh('b', encode({ ...rtc('answer'), n: 'a1' }))
    expect(log).toEqual(['mesh:b:offer', 'mesh:b:candidate', 'mesh:b:candidate'])
    expect(router.stats()).toMatchObject({ sentViaMesh: 3, heldForRoute: 2 })
    // Routed from now on: nothing waits.
    router.send('b', rtc('candidate'))
    expect(log).toHaveLength(4)
  })

  it('answers a peer heard through the mesh at once (the responder, or after a request)', () => {
    const { router, log } = setup({ server: false, mesh: true })
    router.fromMesh('a', encode({ ...rtc('offer'), n: 'o1' }))
    router.send('a', rtc('answer'))
    router.send('a', rtc('candidate'))
    expect(log).toEqual(['mesh:a:answer', 'mesh:a:candidate'])
  })

  it('lets held signals go when no reply came in time, and after a long silence looks again', () => {
    const { router, log, advance, pending } = setup({ server: false, mesh: true })
    router.send('b', rtc('offer'))
    router.send('b', rtc('candidate'))
    advance(ROUTER_DEFAULTS.meshHoldMs)
    expect(log).toEqual(['mesh:b:offer', 'mesh:b:candidate'])
    expect(pending()).toBe(0)

    // Heard once, then silent for longer than a route is trusted: the next signal waits again.
    router.fromMesh('c', encode({ kind: 'request', n: 'r1' }))
    advance(ROUTER_DEFAULTS.routeFreshMs + 1)
    router.send('c', rtc('offer', 'y'))
    router.send('c', rtc('candidate', 'y'))
    expect(log.filter((l) => l.startsWith('mesh:c'))).toEqual(['mesh:c:offer'])
  })

  it('sends held signals by the server when it came back meanwhile', () => {
    const state = { server: false, mesh: true }
    const { router, log } = setup(state)
    router.send('b', rtc('offer'))
    router.send('b', rtc('candidate'))
    state.server = true
    router.fromServer('b', { ...rtc('answer'), n: 'a1' })
    expect(log).toEqual(['mesh:b:offer', 'server:b:candidate'])
  })

  it('forgets held signals and timers on close', () => {
    const { router, log, advance } = setup({ server: false, mesh: true })
    router.send('b', rtc('offer'))
    router.send('b', rtc('candidate'))
    router.close()
    advance(ROUTER_DEFAULTS.meshHoldMs)
    expect(log).toEqual(['mesh:b:offer'])
  })

  it('delivers the first copy of a signal and drops the second', () => {
    const { router, delivered } = setup({ server: true, mesh: true })
    const signal = { kind: 'request', n: 'x1' }
    router.fromServer('b', signal)
    router.fromMesh('b', encode(signal))
    router.fromServer('c', signal) // the same nonce from another peer is another signal
    expect(delivered).toHaveLength(2)
    expect(router.stats().duplicates).toBe(1)
  })

  it('drops a relayed signal that is not JSON, and passes on one without a nonce (older peers)', () => {
    const { router, delivered } = setup({ server: true, mesh: true })
    router.fromMesh('b', new Uint8Array([0xff, 0x00]))
    router.fromServer('b', { kind: 'request' })
    router.fromServer('b', { kind: 'request' })
    expect(router.stats().unreadable).toBe(1)
    expect(delivered).toHaveLength(2)
  })
})
