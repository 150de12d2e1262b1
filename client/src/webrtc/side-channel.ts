/**
 * Messages the client exchanges with its neighbours beside the protocol's frames, on the
 * same data channel: ephemeral application state (y-protocols awareness) that must not
 * enter the CRDT or member metadata.
 *
 *   [0xE0][kind][payload...]
 *
 * Protocol frames start with the protocol version (1), so the first byte tells them
 * apart. 0xE0 is far from any version the protocol will reach. A peer of an older client
 * passes such a message to its node, which drops it as a bad version (counted, reported).
 * A frame type for this in the core is requested in .tmp/protocol-requests.md.
 *
 *   const bytes = encodeSideMessage(SideKind.Ephemeral, payload)
 *   const parsed = parseSideMessage(bytes)   // undefined for a protocol frame
 */
export const SIDE_CHANNEL_MARKER = 0xe0

/** Only append: the numbers are the wire. */
export const SideKind = {
  /** Ephemeral application state for neighbours; each receiver decides whether to forward. */
  Ephemeral: 1,
} as const

export type SideKindNumber = (typeof SideKind)[keyof typeof SideKind]

export function encodeSideMessage(kind: SideKindNumber, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length + 2)
  out[0] = SIDE_CHANNEL_MARKER
  out[1] = kind
  out.set(payload, 2)
  return out
}

export type SideMessage = { readonly kind: number; readonly payload: Uint8Array }

/** Undefined when `bytes` is not a side-channel message (a protocol frame). */
export function parseSideMessage(bytes: Uint8Array): SideMessage | undefined {
  if (bytes.length < 2 || bytes[0] !== SIDE_CHANNEL_MARKER) return undefined
  return { kind: bytes[1] as number, payload: bytes.subarray(2) }
}
