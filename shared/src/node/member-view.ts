import type { PeerId } from '../ids'
import type { MemberState } from '../wire/frame'

export type { MemberState }

/** A member as this peer currently knows it. */
export interface MemberView {
  readonly id: PeerId
  /** SWIM state: 'alive', 'suspect' (may be dead; awaiting refutation), 'dead', or 'left' (said goodbye). */
  readonly state: MemberState
  /** The member's incarnation: only the member raises it; higher means newer news. */
  readonly version: number
  /** Opaque metadata the member publishes (the client stores JSON here). */
  readonly meta: Uint8Array
  /** When this peer last saw the state or metadata change (shell time, ms). */
  readonly since: number
}
