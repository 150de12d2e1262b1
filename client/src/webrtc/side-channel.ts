/**
 * The kinds of ephemeral message the client exchanges with its neighbours: application
 * state (y-protocols awareness) that must not enter the CRDT or member metadata.
 *
 * They travel in the protocol's EPHEMERAL frame (type 22: `[kind u8][payload]`, see
 * shared/PROTOCOL.md): the shell sends one with the node event `send-ephemeral`, and the
 * node hands one that arrives from a neighbour to the shell as an `ephemeral` effect. The
 * node never forwards them; the awareness relay floods them on itself.
 *
 *   runner.dispatch({ type: 'send-ephemeral', to, kind: SideKind.Ephemeral, payload })
 *   // effect { type: 'ephemeral', from, kind, payload } → mesh event 'ephemeral'
 *
 * Before frame type 22, these went as `[0xE0][kind][payload]` ahead of the node. 0xE0
 * stays reserved (never a PROTOCOL_VERSION), so such a message from an older client is
 * dropped by the node as a bad version, never misread.
 */

/** Only append: the numbers are the wire (the EPHEMERAL frame's `kind` byte). */
export const SideKind = {
  /** Ephemeral application state for neighbours; each receiver decides whether to forward. */
  Ephemeral: 1,
} as const

export type SideKindNumber = (typeof SideKind)[keyof typeof SideKind]
