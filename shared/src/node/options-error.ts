/**
 * The one error options validation throws, and the helpers every layer's resolver uses.
 * Options are checked once, at construction; a bad value is a programming error of the
 * caller, so it throws (network input never does).
 *
 *   try { createNode({ ...o, probeTimeoutMs: -1 }) }
 *   catch (e) { if (e instanceof NodeOptionsError) console.log(e.field) }   // 'probeTimeoutMs'
 */

/** Thrown when node options are wrong; `field` names the bad one. */
export class NodeOptionsError extends Error {
  readonly code = 'GM_ERR_NODE_OPTIONS'
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`)
  }
}

/** Checks that each named field is a finite number >= min (default: > 0). */
export function requireNumbers<T>(o: T, fields: readonly (keyof T & string)[], min?: number): void {
  for (const field of fields) {
    const v = o[field]
    const ok = typeof v === 'number' && Number.isFinite(v) && (min === undefined ? v > 0 : v >= min)
    if (!ok)
      throw new NodeOptionsError(
        field,
        min === undefined ? 'must be a positive number' : `must be a number >= ${min}`,
      )
  }
}

/** `{ ...DEFAULTS, ...options }` must not let an explicit `undefined` erase a default. */
export function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {}
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v
  return out
}
