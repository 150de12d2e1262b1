/** Counters a node keeps about its own traffic. All are totals since start. */
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
