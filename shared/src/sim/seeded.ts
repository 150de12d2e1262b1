/**
 * Seeds for randomised tests. By default every run uses DEFAULT_TEST_SEED, so CI is
 * reproducible; `GM_SEED=1234 vitest run` replays one seed, and `GM_SEED=random` draws a
 * fresh one per test (for sweeps that hunt for rare interleavings). The seed is put in
 * the failure message by `withSeed`.
 *
 *   await withSeed((seed) => { const net = new SimNetwork({ seed }); ... })
 */
export const DEFAULT_TEST_SEED = 1

export function testSeed(): number {
  const fromEnv = typeof process !== 'undefined' ? process.env.GM_SEED : undefined
  if (fromEnv === undefined || fromEnv === '') return DEFAULT_TEST_SEED
  if (fromEnv === 'random') return Math.floor(Math.random() * 2 ** 31)
  return Number(fromEnv)
}

/** Run `body` with a seed and rethrow any failure with the seed to replay it. */
export function withSeed<T>(body: (seed: number) => T, seed = testSeed()): T {
  try {
    return body(seed)
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    const wrapped = new Error(`${message}\n  replay with GM_SEED=${seed}`)
    if (err instanceof Error && err.stack !== undefined) wrapped.stack = `${wrapped.message}\n${err.stack}`
    throw wrapped
  }
}
