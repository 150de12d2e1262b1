import { type Effect, emptyStats, type MeshNode, type NodeEvent } from '@gossip-mesh/shared'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createNodeRunner, STALL_MS } from './node-runner'

/** A node that records what it is fed, returns scripted effects and wakes when told. */
function fakeNode(script: (event: NodeEvent) => Effect[] = () => []) {
  const seen: Array<[number, NodeEvent['type']]> = []
  let wakeAt = Number.POSITIVE_INFINITY
  const node: MeshNode & { setWake(at: number): void } = {
    id: 'n',
    handle(now, event) {
      seen.push([now, event.type])
      return script(event)
    },
    nextWakeAt: () => wakeAt,
    members: () => [],
    neighbors: () => [],
    stats: () => emptyStats(),
    setWake(at) {
      wakeAt = at
    },
  }
  return { node, seen }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('node runner', () => {
  it('ticks the node once at the time it asks for, with one timer', () => {
    vi.useFakeTimers()
    let now = 1_000
    const { node, seen } = fakeNode()
    const runner = createNodeRunner({
      node,
      clock: () => now,
      perform: () => {},
      onFault: (e) => Promise.reject(e),
    })
    node.setWake(1_500)
    runner.dispatch({ type: 'start' })
    runner.dispatch({ type: 'neighbor-up', peer: 'x' })
    expect(vi.getTimerCount()).toBe(1)
    now = 1_499
    vi.advanceTimersByTime(499)
    expect(seen.map(([, t]) => t)).toEqual(['start', 'neighbor-up'])
    now = 1_500
    node.setWake(Number.POSITIVE_INFINITY)
    vi.advanceTimersByTime(1)
    expect(seen.at(-1)).toEqual([1_500, 'tick'])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('tells the shell when its timer fired so late that nothing ran here (a freeze with no event)', () => {
    vi.useFakeTimers()
    let now = 0
    const { node, seen } = fakeNode()
    const stalls: number[] = []
    const runner = createNodeRunner({
      node,
      clock: () => now,
      perform: () => {},
      onFault: () => {},
      onStall: (late) => stalls.push(late),
    })
    node.setWake(1_000)
    runner.dispatch({ type: 'start' })
    // Busy or throttled: a second late is not a stall.
    now = 2_000
    node.setWake(3_000)
    vi.advanceTimersByTime(1_000)
    expect(stalls).toEqual([])
    // The process stopped for a minute: the timer fires once, a minute late; the node
    // ticks first (it judges its own lateness), then the shell hears of it.
    now = 63_000
    node.setWake(64_000)
    vi.advanceTimersByTime(1_000)
    expect(seen.at(-1)).toEqual([63_000, 'tick'])
    expect(stalls).toEqual([60_000])
    expect(stalls[0]).toBeGreaterThanOrEqual(STALL_MS)
    runner.stop()
  })

  it('feeds events raised while performing effects after the current ones, in order', () => {
    const { node, seen } = fakeNode((event) =>
      event.type === 'start'
        ? [
            { type: 'connect', peer: 'a' },
            { type: 'connect', peer: 'b' },
          ]
        : [],
    )
    const performed: string[] = []
    const runner = createNodeRunner({
      node,
      clock: () => 0,
      perform: (effect) => {
        if (effect.type !== 'connect') return
        performed.push(effect.peer)
        // A connection that fails at once reports down from inside perform.
        runner.dispatch({ type: 'neighbor-down', peer: effect.peer })
      },
      onFault: () => {},
    })
    runner.dispatch({ type: 'start' })
    expect(performed).toEqual(['a', 'b'])
    expect(seen.map(([, t]) => t)).toEqual(['start', 'neighbor-down', 'neighbor-down'])
  })

  it('reports a throwing node or effect and keeps going', () => {
    const { node, seen } = fakeNode((event) => {
      if (event.type === 'tick') throw new Error('bug')
      return [{ type: 'connect', peer: 'a' }]
    })
    const faults: string[] = []
    const runner = createNodeRunner({
      node,
      clock: () => 0,
      perform: () => {
        throw new Error('effect bug')
      },
      onFault: (e) => faults.push((e as Error).message),
    })
    runner.dispatch({ type: 'tick' })
    runner.dispatch({ type: 'start' })
    expect(faults).toEqual(['bug', 'effect bug'])
    expect(seen).toHaveLength(2)
  })

  it('ignores events after stop', () => {
    vi.useFakeTimers()
    const { node, seen } = fakeNode()
    node.setWake(10)
    const runner = createNodeRunner({ node, clock: () => 0, perform: () => {}, onFault: () => {} })
    runner.dispatch({ type: 'start' })
    runner.stop()
    runner.dispatch({ type: 'tick' })
    vi.advanceTimersByTime(100)
    expect(seen).toHaveLength(1)
  })
})
