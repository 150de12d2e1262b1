/**
 * What the shell feeds the node. Each event comes with the current time, passed to
 * `MeshNode.handle(now, event)`; the node never reads a clock of its own.
 */
import type { PeerId } from '../ids'

export type NodeEvent =
  /** Start gossiping. Called once, before any other event. */
  | { readonly type: 'start' }
  /** The signaling server (or another source) named peers of the room. */
  | { readonly type: 'peers-discovered'; readonly peers: readonly PeerId[] }
  /** A data channel to `peer` opened. */
  | { readonly type: 'neighbor-up'; readonly peer: PeerId }
  /** The data channel to `peer` closed, failed, or never opened after a `connect` effect. */
  | { readonly type: 'neighbor-down'; readonly peer: PeerId }
  /** Bytes arrived from a neighbour. They are untrusted. */
  | { readonly type: 'frame'; readonly from: PeerId; readonly bytes: Uint8Array }
  /** The wake-up time the node asked for (`nextWakeAt`) has come. */
  | { readonly type: 'tick' }
  /** The local replica produced an update to disseminate (already applied locally). */
  | { readonly type: 'local-update'; readonly update: Uint8Array }
  /** Replace this peer's own metadata (gossiped with membership). */
  | { readonly type: 'set-meta'; readonly meta: Uint8Array }
  /** Send a connection signal to `to` through peers with open channels (see signal-relay.ts). */
  | { readonly type: 'relay-signal'; readonly to: PeerId; readonly data: Uint8Array }
  /**
   * Send ephemeral application state (`kind` is a byte of the application's choosing) to
   * the neighbour `to` in an EPHEMERAL frame. Only over an open channel: otherwise, or
   * over `wireLimits.maxEphemeralBytes`, it is dropped and counted (a `dropped` effect).
   * The core never forwards it; the shell floods it on if it wants to.
   */
  | {
      readonly type: 'send-ephemeral'
      readonly to: PeerId
      readonly kind: number
      readonly payload: Uint8Array
    }
  /** Leave gracefully: tell the room, then expect the shell to close connections. */
  | { readonly type: 'leave' }
