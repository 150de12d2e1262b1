/**
 * Caps applied while decoding. Every list and byte field a peer can send is bounded by
 * one of these, so memory per received frame is bounded whatever a peer sends.
 */
export interface WireLimits {
  /**
   * Largest frame accepted, and sent, envelope included. Default 8 MiB: the catch-up diff
   * a joiner gets can be the whole document, so this is the largest document a joiner can
   * catch up with in one frame. A larger frame is never sent: the sender reports it as a
   * `dropped` effect (reason `send-oversized`). Data channels carry it in 16 KiB fragments
   * (client transport), whose reassembly cap and send buffer must be at least this; 8 MiB
   * rather than more because Chromium closes a data channel that buffers over 16 MiB, so a
   * frame must fit in the send buffer with room to spare.
   */
  maxFrameBytes: number
  /** Largest CRDT payload (update or diff) inside a frame. Default 8 MiB - 64 bytes (room for the envelope). */
  maxPayloadBytes: number
  /** Most items in any list field (members, ids). Default 1,024. */
  maxListItems: number
  /** Largest member metadata blob. Default 512 bytes: metadata rides on every membership frame. */
  maxMetaBytes: number
  /**
   * Largest payload of an EPHEMERAL frame. Default 64 KiB: awareness states (cursors,
   * names) are a few hundred bytes each, and even a full-room awareness update stays far
   * below this; anything larger belongs in the CRDT, not in a message that is resent often.
   */
  maxEphemeralBytes: number
}

export const DEFAULT_WIRE_LIMITS: Readonly<WireLimits> = {
  maxFrameBytes: 8 << 20,
  maxPayloadBytes: (8 << 20) - 64,
  maxListItems: 1024,
  maxMetaBytes: 512,
  maxEphemeralBytes: 64 << 10,
}

/**
 * Highest incarnation a peer may send. Larger values are malformed: a forged incarnation
 * near 2^53 would make its victim refute past the safe-integer range, after which none of
 * its frames decode. 2^32 - 1 refutations cannot happen in practice; a peer at the cap
 * stays there (increments saturate).
 */
/** Most buckets of a membership digest (MEMBER_DIGEST); a digest has a power of two of them. */
export const MAX_DIGEST_BUCKETS = 256
/** Sub-buckets of one digest bucket in a refinement (MEMBER_REFINE, MEMBER_REFINE_ASK). */
export const DIGEST_SUB_BUCKETS = 16

export const MAX_INCARNATION = 0xffff_ffff

/** Highest Plumtree hop count on the wire; a real tree is far shallower. Increments saturate. */
export const MAX_HOPS = 255

/**
 * Deepest distance to the root a rooted-tree advertisement may carry. Past it a node takes
 * no parent through that neighbour: the bound that ends counting to infinity after the
 * root is cut off. A HyParView overlay of 10,000 peers is ~8 hops deep around its root.
 */
export const MAX_TREE_DEPTH = 32
