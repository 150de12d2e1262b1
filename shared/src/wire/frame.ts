/**
 * The decoded form of every peer-to-peer frame: a discriminated union on `type`.
 * `codec.ts` turns these into bytes and back.
 */
import type { PeerId } from '../ids'

/** A CRDT update, pushed hop by hop. (origin, session, seq) identifies it for duplicate suppression. */
export interface UpdateFrame {
  readonly type: 'update'
  readonly origin: PeerId
  /** Random per start of the origin, so a reloaded peer's seq 1 is not taken for its old seq 1. */
  readonly session: number
  readonly seq: number
  /** Hops travelled so far; 0 when sent by the origin. */
  readonly hops: number
  readonly payload: Uint8Array
}

/** Anti-entropy opener or answer: the sender's replica digest. */
export interface SyncDigestFrame {
  readonly type: 'sync-digest'
  readonly digest: Uint8Array
  /** True on the opener: the receiver answers with its own digest so the exchange is push-pull. */
  readonly wantsReply: boolean
}

/** Anti-entropy diff: what the receiver lacks relative to the digest it sent. */
export interface SyncDiffFrame {
  readonly type: 'sync-diff'
  readonly diff: Uint8Array
}

/** How a member is known in the skeleton's heartbeat gossip. */
export const MemberStateCode = { alive: 0, suspect: 1, dead: 2, left: 3 } as const
export type MemberState = keyof typeof MemberStateCode

export interface MemberRecord {
  readonly id: PeerId
  readonly state: MemberState
  /** Grows when the member itself says it is alive; a higher heartbeat wins. */
  readonly heartbeat: number
  /** Small opaque metadata the member publishes about itself (name, status). */
  readonly meta: Uint8Array
}

/** The skeleton's membership gossip: a batch of member records. */
export interface MembershipFrame {
  readonly type: 'membership'
  readonly records: readonly MemberRecord[]
}

export type Frame = UpdateFrame | SyncDigestFrame | SyncDiffFrame | MembershipFrame
export type FrameKind = Frame['type']
