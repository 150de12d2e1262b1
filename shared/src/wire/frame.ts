/**
 * The decoded form of every peer-to-peer frame: a discriminated union on `type`.
 * `codec.ts` turns these into bytes and back; PROTOCOL.md describes each frame's role.
 */
import type { PeerId } from '../ids'

// ---------------------------------------------------------------- replication (Plumtree payload, anti-entropy)

/** Identifies one broadcast: (origin, session, seq). */
export interface MessageId {
  readonly origin: PeerId
  /** Random per start of the origin, so a reloaded peer's seq 1 is not taken for its old seq 1. */
  readonly session: number
  readonly seq: number
}

/** A CRDT update: Plumtree eager push, or the answer to a GRAFT. */
export interface UpdateFrame extends MessageId {
  readonly type: 'update'
  /** Hops travelled so far (Plumtree's "round"); 0 when sent by the origin. */
  readonly hops: number
  readonly payload: Uint8Array
}

/** Anti-entropy opener or answer: the sender's replica digest. */
export interface SyncDigestFrame {
  readonly type: 'sync-digest'
  readonly digest: Uint8Array
  /** True on the opener: the receiver answers with its own digest so the exchange is push-pull. */
  readonly wantsReply: boolean
  /**
   * True on a periodic round's opener and its answer: nothing is known to be missing, so
   * the receiver leaves out of its diff what it got in the last moments, which the
   * broadcast tree is still delivering. False when catching up or pulling: send it all.
   */
  readonly routine: boolean
}

/** Anti-entropy diff: what the receiver lacks relative to the digest it sent. */
export interface SyncDiffFrame {
  readonly type: 'sync-diff'
  readonly diff: Uint8Array
}

// ---------------------------------------------------------------- membership (SWIM + Lifeguard)

/** How a member is known. The numbers are on the wire. */
export const MemberStateCode = { alive: 0, suspect: 1, dead: 2, left: 3 } as const
export type MemberState = keyof typeof MemberStateCode

/**
 * One piece of membership news. Ordered by (incarnation, state rank): a higher incarnation
 * wins; at equal incarnation suspect beats alive, dead beats suspect, left beats dead.
 */
export interface MemberUpdate {
  readonly id: PeerId
  readonly state: MemberState
  /** The member's own counter; only the member raises it (refutation, metadata, rejoin). */
  readonly incarnation: number
  /** Metadata; carried by `alive` records only (empty on the others). */
  readonly meta: Uint8Array
  /** Who accuses, on `suspect` and `dead` records (Lifeguard counts distinct accusers); else ''. */
  readonly from: PeerId
}

/** Frames that carry piggybacked membership updates. */
export interface Piggyback {
  readonly members: readonly MemberUpdate[]
}

export interface PingFrame extends Piggyback {
  readonly type: 'ping'
  readonly seq: number
}

export interface AckFrame extends Piggyback {
  readonly type: 'ack'
  readonly seq: number
}

export interface PingReqFrame extends Piggyback {
  readonly type: 'ping-req'
  readonly seq: number
  readonly target: PeerId
}

export interface NackFrame extends Piggyback {
  readonly type: 'nack'
  readonly seq: number
}

export interface MemberGossipFrame extends Piggyback {
  readonly type: 'member-gossip'
}

/**
 * Part of the sender's member table (its live members), for a peer that joined through it
 * or fell far behind. Unlike MEMBER_GOSSIP, the receiver does not pass these records on as
 * news: everyone else already holds them.
 */
export interface MemberSnapshotFrame {
  readonly type: 'member-snapshot'
  readonly members: readonly MemberUpdate[]
}

/**
 * The sender's membership digest: 1 to 256 (a power of two) bucket sums of a hash of
 * (id, incarnation) over its live members. The receiver answers with a MEMBER_SNAPSHOT of
 * its records in the buckets that differ, or, when those are many, a MEMBER_REFINE.
 */
export interface MemberDigestFrame {
  readonly type: 'member-digest'
  readonly buckets: readonly number[]
}

/** A fine digest bucket's 16 sub-bucket sums (`subBucketOf` in membership/member-digest.ts). */
export interface RefinedBucket {
  /** The fine bucket, 0 to 255. */
  readonly bucket: number
  readonly sums: readonly number[]
}

/**
 * The answer to a MEMBER_DIGEST whose differing buckets hold many records: those buckets'
 * sub-sums instead of the records. The receiver sends its records in the sub-buckets that
 * differ and asks for the sender's there (MEMBER_REFINE_ASK). Buckets in increasing order.
 */
export interface MemberRefineFrame {
  readonly type: 'member-refine'
  readonly buckets: readonly RefinedBucket[]
}

/** Sub-buckets of one fine bucket: bit i (0 to 15) set names sub-bucket i. Never 0. */
export interface SubBucketAsk {
  readonly bucket: number
  readonly subs: number
}

/** "Send me your records in these sub-buckets": the answer to a MEMBER_REFINE. Buckets in increasing order. */
export interface MemberRefineAskFrame {
  readonly type: 'member-refine-ask'
  readonly asks: readonly SubBucketAsk[]
}

// ---------------------------------------------------------------- overlay (HyParView)

export interface JoinFrame {
  readonly type: 'join'
}

export interface ForwardJoinFrame {
  readonly type: 'forward-join'
  readonly joiner: PeerId
  /** Remaining hops of the random walk. */
  readonly ttl: number
}

export interface NeighborFrame {
  readonly type: 'neighbor'
  /** High when the sender's active view is empty: the receiver must accept. */
  readonly high: boolean
}

export interface NeighborReplyFrame {
  readonly type: 'neighbor-reply'
  readonly accepted: boolean
}

export interface DisconnectFrame {
  readonly type: 'disconnect'
}

export interface ShuffleFrame {
  readonly type: 'shuffle'
  /** Peers the walk went through, the origin first; the reply retraces it. */
  readonly path: readonly PeerId[]
  readonly ttl: number
  readonly entries: readonly PeerId[]
}

export interface ShuffleReplyFrame {
  readonly type: 'shuffle-reply'
  /** Remaining way back, the origin first; the receiver pops itself off the end. */
  readonly path: readonly PeerId[]
  readonly entries: readonly PeerId[]
}

// ---------------------------------------------------------------- broadcast (Plumtree control)

export interface IHaveEntry extends MessageId {
  readonly hops: number
}

export interface IHaveFrame extends Piggyback {
  readonly type: 'ihave'
  readonly ids: readonly IHaveEntry[]
}

export interface GraftFrame {
  readonly type: 'graft'
  readonly ids: readonly MessageId[]
}

export interface PruneFrame {
  readonly type: 'prune'
}

/**
 * The rooted tree's advertisement to one neighbour (`rooted-tree.ts`): the root the sender
 * follows, its distance in hops to that root, whether the receiver is its parent, and
 * whether it holds the receiver's parent to be itself (so a lost frame shows). Tree links
 * are the parent links: a node pushes to its parent and to the neighbours that named it
 * their parent.
 */
export interface TreeFrame {
  readonly type: 'tree'
  readonly root: PeerId
  readonly dist: number
  /** The receiver is the sender's parent. */
  readonly parent: boolean
  /** The sender believes the receiver named it parent (the receiver is its child). */
  readonly child: boolean
}

// ---------------------------------------------------------------- connection signaling through the mesh

/**
 * A signal (opaque to the core: an SDP offer, answer or ICE candidate) from `origin` to
 * `to`, carried by peers that already have channels. `nonce` (random per signal, with
 * `origin`) lets every peer drop copies; `ttl` is how many more times it may be flooded
 * to all neighbours when no channel to `to` is known.
 */
export interface SignalRelayFrame {
  readonly type: 'signal-relay'
  readonly origin: PeerId
  readonly to: PeerId
  readonly nonce: number
  readonly ttl: number
  readonly data: Uint8Array
}

// ---------------------------------------------------------------- application messages

/**
 * Ephemeral application state for one neighbour (y-protocols awareness in the client).
 * `kind` (u8) is the application's own tag; the core neither reads `payload` nor forwards
 * the frame: the shell floods it on if it wants to.
 */
export interface EphemeralFrame {
  readonly type: 'ephemeral'
  readonly kind: number
  readonly payload: Uint8Array
}

export type SwimFrame = PingFrame | AckFrame | PingReqFrame | NackFrame | MemberGossipFrame
export type OverlayFrame =
  | JoinFrame
  | ForwardJoinFrame
  | NeighborFrame
  | NeighborReplyFrame
  | DisconnectFrame
  | ShuffleFrame
  | ShuffleReplyFrame
export type BroadcastFrame = UpdateFrame | IHaveFrame | GraftFrame | PruneFrame | TreeFrame

export type Frame =
  | BroadcastFrame
  | SyncDigestFrame
  | SyncDiffFrame
  | SwimFrame
  | MemberDigestFrame
  | MemberSnapshotFrame
  | MemberRefineFrame
  | MemberRefineAskFrame
  | OverlayFrame
  | SignalRelayFrame
  | EphemeralFrame
export type FrameKind = Frame['type']
