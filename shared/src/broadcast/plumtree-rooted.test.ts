/**
 * Plumtree over the rooted tree (`tree: 'rooted'`, the default), one Plumtree with a
 * recording host and virtual time: which links push, and how lost frames are repaired
 * without touching the tree. The gradient's own rules: `rooted-tree.test.ts`.
 */
import { describe, expect, it } from 'vitest'
import type { PeerId } from '../ids'
import type { BroadcastFrame, MessageId, UpdateFrame } from '../wire/frame'
import { Plumtree } from './plumtree'
import { resolvePlumtreeOptions } from './plumtree-options'

const o = resolvePlumtreeOptions({})
const m: MessageId = { origin: 'o', session: 1, seq: 1 }
const copy = (hops: number): UpdateFrame => ({ type: 'update', ...m, hops, payload: new Uint8Array([1]) })
const ihave = (hops = 0): BroadcastFrame => ({ type: 'ihave', ids: [{ ...m, hops }], members: [] })

/**
 * 'me' under root 'a': its parent 'up' (at distance 1), a child 'down', and 'side', which
 * follows 'a' through someone else (a lazy link).
 */
function rooted() {
  const sent: { to: PeerId; frame: BroadcastFrame }[] = []
  const t = new Plumtree('me', o, { send: (to, frame) => sent.push({ to, frame }), deliver: () => true })
  for (const p of ['up', 'down', 'side']) t.neighborUp(p)
  t.onFrame(0, 'up', advert(1))
  t.onFrame(0, 'side', advert(2))
  t.onFrame(0, 'down', advert(3, true, true))
  sent.length = 0
  const take = () => sent.splice(0).filter((s) => s.frame.type !== 'tree')
  return { t, take, sent }
}

/** Who got a frame of `type` among `sent`, sorted. */
const targets = (sent: { to: PeerId; frame: BroadcastFrame }[], type: BroadcastFrame['type']): PeerId[] =>
  sent
    .filter((s) => s.frame.type === type)
    .map((s) => s.to)
    .sort()

/** A TREE frame of a peer following root 'a' at `dist`. */
const advert = (dist: number, parent = false, child = false): BroadcastFrame => ({
  type: 'tree',
  root: 'a',
  dist,
  parent,
  child,
})

describe('Plumtree over a rooted tree', () => {
  it('pushes to its parent and its children only; a new link is lazy until the frames agree', () => {
    const { t, take } = rooted()
    expect(t.treePosition()).toEqual({ root: 'a', dist: 2, parent: 'up' })
    expect(t.eagerPeers().sort()).toEqual(['down', 'up'])
    t.neighborUp('new')
    expect(t.isEager('new')).toBe(false)
    t.broadcast(10, { origin: 'me', session: 1, seq: 1 }, new Uint8Array([1]))
    expect(targets(take(), 'update')).toEqual(['down', 'up'])
  })

  it('a message only a lazy neighbour announced is asked of the parent halfway, fetched off the tree at graftTimeoutMs', () => {
    const { t, take } = rooted()
    t.onFrame(100, 'side', ihave(4))
    t.tick(100 + o.graftTimeoutMs / 2 - 1)
    expect(take()).toEqual([])
    t.tick(100 + o.graftTimeoutMs / 2)
    expect(take()).toEqual([{ to: 'up', frame: { type: 'graft', ids: [m] } }])
    // The parent lacked it too: nothing came back. Off the tree, from the announcer.
    t.tick(100 + o.graftTimeoutMs)
    expect(take()).toEqual([{ to: 'side', frame: { type: 'graft', ids: [m] } }])
    // A duplicate prunes nothing, and the tree is as it was.
    t.onFrame(1_200, 'side', copy(4))
    t.onFrame(1_300, 'up', copy(3))
    expect(take().filter((s) => s.frame.type === 'prune' || s.frame.type === 'graft')).toEqual([])
    expect(t.eagerPeers().sort()).toEqual(['down', 'up'])
    expect(t.stats.graftsParent).toBe(1)
    expect(t.stats.graftsOffTree).toBe(1)
  })

  it('the parent answers: the copy comes along the tree and nothing is fetched off it', () => {
    const { t, take } = rooted()
    t.onFrame(100, 'side', ihave(4))
    t.tick(100 + o.graftTimeoutMs / 2)
    take()
    t.onFrame(700, 'up', copy(2))
    // Passed on to the child at the tree's hop count.
    expect(take().find((s) => s.frame.type === 'update')).toEqual({ to: 'down', frame: copy(3) })
    t.tick(100 + o.graftTimeoutMs)
    expect(take().filter((s) => s.frame.type === 'graft')).toEqual([])
    expect(t.stats.graftsOffTree).toBe(0)
  })

  it('a message on its way up is announced to the parent at once as well; one on its way down is not', () => {
    const { t, take } = rooted()
    // From the child: pushed up, and announced up at once, before the batch goes.
    t.onFrame(100, 'down', copy(1))
    expect(take()).toEqual([
      { to: 'up', frame: copy(2) },
      { to: 'up', frame: { type: 'ihave', ids: [{ ...m, hops: 2 }], members: [] } },
    ])
    // The batch, lazyPushDelayMs later, announces it to the parent again and to 'side'.
    t.tick(100 + o.lazyPushDelayMs)
    expect(targets(take(), 'ihave')).toEqual(['side', 'up'])
    // From the parent: pushed down, announced only with the batch.
    const down: MessageId = { origin: 'o', session: 1, seq: 2 }
    t.onFrame(1_000, 'up', { type: 'update', ...down, hops: 1, payload: new Uint8Array([2]) })
    expect(take().map((s) => [s.to, s.frame.type])).toEqual([['down', 'update']])
  })

  it('a push over a link it holds lazy (a lost TREE frame) is answered with its TREE frame, not a PRUNE', () => {
    const { t, sent } = rooted()
    // 'side' believes we named it parent (our frame saying otherwise was lost) and pushes.
    t.onFrame(500, 'side', copy(3))
    expect(sent.filter((s) => s.to === 'side')).toEqual([{ to: 'side', frame: advert(2) }])
    expect(t.isEager('side')).toBe(false)
  })
})

describe('rootLinks option', () => {
  it('takes a whole number up to 46 and names the field otherwise', () => {
    expect(resolvePlumtreeOptions({}).rootLinks).toBe(32)
    expect(resolvePlumtreeOptions({ rootLinks: 0 }).rootLinks).toBe(0)
    for (const bad of [-1, 2.5, 47, Number.NaN])
      expect(() => resolvePlumtreeOptions({ rootLinks: bad })).toThrow(/rootLinks/)
  })
})
