/**
 * Drives a sans-IO MeshNode with real time: feeds it events with the clock's time,
 * hands each effect to the shell, and keeps one timer armed at `nextWakeAt()`.
 *
 * Events raised while effects are being performed (a connection failing at once, say)
 * are queued and fed after the current ones, so the node sees events one at a time and
 * the shell performs effects in the order the node returned them.
 *
 * The timer also tells when the page or process was stalled: an event (the timer itself,
 * or a frame that was queued during the stall and runs first) that finds the timer
 * `STALL_MS` overdue or more means nothing ran here for that long (a frozen tab, a
 * suspended laptop, a stopped process), which no event may have announced. The node
 * makes its own judgement of lateness (Lifeguard); the shell hears of it through
 * `onStall`, to reconnect at once.
 *
 *   const runner = createNodeRunner({ node, clock, perform, onFault, onStall })
 *   runner.dispatch({ type: 'start' })
 *   runner.stop()
 */
import type { Effect, MeshNode, NodeEvent } from '@gossip-mesh/shared'
import type { Clock } from './clock'

export interface NodeRunnerOptions {
  node: MeshNode
  clock: Clock
  /** Perform one effect. Called in the order the node returned them. */
  perform(effect: Effect): void
  /** The node or an effect threw: a bug, reported rather than crashing the page. */
  onFault(err: unknown): void
  /** The timer was `lateMs` ≥ STALL_MS overdue: nothing ran here for that long. Called after the node had the event. */
  onStall?(lateMs: number): void
}

export interface NodeRunner {
  dispatch(event: NodeEvent): void
  /** Stop the timer and ignore further events. */
  stop(): void
}

/**
 * A timer this late means the page or process was stalled, not merely busy or throttled:
 * Chromium delays a hidden tab's timers to whole seconds (1 s), and a busy two-core
 * machine delays ours by a few hundred ms; 5 s is neither.
 */
export const STALL_MS = 5_000

/** setTimeout fires at once for delays above 2^31 - 1 ms; wake up early instead. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1

export function createNodeRunner(options: NodeRunnerOptions): NodeRunner {
  const { node, clock } = options
  const queue: NodeEvent[] = []
  let running = false
  let stopped = false
  let timer: ReturnType<typeof setTimeout> | undefined
  let timerAt = Number.POSITIVE_INFINITY

  function arm(): void {
    const at = node.nextWakeAt()
    if (at === timerAt && timer !== undefined) return
    clearTimeout(timer)
    timer = undefined
    timerAt = at
    if (!Number.isFinite(at)) return
    const delay = Math.min(Math.max(0, at - clock()), MAX_TIMER_DELAY_MS)
    timer = setTimeout(() => {
      // timerAt stays until dispatch has measured how late this is.
      timer = undefined
      dispatch({ type: 'tick' })
    }, delay)
  }

  function dispatch(event: NodeEvent): void {
    if (stopped) return
    queue.push(event)
    if (running) return
    // After a stall, whichever task runs first finds the timer long overdue.
    const late = clock() - timerAt
    running = true
    try {
      for (let next = queue.shift(); next !== undefined && !stopped; next = queue.shift()) {
        let effects: Effect[]
        try {
          effects = node.handle(clock(), next)
        } catch (err) {
          options.onFault(err)
          continue
        }
        for (const effect of effects) {
          try {
            options.perform(effect)
          } catch (err) {
            options.onFault(err)
          }
        }
      }
    } finally {
      running = false
      queue.length = 0
    }
    if (stopped) return
    arm()
    if (late >= STALL_MS) options.onStall?.(late)
  }

  return {
    dispatch,
    stop() {
      stopped = true
      clearTimeout(timer)
      timer = undefined
    },
  }
}
