/**
 * Seeds for randomised tests: `GM_SEED=1234 vitest run` replays one failing run; otherwise
 * each run draws a fresh seed. The seed is put in the failure message by `withSeed`.
 *
 *   await withSeed((seed) => { const net = new SimNetwork({ seed }); ... })
 */
export function testSeed(): number {
  const fromEnv = typeof process !== 'undefined' ? process.env.GM_SEED : undefined
  if (fromEnv !== undefined && fromEnv !== '') return Number(fromEnv)
  return Math.floor(Math.random() * 2 ** 31)
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
