import { describe, expect, it } from 'vitest'
import { CLOSE_POLICY_VIOLATION } from './close-codes'
import { mintRoomToken } from './room-token'
import { useServers } from './testing/harness'

const secret = 'server-secret'
const h = useServers()

describe('room tokens', () => {
  it('admits a join with a valid token and refuses one without, expired or for another room', async () => {
    const server = await h.start({ secret })
    const a = await h.connect(server)
    const valid = mintRoomToken({ secret, room: 'doc', expiresAt: Date.now() + 60_000 })
    const cases: Array<[string | undefined, string]> = [
      [undefined, 'room needs a token'],
      [mintRoomToken({ secret, room: 'doc', expiresAt: Date.now() - 1000 }), 'token has expired'],
      [mintRoomToken({ secret, room: 'other', expiresAt: Date.now() + 60_000 }), 'not valid for this room'],
      [
        mintRoomToken({ secret: 'guess', room: 'doc', expiresAt: Date.now() + 60_000 }),
        'not valid for this room',
      ],
      ['v1.99999999999.forged', 'not valid for this room'],
    ]
    for (const [token, reason] of cases) {
      a.send(
        token === undefined
          ? { type: 'join', room: 'doc', peer: 'a' }
          : { type: 'join', room: 'doc', peer: 'a', token },
      )
      expect(await a.next('error')).toEqual({
        type: 'error',
        code: 'unauthorized',
        message: expect.stringContaining(reason),
        room: 'doc',
      })
    }
    expect(server.rooms).toBe(0)
    expect(await a.join('doc', 'a', valid)).toMatchObject({ type: 'welcome', room: 'doc' })
  })

  it('asks for tokens only in rooms matching authRooms', async () => {
    const server = await h.start({ secret, authRooms: /^private-/ })
    const a = await h.connect(server)
    expect(await a.join('public-1', 'a')).toMatchObject({ type: 'welcome' })
    a.send({ type: 'join', room: 'private-1', peer: 'a' })
    expect(await a.next('error')).toMatchObject({ code: 'unauthorized', room: 'private-1' })
  })

  it('takes the time from options.now, so expiry is testable without waiting', async () => {
    let now = 1_000_000
    const server = await h.start({ secret, now: () => now })
    const a = await h.connect(server)
    const token = mintRoomToken({ secret, room: 'doc', expiresAt: now + 5000 })
    await a.join('doc', 'a', token)
    now += 5000
    a.send({ type: 'join', room: 'doc2', peer: 'a', token })
    expect(await a.next('error')).toMatchObject({ code: 'unauthorized' })
  })
})

describe('origin allow-list', () => {
  it('serves allowed origins and tells others why before closing with 1008', async () => {
    const server = await h.start({ allowedOrigins: ['https://app.example'] })
    const ok = await h.connect(server, { origin: 'https://app.example' })
    expect(await ok.join('r', 'a')).toMatchObject({ type: 'welcome' })
    for (const options of [{ origin: 'https://evil.example' }, {}]) {
      const bad = await h.connect(server, options)
      expect(await bad.next('error')).toMatchObject({ code: 'forbidden-origin' })
      expect(await bad.closed).toBe(CLOSE_POLICY_VIOLATION)
    }
    expect(server.connections).toBe(1)
  })
})
