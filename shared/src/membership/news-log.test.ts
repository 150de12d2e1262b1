import { describe, expect, it } from 'vitest'
import type { MemberUpdate } from '../wire/frame'
import { NewsLog } from './news-log'
import { alive } from './test-records'

const ids = (updates: MemberUpdate[]) => updates.map((u) => `${u.id}@${u.incarnation}`)

describe('NewsLog: membership news flooded once per link', () => {
  it('each link gets each item once, never back to the neighbour it came from', () => {
    const log = new NewsLog(64)
    log.addLink('b')
    log.addLink('c')
    log.append(0, alive('x'), 'b')
    log.append(0, alive('y'), '')
    expect(ids(log.take('b', 1_000))).toEqual(['y@1'])
    expect(ids(log.take('c', 1_000))).toEqual(['x@1', 'y@1'])
    expect(log.take('b', 1_000)).toEqual([])
    expect(log.take('c', 1_000)).toEqual([])
    expect(log.pending()).toBe(false)
    expect(log.backlog).toBe(0)
  })

  it('a neighbour that sent us the same record is skipped; newer news replaces older', () => {
    const log = new NewsLog(64)
    log.addLink('b')
    log.addLink('c')
    log.append(0, alive('x', 1), '')
    log.heard('c', 'x', 1, 'alive')
    log.append(0, alive('z', 1), '')
    log.append(0, alive('z', 2), '')
    expect(ids(log.take('b', 1_000))).toEqual(['x@1', 'z@2'])
    expect(ids(log.take('c', 1_000))).toEqual(['z@2'])
  })

  it('a new link starts from now, and the byte budget splits a backlog over several takes', () => {
    const log = new NewsLog(64)
    log.addLink('b')
    for (let i = 0; i < 10; i++) log.append(0, alive(`m${i}`), '')
    log.addLink('c')
    expect(log.take('c', 1_000)).toEqual([])
    const first = log.take('b', 30)
    expect(first.length).toBeGreaterThan(0)
    expect(first.length).toBeLessThan(10)
    const rest = log.take('b', 1_000)
    expect(first.length + rest.length).toBe(10)
  })

  it('is bounded: a link that falls behind the capacity skips the oldest and is counted', () => {
    const log = new NewsLog(16)
    log.addLink('b')
    for (let i = 0; i < 40; i++) log.append(0, alive(`m${i}`), '')
    expect(log.backlog).toBe(16)
    expect(log.overrun).toBe(24)
    expect(ids(log.take('b', 100_000))[0]).toBe('m24@1')
  })

  it('a new link is sent the news of the last retainMs, so a flood is not missed while links change', () => {
    const log = new NewsLog(64, 1_000)
    log.addLink('b')
    log.append(0, alive('old'), '')
    log.append(1_500, alive('recent'), '')
    expect(ids(log.take('b', 1_000))).toEqual(['old@1', 'recent@1'])
    log.addLink('c')
    expect(ids(log.take('c', 1_000))).toEqual(['recent@1'])
    // Past retainMs and passed by every link, items are released.
    log.append(3_000, alive('later'), '')
    log.take('b', 1_000)
    log.take('c', 1_000)
    expect(log.backlog).toBe(1)
  })
})
