/**
 * Peer ids ↔ small integer slots, so a member table can be a few typed arrays instead of a
 * map of objects (~20 bytes a member instead of ~150: at 10,000 members that is the
 * difference between 0.2 and 1.5 MB per peer, and between 2 and 15 GB for a simulator
 * holding 10,000 peers).
 *
 * A peer owns a `LocalMemberIndex`, which reuses the slots of forgotten members, so a tab
 * open for days in a room with churn holds only the members it still remembers. A
 * simulator passes every node one `SharedMemberIndex`: one canonical string per id, and
 * slots that are never reused, since other nodes may still hold them.
 *
 *   const index = new LocalMemberIndex()
 *   const s = index.slotOf('p7')     // assigns on first sight
 *   index.idAt(s)                    // 'p7'
 *   index.release(s)                 // forgotten: the slot may go to another id
 */
import type { PeerId } from '../ids'
import { idHash } from './member-digest'

export interface MemberIndex {
  /** The slot of `id`, assigned on first sight. */
  slotOf(id: PeerId): number
  /** The slot of `id`, or -1 if it has none. */
  find(id: PeerId): number
  /** The canonical id of a slot in use. */
  idAt(slot: number): PeerId
  /** `idHash` of the id of a slot in use (member-digest.ts), computed once when the slot is assigned. */
  hashAt(slot: number): number
  /** One more than the highest slot handed out: tables size their arrays to it. */
  readonly capacity: number
  /** A table no longer refers to `slot`. A shared index ignores it. */
  release(slot: number): void
}

export class LocalMemberIndex implements MemberIndex {
  private readonly slots = new Map<PeerId, number>()
  private readonly ids: PeerId[] = []
  /** `idHash` by slot: membership digest scans read it for every member, every round. */
  private readonly hashes: number[] = []
  private readonly free: number[] = []

  get capacity(): number {
    return this.ids.length
  }

  slotOf(id: PeerId): number {
    const known = this.slots.get(id)
    if (known !== undefined) return known
    const slot = this.free.pop() ?? this.ids.length
    this.slots.set(id, slot)
    this.ids[slot] = id
    this.hashes[slot] = idHash(id)
    return slot
  }

  find(id: PeerId): number {
    return this.slots.get(id) ?? -1
  }

  idAt(slot: number): PeerId {
    return this.ids[slot] as PeerId
  }

  hashAt(slot: number): number {
    return this.hashes[slot] as number
  }

  release(slot: number): void {
    const id = this.ids[slot]
    if (id === undefined || this.slots.get(id) !== slot) return
    this.slots.delete(id)
    this.free.push(slot)
  }
}

/** One index for every node of a simulation: slots are never reused, since other nodes may hold them. */
export class SharedMemberIndex extends LocalMemberIndex {
  override release(_slot: number): void {}
}
