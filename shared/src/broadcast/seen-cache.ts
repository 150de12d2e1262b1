/**
 * A bounded set of recently seen keys, oldest evicted first. Used for duplicate
 * suppression of pushed updates: once a key is evicted a late duplicate is applied
 * again, which is harmless because replica merges are idempotent.
 */
export class SeenCache {
  private readonly keys = new Set<string>()

  constructor(private readonly capacity: number) {}

  has(key: string): boolean {
    return this.keys.has(key)
  }

  /** Adds `key`; returns false when it was already present. */
  add(key: string): boolean {
    if (this.keys.has(key)) return false
    this.keys.add(key)
    if (this.keys.size > this.capacity) {
      // Sets iterate in insertion order, so the first key is the oldest.
      const oldest = this.keys.values().next().value as string
      this.keys.delete(oldest)
    }
    return true
  }

  get size(): number {
    return this.keys.size
  }
}
