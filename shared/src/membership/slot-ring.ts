/**
 * SWIM's probe list over every member ('members' scope), as slots in typed arrays: the
 * same operations as RandomSet (O(1) add, delete, random pick; shuffle for a fresh
 * round-robin order) at 8 bytes a member instead of a map entry and an array slot, which
 * matters when a simulator holds 10,000 peers that each list 10,000 members.
 *
 *   const ring = new SlotRing(index)
 *   ring.add('p1')
 *   ring.at(0)          // 'p1'
 */
import type { PeerId } from '../ids'
import type { Random } from '../random'
import type { MemberIndex } from './member-index'

/** What SWIM needs of its probe list; RandomSet<PeerId> has the same shape. */
export interface ProbeRing {
  readonly size: number
  has(id: PeerId): boolean
  add(id: PeerId): boolean
  addAtRandom(id: PeerId, random: Random): boolean
  delete(id: PeerId): boolean
  at(i: number): PeerId | undefined
  sample(random: Random, count: number, exclude?: (id: PeerId) => boolean): PeerId[]
  shuffle(random: Random): void
  values(): readonly PeerId[]
}

export class SlotRing implements ProbeRing {
  private items: Int32Array = new Int32Array(16)
  /** Position of each slot in `items`, plus one (0: absent). */
  private pos: Int32Array = new Int32Array(16)
  size = 0

  constructor(private readonly index: MemberIndex) {}

  has(id: PeerId): boolean {
    const s = this.index.find(id)
    return s >= 0 && s < this.pos.length && this.pos[s] !== 0
  }

  add(id: PeerId): boolean {
    const s = this.index.slotOf(id)
    if (s >= this.pos.length) this.pos = grown(this.pos, s)
    if (this.pos[s] !== 0) return false
    if (this.size >= this.items.length) this.items = grown(this.items, this.size)
    this.items[this.size] = s
    this.size++
    this.pos[s] = this.size
    return true
  }

  addAtRandom(id: PeerId, random: Random): boolean {
    if (!this.add(id)) return false
    this.swap(random.int(this.size), this.size - 1)
    return true
  }

  delete(id: PeerId): boolean {
    const s = this.index.find(id)
    if (s < 0 || s >= this.pos.length || this.pos[s] === 0) return false
    const i = (this.pos[s] as number) - 1
    this.swap(i, this.size - 1)
    this.pos[s] = 0
    this.size--
    return true
  }

  at(i: number): PeerId | undefined {
    return i < this.size ? this.index.idAt(this.items[i] as number) : undefined
  }

  sample(random: Random, count: number, exclude?: (id: PeerId) => boolean): PeerId[] {
    const out = new Set<PeerId>()
    if (count * 3 >= this.size) {
      for (const id of random.sample(this.values(), this.size)) {
        if (out.size >= count) break
        if (exclude === undefined || !exclude(id)) out.add(id)
      }
      return [...out]
    }
    for (let tries = 0; out.size < count && tries < count * 8; tries++) {
      const id = this.at(random.int(this.size)) as PeerId
      if (exclude === undefined || !exclude(id)) out.add(id)
    }
    return [...out]
  }

  shuffle(random: Random): void {
    for (let i = this.size - 1; i > 0; i--) this.swap(i, random.int(i + 1))
  }

  values(): PeerId[] {
    const out: PeerId[] = new Array(this.size)
    for (let i = 0; i < this.size; i++) out[i] = this.index.idAt(this.items[i] as number)
    return out
  }

  private swap(i: number, j: number): void {
    if (i === j) return
    const a = this.items[i] as number
    const b = this.items[j] as number
    this.items[i] = b
    this.items[j] = a
    this.pos[b] = i + 1
    this.pos[a] = j + 1
  }
}

function grown(a: Int32Array, atLeast: number): Int32Array {
  let n = a.length
  while (n <= atLeast) n *= 2
  const b = new Int32Array(n)
  b.set(a)
  return b
}
