/**
 * What the node asks the shell to do, returned from `MeshNode.handle`. The shell performs
 * them in order; none of them reports back synchronously (outcomes come as new events).
 */
import type { PeerId } from '../ids'
import type { DecodeErrorCode } from '../wire/decode-error'
import type { MemberView } from './member-view'

export type Effect =
  /** Send an encoded frame to a neighbour. Best-effort: it may be lost. */
  | { readonly type: 'send'; readonly to: PeerId; readonly bytes: Uint8Array }
  /** Open a data channel to `peer` (report `neighbor-up` or `neighbor-down` later). */
  | { readonly type: 'connect'; readonly peer: PeerId }
  /** Close the data channel to `peer`. No `neighbor-down` is expected after this. */
  | { readonly type: 'disconnect'; readonly peer: PeerId }
  /** A member's state or metadata changed in this peer's view. */
  | { readonly type: 'member-changed'; readonly member: MemberView }
  /** The replica changed because of a remote update or diff. */
  | { readonly type: 'replica-changed'; readonly from: PeerId }
  /** The first anti-entropy exchange completed: this replica has caught up with a neighbour. */
  | { readonly type: 'synced'; readonly with: PeerId }
  /** A connection signal from `from` arrived through the mesh (`relay-signal` at its origin). */
  | { readonly type: 'signal'; readonly from: PeerId; readonly data: Uint8Array }
  /** Ephemeral application state from the neighbour `from` (`send-ephemeral` there). A view into the frame: copy to keep it. */
  | { readonly type: 'ephemeral'; readonly from: PeerId; readonly kind: number; readonly payload: Uint8Array }
  /** A frame or payload from `from` was rejected and dropped; counted in stats. */
  | { readonly type: 'dropped'; readonly from: PeerId; readonly reason: DropReason; readonly detail: string }

/**
 * Why a frame was dropped. `send-oversized` is an outgoing frame over `maxFrameBytes`
 * (e.g. a catch-up diff of a document too large for one frame): never sent, `from` names
 * the peer it was for. `unsolicited` is a request this peer does not answer (a digest
 * from a peer outside the active view, or over its rate).
 */
export type DropReason =
  | DecodeErrorCode
  | 'bad-update'
  | 'bad-digest'
  | 'not-neighbor'
  | 'send-oversized'
  | 'unsolicited'
