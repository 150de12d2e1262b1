/**
 * The skeleton's membership: gossip-style failure detection (van Renesse et al., 1998).
 * Every member bumps its own heartbeat each period; tables are gossiped to neighbours
 * and merged by "higher heartbeat wins". A member whose heartbeat has not grown for
 * `suspectAfterMs` is suspect, after `deadAfterMs` dead. Suspect and dead are local
 * judgments and are not gossiped; `left` is the member's own word and is.
 *
 *   const m = new HeartbeatMembership('a', now)
 *   m.merge(records, now)      // returns changed members
 *   m.expire(now, timing)      // returns members that became suspect or dead
 */
import type { PeerId } from '../ids'
import type { MemberView } from '../node/member-view'
import type { MemberRecord, MemberState } from '../wire/frame'

export interface HeartbeatTiming {
  suspectAfterMs: number
  deadAfterMs: number
  /** How long dead and left members are remembered (so stale gossip cannot revive them). */
  retentionMs: number
}

interface Entry {
  state: MemberState
  heartbeat: number
  meta: Uint8Array
  /** When the heartbeat last grew here. */
  lastHeard: number
  /** When the state last changed here. */
  since: number
}

const EMPTY = new Uint8Array(0)

export class HeartbeatMembership {
  private readonly table = new Map<PeerId, Entry>()

  constructor(
    readonly self: PeerId,
    now: number,
  ) {
    this.table.set(self, { state: 'alive', heartbeat: 1, meta: EMPTY, lastHeard: now, since: now })
  }

  get(id: PeerId): MemberView | undefined {
    const e = this.table.get(id)
    return e === undefined ? undefined : view(id, e)
  }

  all(): MemberView[] {
    return [...this.table].map(([id, e]) => view(id, e))
  }

  /** Ids of members believed alive, excluding self. */
  aliveOthers(): PeerId[] {
    const out: PeerId[] = []
    for (const [id, e] of this.table) if (id !== this.self && e.state === 'alive') out.push(id)
    return out
  }

  /** Our own records to gossip: alive members and the left ones we still remember. */
  gossip(): MemberRecord[] {
    const out: MemberRecord[] = []
    for (const [id, e] of this.table) {
      if (e.state === 'alive' || e.state === 'left')
        out.push({ id, state: e.state, heartbeat: e.heartbeat, meta: e.meta })
    }
    return out
  }

  /** Advance our own heartbeat (each period, and when our metadata changes). */
  beat(now: number, meta?: Uint8Array): MemberView {
    const me = this.table.get(this.self) as Entry
    me.heartbeat++
    me.lastHeard = now
    if (meta !== undefined) me.meta = meta
    return view(this.self, me)
  }

  /** Mark ourselves as left, with a heartbeat that beats every earlier record of us. */
  leave(now: number): MemberView {
    const me = this.table.get(this.self) as Entry
    me.heartbeat++
    me.state = 'left'
    me.since = now
    return view(this.self, me)
  }

  /** Learn that a peer exists (from signaling or a connection) without any heartbeat. */
  discover(id: PeerId, now: number): MemberView | undefined {
    if (this.table.has(id)) return undefined
    const e: Entry = { state: 'alive', heartbeat: 0, meta: EMPTY, lastHeard: now, since: now }
    this.table.set(id, e)
    return view(id, e)
  }

  /** Merge gossiped records; returns the members whose state or metadata changed. */
  merge(records: readonly MemberRecord[], now: number): MemberView[] {
    const changed: MemberView[] = []
    for (const r of records) {
      if (r.id === this.self) {
        // Someone remembers us with a newer heartbeat (we restarted with the same id):
        // jump past it so our liveness wins again.
        const me = this.table.get(this.self) as Entry
        if (r.heartbeat >= me.heartbeat && me.state !== 'left') me.heartbeat = r.heartbeat + 1
        continue
      }
      if (r.state !== 'alive' && r.state !== 'left') continue
      const e = this.table.get(r.id)
      if (e === undefined) {
        const fresh: Entry = {
          state: r.state,
          heartbeat: r.heartbeat,
          meta: r.meta,
          lastHeard: now,
          since: now,
        }
        this.table.set(r.id, fresh)
        changed.push(view(r.id, fresh))
        continue
      }
      const newer = r.heartbeat > e.heartbeat
      if (!newer) continue
      const stateChanged = e.state !== r.state
      const metaChanged = !sameBytes(e.meta, r.meta)
      e.heartbeat = r.heartbeat
      e.meta = r.meta
      e.lastHeard = now
      if (stateChanged) {
        e.state = r.state
        e.since = now
      }
      if (stateChanged || metaChanged) changed.push(view(r.id, e))
    }
    return changed
  }

  /** Apply timeouts; returns members that changed state, and forgets long-gone ones. */
  expire(now: number, timing: HeartbeatTiming): MemberView[] {
    const changed: MemberView[] = []
    for (const [id, e] of this.table) {
      if (id === this.self) continue
      const silent = now - e.lastHeard
      if (e.state === 'alive' && silent >= timing.suspectAfterMs) {
        e.state = 'suspect'
        e.since = now
        changed.push(view(id, e))
      }
      if (e.state === 'suspect' && silent >= timing.deadAfterMs) {
        e.state = 'dead'
        e.since = now
        changed.push(view(id, e))
      }
      if ((e.state === 'dead' || e.state === 'left') && now - e.since >= timing.retentionMs)
        this.table.delete(id)
    }
    return changed
  }
}

function view(id: PeerId, e: Entry): MemberView {
  return { id, state: e.state, version: e.heartbeat, meta: e.meta, since: e.since }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
