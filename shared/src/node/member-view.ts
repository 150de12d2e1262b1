import type { PeerId } from '../ids'
import type { MemberState } from '../wire/frame'

export type { MemberState }

/** A member as this peer currently knows it. */
export interface MemberView {
  readonly id: PeerId
  readonly state: MemberState
  /** The member's own counter (heartbeat or incarnation): higher means newer news. */
  readonly version: number
  /** Opaque metadata the member publishes (the client stores JSON here). */
  readonly meta: Uint8Array
  /** When this peer last saw the state change (shell time, ms). */
  readonly since: number
}
