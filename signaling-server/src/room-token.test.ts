import { describe, expect, it } from 'vitest'
import { mintRoomToken, verifyRoomToken } from './room-token'

const secret = 'test-secret'
const now = 1_700_000_000_000

describe('room tokens', () => {
  it('accepts a token for its room until it expires', () => {
    const token = mintRoomToken({ secret, room: 'doc', expiresAt: now + 60_000 })
    expect(token).toMatch(/^v1\.\d+\.[A-Za-z0-9_-]{43}$/)
    expect(verifyRoomToken({ secret, room: 'doc', token, now })).toEqual({ ok: true })
    expect(verifyRoomToken({ secret, room: 'doc', token, now: now + 60_000 })).toEqual({
      ok: false,
      reason: 'token has expired',
    })
  })

  it.each([
    ['another room', { room: 'other' }],
    ['another secret', { secret: 'nope' }],
  ])('refuses a token checked against %s', (_name, change) => {
    const token = mintRoomToken({ secret, room: 'doc', expiresAt: now + 60_000 })
    expect(verifyRoomToken({ secret, room: 'doc', token, now, ...change })).toEqual({
      ok: false,
      reason: 'token is not valid for this room',
    })
  })

  it('refuses a stretched expiry', () => {
    const [v, expires, sig] = mintRoomToken({ secret, room: 'doc', expiresAt: now + 1000 }).split('.')
    const forged = `${v}.${Number(expires) + 3600}.${sig}`
    expect(verifyRoomToken({ secret, room: 'doc', token: forged, now }).ok).toBe(false)
  })

  it.each([undefined, '', 42, 'v1', 'v2.1.abc', 'v1.x.abc', 'v1.1.abc.def'])(
    'refuses %j without throwing',
    (token) => {
      expect(verifyRoomToken({ secret, room: 'doc', token, now }).ok).toBe(false)
    },
  )
})
