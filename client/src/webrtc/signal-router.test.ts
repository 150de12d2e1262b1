import { describe, expect, it } from 'vitest'
import { createSignalRouter, type SignalRouterOptions } from './signal-router'

function setup(state: { server: boolean; mesh: boolean }) {
  const log: string[] = []
  const delivered: unknown[] = []
  let n = 0
  const options: SignalRouterOptions = {
    viaServer: (to) => log.push(`server:${to}`),
    viaMesh: (to) => log.push(`mesh:${to}`),
    serverUp: () => state.server,
    meshUp: () => state.mesh,
    deliver: (_from, data) => delivered.push(data),
    newNonce: () => `n${n++}`,
  }
  return { router: createSignalRouter(options), log, delivered }
}

describe('signal router', () => {
  it('uses the server alone while this peer has no channel (a newcomer)', () => {
    const { router, log } = setup({ server: true, mesh: false })
    router.send('b', { kind: 'request' })
    expect(log).toEqual(['server:b'])
  })

  it('uses both ways while both are up, and the mesh alone with the server down', () => {
    const state = { server: true, mesh: true }
    const { router, log } = setup(state)
    router.send('b', { kind: 'request' })
    state.server = false
    router.send('c', { kind: 'request' })
    expect(log).toEqual(['mesh:b', 'server:b', 'mesh:c'])
    expect(router.stats()).toMatchObject({ sentViaMesh: 2, sentViaServer: 1 })
  })

  it('delivers the first copy of a signal and drops the second', () => {
    const { router, delivered } = setup({ server: true, mesh: true })
    const signal = { kind: 'request', n: 'x1' }
    router.fromServer('b', signal)
    router.fromMesh('b', new TextEncoder().encode(JSON.stringify(signal)))
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
