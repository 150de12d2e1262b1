/**
 * A min-heap of deadlines. Protocol layers keep their timers here and are asked
 * "what is due?" at each tick, so a tick costs O(log n) per due timer instead of a scan
 * of every member. Cancelling is lazy: the owner keeps a token in its own state and
 * ignores popped entries whose token no longer matches.
 *
 *   const timers = new TimerHeap<string>()
 *   timers.push(1_500, 'suspect:p7')
 *   timers.popDue(now)   // ['suspect:p7'] once now >= 1,500
 */
interface Timer<K> {
  at: number
  key: K
}

export class TimerHeap<K> {
  private readonly heap: Timer<K>[] = []

  get size(): number {
    return this.heap.length
  }

  /** Earliest deadline, or +Infinity when empty. */
  peek(): number {
    return this.heap[0]?.at ?? Number.POSITIVE_INFINITY
  }

  push(at: number, key: K): void {
    const h = this.heap
    const item = { at, key }
    h.push(item)
    let i = h.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if ((h[parent] as Timer<K>).at <= at) break
      h[i] = h[parent] as Timer<K>
      i = parent
    }
    h[i] = item
  }

  /** Remove and return the keys of every timer due at `now`, earliest first. */
  popDue(now: number): K[] {
    const out: K[] = []
    while (this.heap.length > 0 && (this.heap[0] as Timer<K>).at <= now) out.push(this.pop())
    return out
  }

  private pop(): K {
    const h = this.heap
    const top = h[0] as Timer<K>
    const last = h.pop() as Timer<K>
    if (h.length > 0) {
      let i = 0
      const n = h.length
      for (;;) {
        const l = 2 * i + 1
        if (l >= n) break
        const r = l + 1
        const child = r < n && (h[r] as Timer<K>).at < (h[l] as Timer<K>).at ? r : l
        if ((h[child] as Timer<K>).at >= last.at) break
        h[i] = h[child] as Timer<K>
        i = child
      }
      h[i] = last
    }
    return top.key
  }
}
