/**
 * Room tokens: proof that whoever holds the server's secret let this client into a room
 * until a given time. The server keeps no list of tokens; it recomputes the HMAC.
 *
 *   v1.<expires, unix seconds>.<base64url HMAC-SHA256(secret, "v1\n" + room + "\n" + expires)>
 *
 * The room is inside the MAC, so a token for one room opens no other; the expiry is
 * inside it too, so it cannot be stretched. Mint tokens in your app's backend:
 *
 *   const token = mintRoomToken({ secret, room: 'doc-42', expiresAt: Date.now() + 3600_000 })
 *   verifyRoomToken({ secret, room: 'doc-42', token, now: Date.now() })   // { ok: true }
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { RoomId } from '@gossip-mesh/shared/ids'

const VERSION = 'v1'

/** Why a token was refused, for the error frame's message. */
export type TokenCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string }

function mac(secret: string, room: RoomId, expires: number): string {
  return createHmac('sha256', secret).update(`${VERSION}\n${room}\n${expires}`).digest('base64url')
}

/** A token for `room` valid until `expiresAt` (ms since the epoch, rounded down to seconds). */
export function mintRoomToken(args: { secret: string; room: RoomId; expiresAt: number }): string {
  if (args.secret === '') throw new TypeError('mintRoomToken: secret must not be empty')
  const expires = Math.floor(args.expiresAt / 1000)
  return `${VERSION}.${expires}.${mac(args.secret, args.room, expires)}`
}

/** Check a token against `room` at time `now` (ms). Never throws. */
export function verifyRoomToken(args: {
  secret: string
  room: RoomId
  token: unknown
  now: number
}): TokenCheck {
  if (typeof args.token !== 'string' || args.token === '') return { ok: false, reason: 'room needs a token' }
  const parts = args.token.split('.')
  if (parts.length !== 3 || parts[0] !== VERSION || !/^\d{1,12}$/.test(parts[1] as string)) {
    return { ok: false, reason: 'token is malformed' }
  }
  const expires = Number(parts[1])
  const expected = Buffer.from(mac(args.secret, args.room, expires))
  const given = Buffer.from(parts[2] as string)
  // Constant-time compare, so the MAC cannot be guessed byte by byte from response times.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'token is not valid for this room' }
  }
  if (expires * 1000 <= args.now) return { ok: false, reason: 'token has expired' }
  return { ok: true }
}
