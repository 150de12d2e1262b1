/** Counters a node keeps about its own traffic. All are totals since start. */
import type { PlumtreeStats } from '../broadcast/plumtree'
import type { SwimStats } from '../membership/swim'
import type { OverlayStats } from '../overlay/hyparview'
import type { SignalRelayStats } from './signal-relay'

export interface NodeStats {
  framesSent: number
  framesReceived: number
  bytesSent: number
  bytesReceived: number
  /** Remote updates or diffs that changed the replica. */
  updatesApplied: number
  /** Update frames that carried nothing new (already seen). */
  duplicatesReceived: number
  /** Local updates this peer originated. */
  updatesOriginated: number
  /** Frames dropped, by reason (decode errors, bad payloads). */
  dropped: Record<string, number>
  /** Digests from a neighbour answered without a diff: it had one within the anti-entropy interval. */
  diffsDeferred?: number
  /** Routine digests answered without a diff: the neighbour lacked only updates still in flight. */
  diffsInFlight?: number
  /** Anti-entropy openers sent to pull messages Plumtree gave up GRAFTing. */
  pulls?: number
  /** Frames sent, by frame type (e.g. `update`, `ihave`, `ping`). */
  sentByType?: Record<string, number>
  /** Bytes sent, by frame type. */
  bytesByType?: Record<string, number>
  /** Per-layer counters of the composed node. */
  membership?: SwimStats & { healthScore: number; members: number }
  overlay?: OverlayStats & { active: number; passive: number }
  broadcast?: PlumtreeStats
  /** Mesh-relayed connection signaling (frame 21): routes, floods, drops. */
  relay?: SignalRelayStats
}

export function emptyStats(): NodeStats {
  return {
    framesSent: 0,
    framesReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    updatesApplied: 0,
    duplicatesReceived: 0,
    updatesOriginated: 0,
    dropped: {},
  }
}
