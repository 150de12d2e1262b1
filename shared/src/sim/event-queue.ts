/**
 * A min-heap of timed events: the simulator's clock. Ties run in insertion order, so a
 * run is a pure function of its seed.
 *
 *   const q = new EventQueue()
 *   q.push(10, () => console.log('at 10'))
 *   q.runUntil(100)
 *
 * Hot paths (the simulator schedules millions of frames) use `schedule`, which stores
 * the event as plain fields dispatched to a long-lived target instead of allocating a
 * closure per event.
 *
 * Layout: structure of arrays. An event lives in a numbered slot (its time, order and
 * fields in typed arrays, its target and data in two plain arrays), and the heap is an
 * Int32Array of slot numbers, four children per node. Sifting compares doubles in flat
 * arrays instead of chasing one object per event, and nothing is allocated per event,
 * which matters with 100,000 events pending (10,000 nodes). Freed slots are reused.
 */

/** Receives events scheduled with `EventQueue.schedule`. */
export interface QueueTarget {
  onEvent(kind: number, a: number, b: number, data: unknown): void
}

export class EventQueue {
  private capacity = 1024
  private at = new Float64Array(this.capacity)
  private ord = new Float64Array(this.capacity)
  private kind = new Int32Array(this.capacity)
  private a = new Int32Array(this.capacity)
  private b = new Int32Array(this.capacity)
  /** Target per slot; null for closure events, whose callback is in `data`. */
  private target: (QueueTarget | null)[] = new Array(this.capacity).fill(null)
  private data: unknown[] = new Array(this.capacity).fill(undefined)
  /** 4-ary min-heap of slot numbers, by (at, ord). */
  private heap = new Int32Array(this.capacity)
  private count = 0
  /** Slots not in use (stack). */
  private free = Int32Array.from({ length: this.capacity }, (_, i) => this.capacity - 1 - i)
  private freeTop = this.capacity
  private order = 0
  /** Virtual time of the event running now, or of the last one run. */
  now = 0
  /** Events run so far (the simulator's own cost, reported by benchmarks). */
  processed = 0

  get size(): number {
    return this.count
  }

  push(at: number, run: () => void): void {
    this.insert(Math.max(at, this.now), null, 0, 0, 0, run)
  }

  /** Schedule `target.onEvent(kind, a, b, data)` at `at` without allocating a closure. */
  schedule(at: number, target: QueueTarget, kind: number, a: number, b: number, data: unknown): void {
    this.insert(Math.max(at, this.now), target, kind, a, b, data)
  }

  /** Run every event due at or before `time`, then set the clock to `time`. */
  runUntil(time: number): void {
    while (this.count > 0) {
      const slot = this.heap[0] as number
      const at = this.at[slot] as number
      if (at > time) break
      this.removeTop()
      const target = this.target[slot] as QueueTarget | null
      const data = this.data[slot]
      const kind = this.kind[slot] as number
      const a = this.a[slot] as number
      const b = this.b[slot] as number
      this.target[slot] = null
      this.data[slot] = undefined
      this.free[this.freeTop++] = slot
      this.now = at
      this.processed++
      if (target === null) (data as () => void)()
      else target.onEvent(kind, a, b, data)
    }
    if (time > this.now) this.now = time
  }

  private insert(
    at: number,
    target: QueueTarget | null,
    kind: number,
    a: number,
    b: number,
    data: unknown,
  ): void {
    if (this.freeTop === 0) this.grow()
    const slot = this.free[--this.freeTop] as number
    this.at[slot] = at
    this.ord[slot] = this.order++
    this.target[slot] = target
    this.kind[slot] = kind
    this.a[slot] = a
    this.b[slot] = b
    this.data[slot] = data
    // Sift up.
    const heap = this.heap
    const ats = this.at
    const ords = this.ord
    const ord = this.ord[slot] as number
    let i = this.count++
    while (i > 0) {
      const parent = (i - 1) >> 2
      const p = heap[parent] as number
      const pa = ats[p] as number
      if (pa < at || (pa === at && (ords[p] as number) < ord)) break
      heap[i] = p
      i = parent
    }
    heap[i] = slot
  }

  private removeTop(): void {
    const heap = this.heap
    const n = --this.count
    if (n === 0) return
    const last = heap[n] as number
    const ats = this.at
    const ords = this.ord
    const la = ats[last] as number
    const lo = ords[last] as number
    let i = 0
    for (;;) {
      const first = 4 * i + 1
      if (first >= n) break
      // The least of up to four children.
      let at = first
      let best = heap[first] as number
      let ba = ats[best] as number
      let bo = ords[best] as number
      const end = Math.min(first + 4, n)
      for (let c = first + 1; c < end; c++) {
        const s = heap[c] as number
        const sa = ats[s] as number
        if (sa < ba || (sa === ba && (ords[s] as number) < bo)) {
          at = c
          best = s
          ba = sa
          bo = ords[s] as number
        }
      }
      if (la < ba || (la === ba && lo < bo)) break
      heap[i] = best
      i = at
    }
    heap[i] = last
  }

  private grow(): void {
    const old = this.capacity
    const cap = old * 2
    const grown = <T extends Float64Array | Int32Array>(arr: T, make: (n: number) => T): T => {
      const next = make(cap)
      next.set(arr)
      return next
    }
    this.at = grown(this.at, (n) => new Float64Array(n))
    this.ord = grown(this.ord, (n) => new Float64Array(n))
    this.kind = grown(this.kind, (n) => new Int32Array(n))
    this.a = grown(this.a, (n) => new Int32Array(n))
    this.b = grown(this.b, (n) => new Int32Array(n))
    this.heap = grown(this.heap, (n) => new Int32Array(n))
    for (let i = old; i < cap; i++) {
      this.target.push(null)
      this.data.push(undefined)
    }
    // Every slot was in use, so the free stack is empty: fill it with the new ones.
    this.free = new Int32Array(cap)
    for (let i = 0; i < cap - old; i++) this.free[i] = cap - 1 - i
    this.freeTop = cap - old
    this.capacity = cap
  }
}
