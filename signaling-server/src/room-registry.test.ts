import { describe, expect, it } from 'vitest'
import { RoomRegistry } from './room-registry'

describe('RoomRegistry', () => {
  it('joins, looks up and leaves, dropping empty rooms', () => {
    const rooms = new RoomRegistry<string>()
    expect(rooms.join('r', 'a', 's1')).toBeUndefined()
    expect(rooms.join('r', 'b', 's2')).toBeUndefined()
    expect(rooms.get('r', 'a')).toBe('s1')
    expect(rooms.peerCount('r')).toBe(2)
    expect(rooms.leave('r', 'a', 's1')).toBe(true)
    expect(rooms.get('r', 'a')).toBeUndefined()
    expect(rooms.leave('r', 'b', 's2')).toBe(true)
    expect(rooms.size).toBe(0)
  })

  it('returns the replaced session on a rejoin and ignores the stale one leaving', () => {
    const rooms = new RoomRegistry<string>()
    rooms.join('r', 'a', 'old')
    expect(rooms.join('r', 'a', 'new')).toBe('old')
    expect(rooms.join('r', 'a', 'new')).toBeUndefined()
    expect(rooms.leave('r', 'a', 'old')).toBe(false)
    expect(rooms.get('r', 'a')).toBe('new')
  })

  it('keeps the sample consistent after swap-removals', () => {
    const rooms = new RoomRegistry<number>()
    for (let i = 0; i < 100; i++) rooms.join('r', `p${i}`, i)
    for (let i = 0; i < 100; i += 2) rooms.leave('r', `p${i}`, i)
    const all = rooms.sample('r', 'p1', 1000, Math.random).sort()
    expect(all).toHaveLength(49)
    expect(all).not.toContain('p1')
    for (const p of all) expect(Number(p.slice(1)) % 2).toBe(1)
  })
})
