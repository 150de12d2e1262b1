/**
 * Plumtree's repair rules for the paper's emergent tree (`tree: 'emergent'`), one Plumtree
 * at a time with a recording host and virtual time: what goes out when a frame was lost,
 * and what the tree looks like after. The rooted tree: `rooted-tree.test.ts`.
 */
import { describe, expect, it } from 'vitest'
import type { PeerId } from '../ids'
import type { BroadcastFrame, MessageId, UpdateFrame } from '../wire/frame'
import { DETOUR, Plumtree } from './plumtree'
import { resolvePlumtreeOptions } from './plumtree-options'

const o = resolvePlumtreeOptions({ tree: 'emergent' })
const m: MessageId = { origin: 'o', session: 1, seq: 1 }
const copy = (hops: number): UpdateFrame => ({ type: 'update', ...m, hops, payload: new Uint8Array([1]) })
const ihave = (hops = 0): BroadcastFrame => ({ type: 'ihave', ids: [{ ...m, hops }], members: [] })

/** A Plumtree at 'me' with the given neighbours (all eager, as new links are), recording what it sends. */
function tree(neighbours: PeerId[]) {
  const sent: { to: PeerId; frame: BroadcastFrame }[] = []
  const delivered: PeerId[] = []
  const t = new Plumtree('me', o, {
    send: (to, frame) => sent.push({ to, frame }),
    deliver: (from) => {
      delivered.push(from)
      return true
    },
  })
  for (const p of neighbours) t.neighborUp(p)
  const take = () => sent.splice(0)
  return { t, sent, take, delivered }
}

describe('Plumtree repair rules', () => {
  it('a lost push is GRAFTed at once from the tree neighbour that announces it, and the tree is unchanged', () => {
    const { t, take, delivered } = tree(['up', 'down'])
    // 'up' pushed the message (lost), then announced it: the announcement follows the
    // push on the FIFO link, so the push is known lost; no timer.
    t.onFrame(300, 'up', ihave())
    expect(take()).toEqual([{ to: 'up', frame: { type: 'graft', ids: [m] } }])
    t.onFrame(360, 'up', copy(1))
    expect(delivered).toEqual(['up'])
    expect(take().filter((s) => s.frame.type === 'update')).toEqual([{ to: 'down', frame: copy(2) }])
    expect(t.eagerPeers().sort()).toEqual(['down', 'up'])
  })

  it('a message only lazy neighbours announce is fetched after graftTimeoutMs, as a detour that prunes nothing', () => {
    const { t, take } = tree(['up', 'side'])
    t.onFrame(0, 'side', { type: 'prune' }) // 'side' is a lazy link now
    t.onFrame(100, 'side', ihave())
    t.tick(100 + o.graftTimeoutMs - 1)
    expect(take()).toEqual([])
    t.tick(100 + o.graftTimeoutMs)
    // A GRAFT with ids fetches; only an empty GRAFT would make 'side' a tree link.
    expect(take()).toEqual([{ to: 'side', frame: { type: 'graft', ids: [m] } }])
    expect(t.isEager('side')).toBe(false)
    t.onFrame(1_200, 'side', copy(1))
    // Passed on along the tree, marked as a detour.
    expect(take().find((s) => s.frame.type === 'update')).toEqual({ to: 'up', frame: copy(2 + DETOUR) })
    // Our tree was only slow: its late copy is a duplicate that must not cut the tree link.
    t.onFrame(1_500, 'up', copy(5))
    expect(take().filter((s) => s.frame.type === 'prune')).toEqual([])
    expect(t.isEager('up')).toBe(true)
  })

  it('a second copy over the tree prunes the link, and the PRUNE is resent while that neighbour keeps pushing', () => {
    const { t, take } = tree(['a', 'b'])
    t.onFrame(10, 'a', copy(1))
    take()
    t.onFrame(20, 'b', copy(1))
    expect(take()).toEqual([{ to: 'b', frame: { type: 'prune' } }])
    expect(t.isEager('b')).toBe(false)
    // 'b' pushes the next message anyway: our PRUNE was lost. Say it again.
    const next = { ...copy(1), seq: 2 }
    t.onFrame(300, 'a', next)
    take()
    t.onFrame(310, 'b', next)
    expect(take()).toEqual([{ to: 'b', frame: { type: 'prune' } }])
  })

  it('an empty GRAFT makes its sender a tree link; a GRAFT with ids only gets the messages', () => {
    const { t, take } = tree(['a', 'b'])
    t.broadcast(0, m, new Uint8Array([1]))
    t.onFrame(5, 'b', { type: 'prune' })
    take()
    t.onFrame(10, 'b', { type: 'graft', ids: [m] })
    expect(take().map((s) => s.frame.type)).toEqual(['update'])
    expect(t.isEager('b')).toBe(false)
    t.onFrame(20, 'b', { type: 'graft', ids: [] })
    expect(take()).toEqual([])
    expect(t.isEager('b')).toBe(true)
  })

  it('a node with no tree link joins through the first neighbour that announces something', () => {
    const { t, take } = tree(['a', 'b'])
    t.onFrame(0, 'a', { type: 'prune' })
    t.onFrame(0, 'b', { type: 'prune' })
    expect(t.eagerPeers()).toEqual([])
    t.onFrame(100, 'b', ihave())
    expect(take()).toEqual([
      { to: 'b', frame: { type: 'graft', ids: [] } },
      { to: 'b', frame: { type: 'graft', ids: [m] } },
    ])
    expect(t.eagerPeers()).toEqual(['b'])
  })

  it('a pruned link joins the tree again when our tree stops bringing what it announces', () => {
    const { t, take } = tree(['a', 'b'])
    t.onFrame(0, 'a', copy(1))
    t.onFrame(10, 'b', copy(1)) // a cycle: prune b
    take()
    // Another cut elsewhere split the tree: 'a' no longer brings what 'b' announces.
    let joinedAt: number | undefined
    for (let seq = 2; seq <= 4 && joinedAt === undefined; seq++) {
      const at = seq * 1_500
      t.onFrame(at, 'b', { type: 'ihave', ids: [{ ...m, seq, hops: 0 }], members: [] })
      for (let now = at; now < at + 1_500 && joinedAt === undefined; now += 50) {
        t.tick(now)
        if (take().some((s) => s.frame.type === 'graft' && s.frame.ids.length === 0)) joinedAt = now
      }
    }
    expect(joinedAt, 'joined').toBeDefined()
    expect(t.isEager('b')).toBe(true)
  })

  it('a fetch makes no tree link while our tree still brings, in time, what lazy neighbours announce', () => {
    const { t, take } = tree(['up', 'side'])
    t.onFrame(0, 'side', { type: 'prune' })
    // One message our tree is slow with: fetched from 'side'.
    t.onFrame(100, 'side', ihave())
    t.tick(100 + o.graftTimeoutMs)
    expect(take()).toEqual([{ to: 'side', frame: { type: 'graft', ids: [m] } }])
    t.onFrame(1_200, 'side', copy(1))
    // The next one 'side' announces first, and our tree brings it in time: the tree works.
    const next = { ...m, seq: 2 }
    t.onFrame(1_300, 'side', { type: 'ihave', ids: [{ ...next, hops: 0 }], members: [] })
    t.onFrame(1_400, 'up', { ...copy(3), seq: 2 })
    for (let now = 1_400; now <= 6_000; now += 50) t.tick(now)
    expect(take().filter((s) => s.frame.type === 'graft')).toEqual([])
    expect(t.isEager('side')).toBe(false)
  })

  it('reports a broadcast in flight, so anti-entropy need not spread what Plumtree is delivering', () => {
    const { t } = tree(['a'])
    expect(t.inFlight(0)).toBe(false)
    t.onFrame(100, 'a', copy(1))
    expect(t.inFlight(100 + 2 * o.graftTimeoutMs - 1)).toBe(true)
    expect(t.inFlight(100 + 2 * o.graftTimeoutMs)).toBe(false)
  })
})
