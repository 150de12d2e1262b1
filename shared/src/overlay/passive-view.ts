/**
 * HyParView's passive view: a bounded set of peers known to exist but not connected,
 * kept fresh by SHUFFLE and used to replace failed active neighbours.
 *
 *   const pv = new PassiveView(30, random)
 *   pv.add('p7')                    // evicts a random entry when full
 *   pv.pick()                       // a random candidate
 */
import type { PeerId } from '../ids'
import { RandomSet } from '../node/random-set'
import type { Random } from '../random'

export class PassiveView {
  private readonly set = new RandomSet<PeerId>()

  constructor(
    private readonly capacity: number,
    private readonly random: Random,
  ) {}

  get size(): number {
    return this.set.size
  }

  has(peer: PeerId): boolean {
    return this.set.has(peer)
  }

  /** Adds `peer`, evicting one of `preferEvict` (entries we just gave away) or else a random entry. */
  add(peer: PeerId, preferEvict: readonly PeerId[] = []): void {
    if (this.set.has(peer)) return
    if (this.set.size >= this.capacity) {
      const victim = preferEvict.find((p) => this.set.has(p)) ?? this.set.pick(this.random)
      if (victim !== undefined) this.set.delete(victim)
    }
    this.set.add(peer)
  }

  delete(peer: PeerId): void {
    this.set.delete(peer)
  }

  pick(accept: (peer: PeerId) => boolean): PeerId | undefined {
    for (let tries = 0; tries < 8; tries++) {
      const p = this.set.pick(this.random)
      if (p === undefined) return undefined
      if (accept(p)) return p
    }
    return this.set.values().find(accept)
  }

  sample(count: number): PeerId[] {
    return this.set.sample(this.random, count)
  }

  values(): readonly PeerId[] {
    return this.set.values()
  }
}
