/**
 * A min-heap of timed callbacks: the simulator's clock. Ties run in insertion order, so a
 * run is a pure function of its seed.
 *
 *   const q = new EventQueue()
 *   q.push(10, () => console.log('at 10'))
 *   q.runUntil(100)
 */
interface Scheduled {
  at: number
  order: number
  run: () => void
}

export class EventQueue {
  private heap: Scheduled[] = []
  private order = 0
  /** Virtual time of the event running now, or of the last one run. */
  now = 0
  /** Events run so far (the simulator's own cost, reported by benchmarks). */
  processed = 0

  get size(): number {
    return this.heap.length
  }

  push(at: number, run: () => void): void {
    const item: Scheduled = { at: Math.max(at, this.now), order: this.order++, run }
    const h = this.heap
    h.push(item)
    let i = h.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(item, h[parent] as Scheduled)) break
      h[i] = h[parent] as Scheduled
      i = parent
    }
    h[i] = item
  }

  /** Run every event due at or before `time`, then set the clock to `time`. */
  runUntil(time: number): void {
    const h = this.heap
    while (h.length > 0 && (h[0] as Scheduled).at <= time) {
      const top = this.pop()
      this.now = top.at
      this.processed++
      top.run()
    }
    this.now = Math.max(this.now, time)
  }

  private pop(): Scheduled {
    const h = this.heap
    const top = h[0] as Scheduled
    const last = h.pop() as Scheduled
    if (h.length > 0) {
      let i = 0
      const n = h.length
      for (;;) {
        const l = 2 * i + 1
        if (l >= n) break
        const r = l + 1
        const child = r < n && before(h[r] as Scheduled, h[l] as Scheduled) ? r : l
        if (!before(h[child] as Scheduled, last)) break
        h[i] = h[child] as Scheduled
        i = child
      }
      h[i] = last
    }
    return top
  }
}

function before(a: Scheduled, b: Scheduled): boolean {
  return a.at < b.at || (a.at === b.at && a.order < b.order)
}
