/**
 * The contract between the sans-IO core and a shell (browser, Node, simulator).
 *
 *   const node = createNode({ id: 'a', replica, random: seededRandom(1) })
 *   let effects = node.handle(now, { type: 'start' })
 *   // perform effects; call node.handle(t, { type: 'tick' }) when t >= node.nextWakeAt()
 */
import type { PeerId } from '../ids'
import type { Effect } from './effect'
import type { MemberView } from './member-view'
import type { NodeEvent } from './node-event'
import type { NodeStats } from './node-stats'

export interface MeshNode {
  readonly id: PeerId
  /** Feed one event at time `now` (ms, monotonic, shell-defined origin). */
  handle(now: number, event: NodeEvent): Effect[]
  /** When the node next wants a `tick` (absolute ms). The shell arms one timer for it. */
  nextWakeAt(): number
  /** Members as this peer knows them, itself included. O(members): for display, not per frame. */
  members(): MemberView[]
  /** One member as this peer knows it, in O(1). Optional: nodes of #2 did not have it. */
  member?(id: PeerId): MemberView | undefined
  /** Peers with an open data channel. */
  neighbors(): PeerId[]
  stats(): NodeStats
}
