/**
 * The shell's clock: milliseconds since the epoch that never go backwards. The node's
 * timers need monotonic time; people reading `Member.since` want a wall-clock time.
 * `performance.timeOrigin + performance.now()` is both (it does not follow later
 * adjustments of the system clock, which is the point).
 */
export type Clock = () => number

export const monotonicClock: Clock = () => performance.timeOrigin + performance.now()
