/**
 * Identifiers shared by every layer: who a peer is and which room it is in.
 *
 * Both are plain strings on the wire and in the API, so the rules live here once and
 * the signaling server, the client and the wire decoder all enforce the same ones.
 *
 *   isPeerId('tab-3f9a')   // true
 *   isRoomId('a b')        // false: spaces would make log lines and URLs ambiguous
 */

/** A peer's id: unique within a room, chosen by the peer (random by default). */
export type PeerId = string

/** A room's name: peers in the same room share one document and one membership. */
export type RoomId = string

/** Ids are short printable tokens so they fit in URLs, log lines and metric labels unescaped. */
const ID_PATTERN = /^[A-Za-z0-9_.:@-]+$/

/** Longest peer id accepted; it travels in many frames, so it is kept short. */
export const MAX_PEER_ID_LENGTH = 64
/** Longest room id accepted. */
export const MAX_ROOM_ID_LENGTH = 128

export function isPeerId(value: unknown): value is PeerId {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= MAX_PEER_ID_LENGTH &&
    ID_PATTERN.test(value)
  )
}

export function isRoomId(value: unknown): value is RoomId {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= MAX_ROOM_ID_LENGTH &&
    ID_PATTERN.test(value)
  )
}
