/**
 * A min-heap of deadlines. Protocol layers keep their timers here and are asked
 * "what is due?" at each tick, so a tick costs O(log n) per due timer instead of a scan
 * of every member. Cancelling is lazy: the owner keeps a token in its own state and
 * ignores popped entries whose token no longer matches.
 *
 * Deadlines and keys sit in two parallel arrays, not one object per timer: a survivor of
 * a mass crash holds a timer per suspect member (16 bytes each instead of ~56).
 *
 *   const timers = new TimerHeap<string>()
 *   timers.push(1_500, 'suspect:p7')
 *   timers.popDue(now)   // ['suspect:p7'] once now >= 1,500
 */
export class TimerHeap<K> {
  private readonly ats: number[] = []
  private readonly keys: K[] = []

  get size(): number {
    return this.ats.length
  }

  /** Earliest deadline, or +Infinity when empty. */
  peek(): number {
    return this.ats[0] ?? Number.POSITIVE_INFINITY
  }

  push(at: number, key: K): void {
    const { ats, keys } = this
    ats.push(at)
    keys.push(key)
    let i = ats.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if ((ats[parent] as number) <= at) break
      ats[i] = ats[parent] as number
      keys[i] = keys[parent] as K
      i = parent
    }
    ats[i] = at
    keys[i] = key
  }

  /** Remove and return the keys of every timer due at `now`, earliest first. */
  popDue(now: number): K[] {
    const out: K[] = []
    while (this.ats.length > 0 && (this.ats[0] as number) <= now) out.push(this.pop())
    return out
  }

  private pop(): K {
    const { ats, keys } = this
    const top = keys[0] as K
    const lastAt = ats.pop() as number
    const lastKey = keys.pop() as K
    const n = ats.length
    if (n > 0) {
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        if (l >= n) break
        const r = l + 1
        const child = r < n && (ats[r] as number) < (ats[l] as number) ? r : l
        if ((ats[child] as number) >= lastAt) break
        ats[i] = ats[child] as number
        keys[i] = keys[child] as K
        i = child
      }
      ats[i] = lastAt
      keys[i] = lastKey
    }
    return top
  }
}
