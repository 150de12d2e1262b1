/**
 * The rooted tree's rules, one RootedTree at a time with a recording host, and a few wired
 * together over an in-memory FIFO bus for what only shows between peers (counting to
 * infinity). A room: `rooted-tree-sim.test.ts`.
 */
import { describe, expect, it } from 'vitest'
import type { PeerId } from '../ids'
import type { TreeFrame } from '../wire/frame'
import { MAX_TREE_DEPTH } from '../wire/limits'
import { RootedTree } from './rooted-tree'

const advert = (root: PeerId, dist: number, parent = false, child = false): TreeFrame => ({
  type: 'tree',
  root,
  dist,
  parent,
  child,
})

function tree(self: PeerId, neighbours: PeerId[], dead: Set<PeerId> = new Set()) {
  const sent: { to: PeerId; frame: TreeFrame }[] = []
  const t = new RootedTree(self, 5_000, {
    send: (to, frame) => sent.push({ to, frame }),
    usableRoot: (root) => !dead.has(root),
    linkChanged: () => {},
  })
  for (const p of neighbours) t.neighborUp(0, p)
  const take = () => sent.splice(0)
  const links = () => neighbours.filter((p) => t.isLink(p))
  return { t, take, links }
}

describe('RootedTree', () => {
  it('is the root only once a neighbour has been heard from and while none names a lower one, known to membership or not', () => {
    // Alone, or with neighbours not heard from yet (a joiner whose JOINs are being lost):
    // the root of nothing, which must not take the root's extra links.
    expect(tree('m', []).t.isRoot()).toBe(false)
    const { t } = tree('m', ['x', 'y'], new Set(['a']))
    expect(t.isRoot()).toBe(false)
    t.onAdvert(1_000, 'x', advert('z', 1))
    expect(t.isRoot()).toBe(true)
    // 'a' is not a member we know (a joiner whose snapshot was lost): not followed, but this
    // peer is not the room's root either, and must not take the root's extra links.
    t.onAdvert(1_000, 'y', advert('a', 1))
    expect(t.position().root).toBe('m')
    expect(t.isRoot()).toBe(false)
  })

  it('follows the lowest root through its closest neighbour, lowest id on ties; links are the parent and its children', () => {
    const { t, take, links } = tree('m', ['x', 'y', 'z'])
    // A new neighbour hears where we stand at once: our own root so far.
    expect(take()).toEqual(['x', 'y', 'z'].map((to) => ({ to, frame: advert('m', 0) })))
    t.onAdvert(1_000, 'x', advert('a', 3))
    t.onAdvert(1_000, 'y', advert('a', 2))
    t.onAdvert(1_000, 'z', advert('b', 1))
    expect(t.position()).toEqual({ root: 'a', dist: 3, parent: 'y' })
    expect(links()).toEqual(['y'])
    take()
    // 'x' comes as close as 'y': the lower id wins, so every peer breaks the tie the same way.
    t.onAdvert(2_000, 'x', advert('a', 2))
    expect(t.position()).toEqual({ root: 'a', dist: 3, parent: 'x' })
    // Same distance: only the old and the new parent hear of it.
    expect(take()).toEqual([
      { to: 'y', frame: advert('a', 3) },
      { to: 'x', frame: advert('a', 3, true) },
    ])
    t.onAdvert(3_000, 'z', advert('a', 4, true, false))
    expect(links()).toEqual(['x', 'z'])
    // It names us parent and is told it is our child in the answer (it did not know yet).
    expect(take()).toEqual([{ to: 'z', frame: advert('a', 3, false, true) }])
  })

  it('never takes a child as its parent, and drops a root membership holds dead', () => {
    const dead = new Set<PeerId>()
    const { t, links } = tree('m', ['x', 'y'], dead)
    // 'x' follows 'a' through us: taking it as parent would make a two-peer loop.
    t.onAdvert(0, 'x', advert('a', 1, true))
    expect(t.position()).toEqual({ root: 'm', dist: 0, parent: undefined })
    t.onAdvert(0, 'y', advert('a', 1))
    expect(t.position()).toEqual({ root: 'a', dist: 2, parent: 'y' })
    expect(links()).toEqual(['x', 'y'])
    dead.add('a')
    t.memberGone(0, 'a')
    expect(t.position()).toEqual({ root: 'm', dist: 0, parent: undefined })
    expect(links()).toEqual(['x'])
  })

  it('answers a frame that shows one of ours was lost; frames to one neighbour at most every 100 ms, the held one when the time is up', () => {
    const { t, take } = tree('m', ['y'])
    t.onAdvert(1_000, 'y', advert('a', 1))
    take() // "you are my parent": lost
    // 'y' does not hold us as its child: say it again.
    t.onAdvert(1_200, 'y', advert('a', 1, false, false))
    expect(take()).toEqual([{ to: 'y', frame: advert('a', 2, true) }])
    t.onAdvert(1_250, 'y', advert('a', 1, false, false))
    expect(take()).toEqual([])
    expect(t.nextWakeAt()).toBe(1_300)
    t.tick(1_300)
    expect(take()).toEqual([{ to: 'y', frame: advert('a', 2, true) }])
    t.onAdvert(1_500, 'y', advert('a', 1, false, true))
    expect(take()).toEqual([])
  })

  it('a root cut off is counted up to MAX_TREE_DEPTH and dropped; the next lowest id takes over', () => {
    // 'a' is the root; 'b', 'c', 'd' form a ring below it. Then 'a' is cut off (not known
    // dead: its link to 'b' went down), and the ring's stale distances count up.
    const ids = ['a', 'b', 'c', 'd']
    const edges: [PeerId, PeerId][] = [
      ['a', 'b'],
      ['b', 'c'],
      ['c', 'd'],
      ['d', 'b'],
    ]
    const queue: { from: PeerId; to: PeerId; frame: TreeFrame }[] = []
    const nodes = new Map<PeerId, RootedTree>()
    for (const id of ids)
      nodes.set(
        id,
        new RootedTree(id, 5_000, {
          send: (to, frame) => queue.push({ from: id, to, frame }),
          usableRoot: () => true,
          linkChanged: () => {},
        }),
      )
    const node = (id: PeerId) => nodes.get(id) as RootedTree
    let now = 0
    // Deliver everything in flight, then let 100 ms pass (held frames go out), until quiet.
    const deliver = () => {
      let frames = 0
      for (let rounds = 0; rounds < 1_000; rounds++) {
        for (let f = queue.shift(); f !== undefined; f = queue.shift(), frames++)
          node(f.to).onAdvert(now, f.from, f.frame)
        now += 100
        for (const id of ids) node(id).tick(now)
        if (queue.length === 0) break
      }
      return frames
    }
    for (const [x, y] of edges) {
      node(x).neighborUp(0, y)
      node(y).neighborUp(0, x)
    }
    deliver()
    expect(ids.map((id) => node(id).position().root)).toEqual(['a', 'a', 'a', 'a'])
    expect(node('d').position().dist).toBe(2)
    node('a').neighborDown(now, 'b')
    node('b').neighborDown(now, 'a')
    const frames = deliver()
    expect(ids.slice(1).map((id) => node(id).position())).toEqual([
      { root: 'b', dist: 0, parent: undefined },
      { root: 'b', dist: 1, parent: 'b' },
      { root: 'b', dist: 1, parent: 'b' },
    ])
    // Each of the 3 peers moves at most once per distance on the way up, telling 2 neighbours
    // (paced: one frame per link per 100 ms).
    expect(frames).toBeLessThanOrEqual(3 * 2 * (MAX_TREE_DEPTH + 2))
  })
})
