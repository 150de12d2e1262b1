/**
 * A set with O(1) add, delete and uniform random pick (array + index map, swap-remove).
 * Views and probe lists need random choices over up to N members on every period, and
 * copying a Set into an array for that would cost O(N) each time.
 *
 *   const s = new RandomSet<string>()
 *   s.add('a'); s.add('b')
 *   s.pick(random)       // 'a' or 'b'
 */
import type { Random } from '../random'

export class RandomSet<T> {
  private readonly items: T[] = []
  private readonly index = new Map<T, number>()

  get size(): number {
    return this.items.length
  }

  has(item: T): boolean {
    return this.index.has(item)
  }

  add(item: T): boolean {
    if (this.index.has(item)) return false
    this.index.set(item, this.items.length)
    this.items.push(item)
    return true
  }

  /**
   * Add at a uniformly random position (the displaced item moves to the end), so a
   * round-robin walk meets a newcomer at a random point of its pass (SWIM §4.3).
   */
  addAtRandom(item: T, random: Random): boolean {
    if (!this.add(item)) return false
    const j = random.int(this.items.length)
    const last = this.items.length - 1
    if (j !== last) {
      const other = this.items[j] as T
      this.items[j] = item
      this.items[last] = other
      this.index.set(item, j)
      this.index.set(other, last)
    }
    return true
  }

  delete(item: T): boolean {
    const i = this.index.get(item)
    if (i === undefined) return false
    const last = this.items.pop() as T
    this.index.delete(item)
    if (i < this.items.length) {
      this.items[i] = last
      this.index.set(last, i)
    }
    return true
  }

  /** The item at position `i` (positions change on delete); for round-robin walks. */
  at(i: number): T | undefined {
    return this.items[i]
  }

  pick(random: Random): T | undefined {
    return this.items.length === 0 ? undefined : this.items[random.int(this.items.length)]
  }

  /** Up to `count` distinct items; expected O(count) for count much smaller than size. */
  sample(random: Random, count: number, exclude?: (item: T) => boolean): T[] {
    const n = this.items.length
    if (count * 3 >= n) {
      const pool = exclude === undefined ? this.items : this.items.filter((x) => !exclude(x))
      return random.sample(pool, count)
    }
    const out = new Set<T>()
    for (let tries = 0; out.size < count && tries < count * 8; tries++) {
      const item = this.items[random.int(n)] as T
      if (exclude === undefined || !exclude(item)) out.add(item)
    }
    return [...out]
  }

  /** Shuffle positions in place (Fisher-Yates), for a fresh round-robin order. */
  shuffle(random: Random): void {
    const a = this.items
    for (let i = a.length - 1; i > 0; i--) {
      const j = random.int(i + 1)
      const tmp = a[i] as T
      a[i] = a[j] as T
      a[j] = tmp
      this.index.set(a[i] as T, i)
      this.index.set(a[j] as T, j)
    }
  }

  values(): readonly T[] {
    return this.items
  }
}
