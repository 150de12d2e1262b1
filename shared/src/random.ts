/**
 * The seeded random source the core draws from. The core never calls Math.random():
 * the shell passes a Random in, so a simulation replays exactly from its seed.
 *
 *   const random = seededRandom(42)
 *   random.int(10)          // 0..9, the same sequence every run with seed 42
 *   random.shuffle([1, 2, 3])
 */
import * as prng from 'lib0/prng'

export interface Random {
  /** A float in [0, 1). */
  next(): number
  /** An integer in [0, bound). */
  int(bound: number): number
  /** A new array with the items in random order (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[]
  /** Up to `count` distinct items chosen at random. */
  sample<T>(items: readonly T[], count: number): T[]
  /** One item, or undefined for an empty list. */
  pick<T>(items: readonly T[]): T | undefined
}

/** A deterministic Random from lib0's xoroshiro128+ generator. */
export function seededRandom(seed: number): Random {
  const gen = prng.create(seed)
  return fromFloatSource(() => prng.real53(gen))
}

/** A Random over any float source in [0, 1), e.g. crypto in the shell. */
export function fromFloatSource(nextFloat: () => number): Random {
  const int = (bound: number): number => Math.floor(nextFloat() * bound)
  const shuffle = <T>(items: readonly T[]): T[] => {
    const out = items.slice()
    for (let i = out.length - 1; i > 0; i--) {
      const j = int(i + 1)
      const tmp = out[i] as T
      out[i] = out[j] as T
      out[j] = tmp
    }
    return out
  }
  const sample = <T>(items: readonly T[], count: number): T[] => {
    if (count >= items.length) return shuffle(items)
    // Partial Fisher-Yates: only `count` swaps, so sampling 3 of 10,000 stays cheap.
    const out = items.slice()
    for (let i = 0; i < count; i++) {
      const j = i + int(out.length - i)
      const tmp = out[i] as T
      out[i] = out[j] as T
      out[j] = tmp
    }
    out.length = count
    return out
  }
  const pick = <T>(items: readonly T[]): T | undefined =>
    items.length === 0 ? undefined : items[int(items.length)]
  return { next: nextFloat, int, shuffle, sample, pick }
}
