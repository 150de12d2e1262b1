/**
 * The frame-type table of the peer-to-peer wire protocol.
 *
 * Only append: the numbers are the protocol. A retired type keeps its number forever,
 * so an old peer never mistakes a new frame for one it knows. PROTOCOL.md describes
 * each frame's fields and role.
 */
export const FrameType = {
  /** A CRDT update: Plumtree's eager push (GOSSIP), and the answer to a GRAFT. */
  Update: 1,
  /** Anti-entropy: "this is what I have" (a replica digest, e.g. a Yjs state vector). */
  SyncDigest: 2,
  /** Anti-entropy: "this is what you lack" (a replica diff). */
  SyncDiff: 3,
  /** Retired: the skeleton's heartbeat membership table. Reserved, never reused. */
  RetiredHeartbeatMembership: 4,
  /** SWIM: direct probe. */
  Ping: 5,
  /** SWIM: answer to a probe (direct or relayed). */
  Ack: 6,
  /** SWIM: "probe this member for me" (indirect probe). */
  PingReq: 7,
  /** SWIM/Lifeguard: "I got your PING_REQ but could not reach the target". */
  Nack: 8,
  /** SWIM: membership updates only (the periodic gossip, the join state transfer). */
  MemberGossip: 9,
  /** HyParView: a joiner asks its contact to take it into the overlay. */
  Join: 10,
  /** HyParView: the random walk that spreads a joiner into other active views. */
  ForwardJoin: 11,
  /** HyParView: ask to become an active neighbour (high or low priority). */
  Neighbor: 12,
  /** HyParView: answer to JOIN or NEIGHBOR. */
  NeighborReply: 13,
  /** HyParView: "I drop you from my active view; close the channel". */
  Disconnect: 14,
  /** HyParView: passive-view exchange, travelling a random walk. */
  Shuffle: 15,
  /** HyParView: answer to SHUFFLE, routed back along the walk. */
  ShuffleReply: 16,
  /** Plumtree: lazy announcement of message ids. */
  IHave: 17,
  /** Plumtree: "send me these messages and join my eager set". */
  Graft: 18,
  /** Plumtree: "you are a redundant eager path; go lazy". */
  Prune: 19,
  /** SWIM: bucket sums of the live members (until #3's second pass: a count); answered with records or a refinement. */
  MemberDigest: 20,
  /** Connection signaling (offer, answer, candidate) relayed through connected peers. */
  SignalRelay: 21,
  /** Ephemeral application state (e.g. editor awareness) for one neighbour; never forwarded by the core. */
  Ephemeral: 22,
  /** SWIM: a slice of the sender's live members, merged without being re-gossiped (the join state transfer). */
  MemberSnapshot: 23,
  /** SWIM: sub-bucket sums of the digest buckets that differ, instead of their many records. */
  MemberRefine: 24,
  /** SWIM: "send me your records in these sub-buckets" (answer to MEMBER_REFINE). */
  MemberRefineAsk: 25,
  /** Plumtree over a rooted tree: "my root, my distance to it, whether you are my parent". */
  Tree: 26,
} as const

export type FrameTypeName = keyof typeof FrameType
export type FrameTypeNumber = (typeof FrameType)[FrameTypeName]

/** The wire protocol version carried in the first byte of every frame. */
export const PROTOCOL_VERSION = 1
