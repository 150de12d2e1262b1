/**
 * What this peer knows of each member, in typed arrays indexed by the member's slot
 * (member-index.ts): state, incarnation and when it last changed, ~13 bytes a member.
 * Metadata and accusers are rare (most members publish nothing, few are suspect) and
 * live in maps beside the arrays.
 *
 *   const t = new MemberTable()
 *   t.put(slot, 'alive', 3, meta, now)
 *   t.stateOf(slot)       // 'alive'
 *   t.forget(slot)
 */
import type { PeerId } from '../ids'
import type { MemberState } from '../wire/frame'

const EMPTY = new Uint8Array(0)
/** State codes; 0 is "no entry". A switch, not a keyed lookup: this runs for every piggybacked record. */
const NONE = 0
function code(state: MemberState): number {
  switch (state) {
    case 'alive':
      return 1
    case 'suspect':
      return 2
    case 'dead':
      return 3
    default:
      return 4
  }
}
const STATES: readonly (MemberState | undefined)[] = [undefined, 'alive', 'suspect', 'dead', 'left']
/** Set in the state byte while an item of the reap queue refers to the entry (one at most). */
const REAP_QUEUED = 0x80

/** alive < suspect < dead < left at one incarnation. */
export function rank(state: MemberState): number {
  return code(state) - 1
}

export class MemberTable {
  private state: Uint8Array
  private incarnations: Uint32Array
  private sinces: Float64Array
  private readonly metas = new Map<number, Uint8Array>()
  private readonly accusers = new Map<number, PeerId>()
  /** Entries, any state. */
  size = 0

  /** `expected`: slots likely to be used (a simulator's shared index knows), so the arrays are sized once. */
  constructor(expected = 16) {
    let n = 16
    while (n < expected) n *= 2
    this.state = new Uint8Array(n)
    this.incarnations = new Uint32Array(n)
    this.sinces = new Float64Array(n)
  }

  /** One more than the highest slot that may hold an entry: iterate [0, span). */
  get span(): number {
    return this.state.length
  }

  has(slot: number): boolean {
    return slot >= 0 && slot < this.state.length && ((this.state[slot] as number) & ~REAP_QUEUED) !== NONE
  }

  stateOf(slot: number): MemberState | undefined {
    if (slot < 0 || slot >= this.state.length) return undefined
    return STATES[(this.state[slot] as number) & ~REAP_QUEUED]
  }

  incarnationOf(slot: number): number {
    return this.incarnations[slot] as number
  }

  sinceOf(slot: number): number {
    return this.sinces[slot] as number
  }

  metaOf(slot: number): Uint8Array {
    return this.metas.get(slot) ?? EMPTY
  }

  /** The original accuser of a suspect or dead record ('' if none). */
  accuserOf(slot: number): PeerId {
    return this.accusers.get(slot) ?? ''
  }

  /** Create or overwrite an entry. */
  put(
    slot: number,
    state: MemberState,
    incarnation: number,
    meta: Uint8Array,
    since: number,
    accuser: PeerId = '',
  ): void {
    this.grow(slot)
    const old = this.state[slot] as number
    if ((old & ~REAP_QUEUED) === NONE) this.size++
    this.state[slot] = code(state) | (old & REAP_QUEUED)
    this.incarnations[slot] = incarnation
    this.sinces[slot] = since
    this.setMeta(slot, meta)
    this.setAccuser(slot, accuser)
  }

  setState(slot: number, state: MemberState): void {
    this.state[slot] = code(state) | ((this.state[slot] as number) & REAP_QUEUED)
  }

  setIncarnation(slot: number, incarnation: number): void {
    this.incarnations[slot] = incarnation
  }

  setSince(slot: number, since: number): void {
    this.sinces[slot] = since
  }

  setMeta(slot: number, meta: Uint8Array): void {
    if (meta.length === 0) this.metas.delete(slot)
    else this.metas.set(slot, meta)
  }

  setAccuser(slot: number, accuser: PeerId): void {
    if (accuser === '') this.accusers.delete(slot)
    else this.accusers.set(slot, accuser)
  }

  reapQueued(slot: number): boolean {
    return ((this.state[slot] as number) & REAP_QUEUED) !== 0
  }

  setReapQueued(slot: number, queued: boolean): void {
    const s = this.state[slot] as number
    this.state[slot] = queued ? s | REAP_QUEUED : s & ~REAP_QUEUED
  }

  forget(slot: number): void {
    if (!this.has(slot)) return
    this.state[slot] = NONE
    this.incarnations[slot] = 0
    this.sinces[slot] = 0
    this.metas.delete(slot)
    this.accusers.delete(slot)
    this.size--
  }

  private grow(slot: number): void {
    if (slot < this.state.length) return
    let n = this.state.length
    while (n <= slot) n *= 2
    const state = new Uint8Array(n)
    state.set(this.state)
    this.state = state
    const inc = new Uint32Array(n)
    inc.set(this.incarnations)
    this.incarnations = inc
    const since = new Float64Array(n)
    since.set(this.sinces)
    this.sinces = since
  }
}
