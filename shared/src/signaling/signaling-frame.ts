/**
 * The signaling protocol between a peer and the signaling server: JSON text frames over
 * one WebSocket. The server only introduces peers and relays their WebRTC signals; it
 * never sees room data.
 *
 *   client → server  { type: 'join', room, peer, token? }
 *                    { type: 'signal', room, to, data }
 *                    { type: 'leave', room }
 *   server → client  { type: 'welcome', room, peers }      sample of the room's other peers
 *                    { type: 'signal', room, from, data }   relayed from `from`
 *                    { type: 'error', code, message, room? }
 *                    { type: 'reconnect', reason }          server is shutting down
 *
 *   const parsed = parseClientFrame(text)
 *   if (!parsed.ok) socket.send(JSON.stringify(parsed.error))
 */
import { isPeerId, isRoomId, type PeerId, type RoomId } from '../ids'

/** Largest signaling frame either side accepts. SDP offers with candidates fit in 16 KiB. */
export const MAX_SIGNALING_FRAME_BYTES = 64 * 1024

export type ClientFrame =
  | { readonly type: 'join'; readonly room: RoomId; readonly peer: PeerId; readonly token?: string }
  | { readonly type: 'signal'; readonly room: RoomId; readonly to: PeerId; readonly data: unknown }
  | { readonly type: 'leave'; readonly room: RoomId }

export type ServerFrame =
  | { readonly type: 'welcome'; readonly room: RoomId; readonly peers: readonly PeerId[] }
  | { readonly type: 'signal'; readonly room: RoomId; readonly from: PeerId; readonly data: unknown }
  | ErrorFrame
  | { readonly type: 'reconnect'; readonly reason: string }

export interface ErrorFrame {
  readonly type: 'error'
  readonly code: SignalingErrorCode
  readonly message: string
  readonly room?: RoomId
  /** With 'unknown-peer', 'unavailable' and 'replaced': the peer the error is about. */
  readonly peer?: PeerId
}

/** Stable codes a client can branch on. Only append. */
export type SignalingErrorCode =
  | 'bad-json'
  | 'bad-frame'
  | 'too-large'
  | 'not-joined'
  | 'unknown-peer'
  | 'rate-limited'
  | 'too-many-rooms'
  | 'unauthorized'
  | 'forbidden-origin'
  | 'internal'
  | 'replaced'
  /** A signal this instance cannot route now (the store shared with other instances is down); carries `room` and `peer`. */
  | 'unavailable'

export type Parsed<T> =
  | { readonly ok: true; readonly frame: T }
  | { readonly ok: false; readonly error: ErrorFrame }

function error(code: SignalingErrorCode, message: string): { ok: false; error: ErrorFrame } {
  return { ok: false, error: { type: 'error', code, message } }
}

function parseJson(
  text: string,
): { ok: true; value: Record<string, unknown> } | { ok: false; error: ErrorFrame } {
  if (text.length > MAX_SIGNALING_FRAME_BYTES)
    return error('too-large', `frame over ${MAX_SIGNALING_FRAME_BYTES} bytes`)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return error('bad-json', 'frame is not JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return error('bad-frame', 'frame is not a JSON object')
  }
  return { ok: true, value: value as Record<string, unknown> }
}

/** Validate a frame a client sent. The server relays nothing that fails this. */
export function parseClientFrame(text: string): Parsed<ClientFrame> {
  const json = parseJson(text)
  if (!json.ok) return json
  const f = json.value
  if (!isRoomId(f.room)) return error('bad-frame', 'room must be 1-128 characters of [A-Za-z0-9_.:@-]')
  switch (f.type) {
    case 'join':
      if (!isPeerId(f.peer)) return error('bad-frame', 'peer must be 1-64 characters of [A-Za-z0-9_.:@-]')
      if (f.token !== undefined && (typeof f.token !== 'string' || f.token.length > 1024)) {
        return error('bad-frame', 'token must be a string of at most 1024 characters')
      }
      return {
        ok: true,
        frame:
          f.token === undefined
            ? { type: 'join', room: f.room, peer: f.peer }
            : { type: 'join', room: f.room, peer: f.peer, token: f.token },
      }
    case 'signal':
      if (!isPeerId(f.to)) return error('bad-frame', 'to must be a peer id')
      if (f.data === undefined) return error('bad-frame', 'signal needs data')
      return { ok: true, frame: { type: 'signal', room: f.room, to: f.to, data: f.data } }
    case 'leave':
      return { ok: true, frame: { type: 'leave', room: f.room } }
    default:
      return error('bad-frame', 'type must be join, signal or leave')
  }
}

/** Validate a frame the server sent. The client drops and reports anything that fails. */
export function parseServerFrame(text: string): Parsed<ServerFrame> {
  const json = parseJson(text)
  if (!json.ok) return json
  const f = json.value
  switch (f.type) {
    case 'welcome':
      if (!isRoomId(f.room) || !Array.isArray(f.peers) || !f.peers.every(isPeerId)) {
        return error('bad-frame', 'welcome needs a room and a list of peer ids')
      }
      return { ok: true, frame: { type: 'welcome', room: f.room, peers: f.peers as PeerId[] } }
    case 'signal':
      if (!isRoomId(f.room) || !isPeerId(f.from) || f.data === undefined) {
        return error('bad-frame', 'signal needs room, from and data')
      }
      return { ok: true, frame: { type: 'signal', room: f.room, from: f.from, data: f.data } }
    case 'error':
      if (typeof f.code !== 'string' || typeof f.message !== 'string')
        return error('bad-frame', 'error needs code and message')
      return {
        ok: true,
        frame: {
          type: 'error',
          code: f.code as SignalingErrorCode,
          message: f.message,
          ...(isRoomId(f.room) ? { room: f.room } : {}),
          ...(isPeerId(f.peer) ? { peer: f.peer } : {}),
        },
      }
    case 'reconnect':
      return { ok: true, frame: { type: 'reconnect', reason: typeof f.reason === 'string' ? f.reason : '' } }
    default:
      return error('bad-frame', 'unknown server frame type')
  }
}
