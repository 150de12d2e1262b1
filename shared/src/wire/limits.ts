/**
 * Caps applied while decoding. Every list and byte field a peer can send is bounded by
 * one of these, so memory per received frame is bounded whatever a peer sends.
 */
export interface WireLimits {
  /**
   * Largest frame accepted, envelope included. Default 1 MiB: a whole-document diff for
   * a joiner must fit; data channels carry it in fragments (see client transport).
   */
  maxFrameBytes: number
  /** Largest CRDT payload (update or diff) inside a frame. Default 1 MiB - 64 bytes. */
  maxPayloadBytes: number
  /** Most items in any list field (members, ids). Default 1,024. */
  maxListItems: number
  /** Largest member metadata blob. Default 512 bytes: metadata rides on every membership frame. */
  maxMetaBytes: number
}

export const DEFAULT_WIRE_LIMITS: Readonly<WireLimits> = {
  maxFrameBytes: 1 << 20,
  maxPayloadBytes: (1 << 20) - 64,
  maxListItems: 1024,
  maxMetaBytes: 512,
}
