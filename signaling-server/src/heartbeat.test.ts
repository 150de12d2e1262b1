import { describe, expect, it } from 'vitest'
import { useServers } from './testing/harness'

const h = useServers()

describe('heartbeats', () => {
  it('drops a socket that stops answering pings and keeps one that answers', async () => {
    const server = await h.start({ heartbeatIntervalMs: 40 })
    const live = await h.connect(server)
    // autoPong: false makes this client a half-open socket as far as the server can tell.
    const dead = await h.connect(server, { autoPong: false })
    await live.join('r', 'live')
    await dead.join('r', 'dead')
    // Dropped within two intervals of its last sign of life: one to miss a ping, one to notice.
    expect(await dead.closed).toBe(1006)
    await expect.poll(() => server.connections).toBe(1)
    live.send({ type: 'signal', room: 'r', to: 'dead', data: 1 })
    expect(await live.next('error')).toMatchObject({ code: 'unknown-peer' })
    expect(live.closeCode).toBeUndefined()
  })

  it('can be turned off', async () => {
    const server = await h.start({ heartbeatIntervalMs: 0 })
    const quiet = await h.connect(server, { autoPong: false })
    await quiet.join('r', 'q')
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(quiet.closeCode).toBeUndefined()
  })
})
