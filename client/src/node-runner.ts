/**
 * Drives a sans-IO MeshNode with real time: feeds it events with the clock's time,
 * hands each effect to the shell, and keeps one timer armed at `nextWakeAt()`.
 *
 * Events raised while effects are being performed (a connection failing at once, say)
 * are queued and fed after the current ones, so the node sees events one at a time and
 * the shell performs effects in the order the node returned them.
 *
 *   const runner = createNodeRunner({ node, clock, perform, onFault })
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
}

export interface NodeRunner {
  dispatch(event: NodeEvent): void
  /** Stop the timer and ignore further events. */
  stop(): void
}

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
    if (at === timerAt) return
    clearTimeout(timer)
    timer = undefined
    timerAt = at
    if (!Number.isFinite(at)) return
    const delay = Math.min(Math.max(0, at - clock()), MAX_TIMER_DELAY_MS)
    timer = setTimeout(() => {
      timer = undefined
      timerAt = Number.POSITIVE_INFINITY
      dispatch({ type: 'tick' })
    }, delay)
  }

  function dispatch(event: NodeEvent): void {
    if (stopped) return
    queue.push(event)
    if (running) return
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
    if (!stopped) arm()
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
