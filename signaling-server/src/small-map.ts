/**
 * A Map for a handful of entries: one flat array `[k0, v0, k1, v1, …]` searched linearly.
 * It holds the rooms of one connection, which is in one room or a few (at most
 * `maxRoomsPerConnection`, default 16). A V8 `Map` with one entry weighs ~300 bytes, its
 * hash table alone ~240; this weighs ~60, and every held connection has one, so it is the
 * difference between the server's own per-connection cost and twice that (README, memory).
 * Lookups scan at most 2 × 16 slots, which is as fast as hashing at that size.
 *
 *   const rooms = new SmallMap<string, string>()
 *   rooms.set('room-1', 'peer-a')
 *   rooms.get('room-1')            // 'peer-a'
 *   for (const [room, peer] of rooms) …
 */
const EMPTY: readonly never[] = []

export class SmallMap<K, V> implements Iterable<[K, V]> {
  // Shared empty array until the first entry, then one sized to fit (an array that grows
  // by push reserves ~17 slots at once).
  #items: (K | V)[] = EMPTY as never[]

  get size(): number {
    return this.#items.length / 2
  }

  get(key: K): V | undefined {
    const items = this.#items
    for (let i = 0; i < items.length; i += 2) if (items[i] === key) return items[i + 1] as V
    return undefined
  }

  has(key: K): boolean {
    return this.#find(key) >= 0
  }

  set(key: K, value: V): this {
    const i = this.#find(key)
    if (i >= 0) this.#items[i + 1] = value
    else this.#items = this.#items.length === 0 ? [key, value] : [...this.#items, key, value]
    return this
  }

  /** Remove `key`, keeping the order of the others. Returns whether it was there. */
  delete(key: K): boolean {
    const i = this.#find(key)
    if (i < 0) return false
    this.#items = this.#items.length === 2 ? (EMPTY as never[]) : this.#items.toSpliced(i, 2)
    return true
  }

  clear(): void {
    this.#items = EMPTY as never[]
  }

  *[Symbol.iterator](): Iterator<[K, V]> {
    // Adding and removing replace the array, so they never throw a running loop off.
    const items = this.#items
    for (let i = 0; i < items.length; i += 2) yield [items[i] as K, items[i + 1] as V]
  }

  #find(key: K): number {
    const items = this.#items
    for (let i = 0; i < items.length; i += 2) if (items[i] === key) return i
    return -1
  }
}
