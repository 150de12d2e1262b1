/**
 * The frame-type table of the peer-to-peer wire protocol.
 *
 * Only append: the numbers are the protocol. A retired type keeps its number forever,
 * so an old peer never mistakes a new frame for one it knows.
 */
export const FrameType = {
  /** A CRDT update pushed to neighbours (skeleton push gossip; see PROTOCOL.md). */
  Update: 1,
  /** Anti-entropy: "this is what I have" (a replica digest, e.g. a Yjs state vector). */
  SyncDigest: 2,
  /** Anti-entropy: "this is what you lack" (a replica diff). */
  SyncDiff: 3,
  /** Heartbeat membership gossip of the skeleton. */
  Membership: 4,
} as const

export type FrameTypeName = keyof typeof FrameType
export type FrameTypeNumber = (typeof FrameType)[FrameTypeName]

/** The wire protocol version carried in the first byte of every frame. */
export const PROTOCOL_VERSION = 1
