/**
 * Anti-entropy's periodic round leaves out updates still in flight (arrived in the last
 * `2 × graftTimeoutMs`: the broadcast tree is delivering them), and sends everything when
 * the neighbour lacks something older, or when the exchange is not routine (a link's
 * first exchange, a pull of what Plumtree gave up on).
 */
import { describe, expect, it } from 'vitest'
import type { PeerId } from '../ids'
import { seededRandom } from '../random'
import { createVectorReplica, encodeVectorUpdate } from '../replica/vector-replica'
import { decodeFrame, encodeFrame } from '../wire/codec'
import type { Frame } from '../wire/frame'
import type { Effect } from './effect'
import { createNode } from './gossip-node'

/** graftTimeoutMs is 1 s by default: snapshots every 2 s, updates in flight for 2 s. */
function nodeHolding(seqs: number, neighbours: PeerId[]) {
  const replica = createVectorReplica()
  const node = createNode({ id: 'a', replica, random: seededRandom(1) })
  node.handle(0, { type: 'start' })
  for (const p of neighbours) {
    node.handle(0, { type: 'neighbor-up', peer: p })
    node.handle(0, { type: 'frame', from: p, bytes: encodeFrame({ type: 'neighbor', high: true }) })
  }
  for (let seq = 1; seq <= seqs; seq++) replica.apply(encodeVectorUpdate('w', seq))
  return { node, replica }
}

function digestOf(seqs: number): Uint8Array {
  const r = createVectorReplica()
  for (let seq = 1; seq <= seqs; seq++) r.apply(encodeVectorUpdate('w', seq))
  return r.digest()
}

const opener = (seqs: number, routine: boolean): Frame => ({
  type: 'sync-digest',
  digest: digestOf(seqs),
  wantsReply: true,
  routine,
})

const sent = (effects: Effect[], type: Frame['type']) =>
  effects.flatMap((e) => {
    if (e.type !== 'send') return []
    const d = decodeFrame(e.bytes)
    return d.ok && d.frame.type === type ? [d.frame] : []
  })

describe('routine anti-entropy rounds', () => {
  it('send no diff to a neighbour lacking only updates that arrived in the last 2 s, and a full one later', () => {
    const { node, replica } = nodeHolding(3, ['b', 'c', 'd'])
    for (let t = 1_000; t <= 2_000; t += 1_000) node.handle(t, { type: 'tick' })
    replica.apply(encodeVectorUpdate('w', 4)) // arrives at 2.5 s, still in flight to b at 4 s…
    for (let t = 3_000; t <= 4_000; t += 1_000) node.handle(t, { type: 'tick' }) // …though a snapshot at 3 s holds it
    const skipped = node.handle(4_000, { type: 'frame', from: 'b', bytes: encodeFrame(opener(3, true)) })
    expect(sent(skipped, 'sync-diff')).toHaveLength(0)
    // The digest still goes back, marked routine, so b's own diff leaves out its in-flight news too.
    expect(sent(skipped, 'sync-digest')).toEqual([
      expect.objectContaining({ wantsReply: false, routine: true }),
    ])
    expect(node.stats().diffsInFlight).toBe(1)

    // The same digest from a link's first exchange (not routine) gets everything.
    const full = node.handle(4_000, { type: 'frame', from: 'c', bytes: encodeFrame(opener(3, false)) })
    expect(sent(full, 'sync-diff')).toHaveLength(1)

    // 5 s on, update 4 is old news: a neighbour still lacking it lost it, and gets it.
    for (let t = 5_000; t <= 8_000; t += 1_000) node.handle(t, { type: 'tick' })
    const late = node.handle(8_000, { type: 'frame', from: 'd', bytes: encodeFrame(opener(3, true)) })
    const [diff] = sent(late, 'sync-diff')
    expect(diff).toBeDefined()
    const check = createVectorReplica()
    check.apply((diff as Extract<Frame, { type: 'sync-diff' }>).diff)
    expect(check.has('w', 4)).toBe(true)
  })

  it('send the whole diff, in-flight updates included, to a neighbour lacking an older one', () => {
    const { node, replica } = nodeHolding(3, ['b'])
    for (let t = 1_000; t <= 4_000; t += 1_000) node.handle(t, { type: 'tick' })
    replica.apply(encodeVectorUpdate('w', 4))
    const effects = node.handle(5_000, { type: 'frame', from: 'b', bytes: encodeFrame(opener(2, true)) })
    const [diff] = sent(effects, 'sync-diff')
    const check = createVectorReplica()
    check.apply((diff as Extract<Frame, { type: 'sync-diff' }>).diff)
    expect([3, 4].map((seq) => check.has('w', seq))).toEqual([true, true])
  })

  it("skip in-flight updates in the diff answering a neighbour's routine reply too", () => {
    const { node, replica } = nodeHolding(3, ['b'])
    // Our own periodic opener to b (the only neighbour) goes out within the first 5 s.
    let opener: Frame | undefined
    for (let t = 1_000; t <= 6_000 && opener === undefined; t += 1_000)
      opener = sent(node.handle(t, { type: 'tick' }), 'sync-digest')[0]
    expect(opener).toMatchObject({ wantsReply: true, routine: true })
    replica.apply(encodeVectorUpdate('w', 4)) // in flight to b
    const reply: Frame = { type: 'sync-digest', digest: digestOf(3), wantsReply: false, routine: true }
    expect(
      sent(node.handle(6_500, { type: 'frame', from: 'b', bytes: encodeFrame(reply) }), 'sync-diff'),
    ).toEqual([])
    expect(node.stats().diffsInFlight).toBe(1)
  })

  it('the periodic opener is routine; the one at link-up is not', () => {
    const { node } = nodeHolding(0, [])
    const up = node.handle(100, { type: 'neighbor-up', peer: 'b' })
    up.push(
      ...node.handle(100, { type: 'frame', from: 'b', bytes: encodeFrame({ type: 'neighbor', high: true }) }),
    )
    expect(sent(up, 'sync-digest')).toEqual([expect.objectContaining({ wantsReply: true, routine: false })])
    const periodic: Frame[] = []
    for (let t = 1_000; t <= 6_000; t += 500)
      periodic.push(...sent(node.handle(t, { type: 'tick' }), 'sync-digest'))
    expect(periodic).toEqual([expect.objectContaining({ wantsReply: true, routine: true })])
  })
})
