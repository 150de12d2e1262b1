/**
 * Regression tests of the protocol review: hostile or unlucky input must cost a peer
 * bounded work, and must not corrupt membership or block replication. Each drives one
 * node by hand (`handle()` with virtual time) and asserts what a user would notice.
 */
import { describe, expect, it } from 'vitest'
import type { PeerId } from '../ids'
import { bucketOf, idHash } from '../membership/member-digest'
import { Swim } from '../membership/swim'
import { resolveSwimOptions } from '../membership/swim-options'
import { alive } from '../membership/test-records'
import { seededRandom } from '../random'
import { createVectorReplica, encodeVectorUpdate } from '../replica/vector-replica'
import { decodeFrame, encodeFrame } from '../wire/codec'
import type { Frame, MemberUpdate, SwimFrame, UpdateFrame } from '../wire/frame'
import { FrameType, PROTOCOL_VERSION } from '../wire/frame-type'
import { DEFAULT_WIRE_LIMITS, MAX_INCARNATION } from '../wire/limits'
import type { Effect } from './effect'
import { createNode, type GossipNode } from './gossip-node'
import type { NodeOptions } from './node-options'

const EMPTY = new Uint8Array(0)

/** Node 'a' with active neighbours `peers` (each asked to be a neighbour with high priority). */
function nodeWith(peers: PeerId[], options: Partial<NodeOptions> = {}, seed = 2) {
  const replica = createVectorReplica()
  const node = createNode({ ...options, id: 'a', replica, random: seededRandom(seed) })
  node.handle(0, { type: 'start' })
  for (const p of peers) {
    node.handle(0, { type: 'neighbor-up', peer: p })
    node.handle(0, { type: 'frame', from: p, bytes: encodeFrame({ type: 'neighbor', high: true }) })
    // 'a' is the lowest id: each neighbour follows it as the root, as its parent (a tree link).
    const tree: Frame = { type: 'tree', root: 'a', dist: 1, parent: true, child: false }
    node.handle(0, { type: 'frame', from: p, bytes: encodeFrame(tree) })
  }
  return { node, replica }
}

const frame = (node: GossipNode, now: number, from: PeerId, f: Frame) =>
  node.handle(now, { type: 'frame', from, bytes: encodeFrame(f) })
const sends = (effects: Effect[]) =>
  effects.flatMap((e) =>
    e.type === 'send' ? [{ to: e.to, frame: decodeFrame(e.bytes), bytes: e.bytes }] : [],
  )
const sentBytes = (effects: Effect[]) => sends(effects).reduce((n, s) => n + s.bytes.length, 0)
const sentFrames = (effects: Effect[], type: Frame['type']) =>
  sends(effects).filter((s) => s.frame.ok && s.frame.frame.type === type)

/** Runs `node` to `until`, a tick per second, its neighbours answering (so they stay alive). */
function runAlive(node: GossipNode, from: number, until: number, peers: PeerId[]): number {
  let t = from
  while (t < until) {
    t += 1_000
    node.handle(t, { type: 'tick' })
    for (const p of peers) frame(node, t, p, { type: 'member-gossip', members: [] })
  }
  return t
}

/** 'z' joins at incarnation 5, leaves at 6, and is reaped; returns the time after the reap. */
function forgetLeftMember(node: GossipNode, peers: PeerId[]): number {
  frame(node, 1, 'b', { type: 'member-gossip', members: [alive('z', 5)] })
  frame(node, 2, 'b', {
    type: 'member-gossip',
    members: [{ id: 'z', state: 'left', incarnation: 6, meta: EMPTY, from: '' }],
  })
  return runAlive(node, 2, 130_000, peers)
}

describe('zombie members (review #1)', () => {
  it('stale alive news cannot bring back a member forgotten after it left', () => {
    const peers = ['b', 'c', 'd']
    const { node } = nodeWith(peers)
    let t = forgetLeftMember(node, peers)
    expect(node.member('z')).toBeUndefined()
    frame(node, t, 'c', { type: 'member-gossip', members: [alive('z', 5)] })
    t = runAlive(node, t, t + 10_000, peers)
    expect(node.member('z')).toBeUndefined()
    expect(node.stats().membership?.staleRejected).toBe(1)
    // A real return (a higher incarnation) is accepted.
    frame(node, t, 'c', { type: 'member-gossip', members: [alive('z', 7)] })
    expect(node.member('z')?.state).toBe('alive')
  })

  it('a forgotten peer that reconnects is told its last incarnation and refutes past it', () => {
    const peers = ['b', 'c', 'd']
    const { node } = nodeWith(peers)
    const t = forgetLeftMember(node, peers)
    const out = node.handle(t, { type: 'neighbor-up', peer: 'z' })
    const intro = sentFrames(out, 'member-gossip')[0]?.frame
    expect(intro?.ok && intro.frame.type === 'member-gossip' && intro.frame.members).toContainEqual(
      expect.objectContaining({ id: 'z', state: 'dead', incarnation: 6 }),
    )
  })

  it('a failed connect to a member believed alive makes it suspect, then dead if nobody refutes', () => {
    const peers = ['b', 'c', 'd']
    const { node } = nodeWith(peers)
    frame(node, 1, 'b', { type: 'member-gossip', members: [alive('z', 1)] })
    const out = node.handle(2, { type: 'peers-discovered', peers: ['z'] })
    expect(out).toContainEqual({ type: 'connect', peer: 'z' })
    node.handle(3, { type: 'neighbor-down', peer: 'z' })
    expect(node.member('z')?.state).toBe('suspect')
    runAlive(node, 3, 60_000, peers)
    expect(node.member('z')?.state).toBe('dead')
    // Live neighbours were never accused.
    for (const p of peers) expect(node.member(p)?.state ?? 'alive').toBe('alive')
  })
})

describe('GRAFT amplification (review #2)', () => {
  it('a GRAFT naming one message 1,024 times gets it once; resends stay within graftBudgetBytes', () => {
    const { node } = nodeWith(['b', 'c', 'd'])
    const payload = new Uint8Array(200_000)
    const pushed = node.handle(1, { type: 'local-update', update: payload })
    const first = sentFrames(pushed, 'update')[0]?.frame
    if (!first?.ok || first.frame.type !== 'update') throw new Error('no update pushed')
    const { session } = first.frame
    for (let seq = 2; seq <= 10; seq++)
      node.handle(1, { type: 'local-update', update: new Uint8Array(200_000) })
    const same = Array.from({ length: 1_024 }, () => ({ origin: 'a', session, seq: 1 }))
    const out = frame(node, 2, 'b', { type: 'graft', ids: same })
    expect(sentFrames(out, 'update')).toHaveLength(1)
    // Ten distinct 200 KB messages: the 1 MiB budget per second lets five through.
    const all = Array.from({ length: 10 }, (_, i) => ({ origin: 'a', session, seq: i + 1 }))
    const later = frame(node, 2_000, 'b', { type: 'graft', ids: all })
    expect(sentBytes(later)).toBeLessThan((1 << 20) + 10_000)
    expect(sentFrames(frame(node, 2_100, 'b', { type: 'graft', ids: all }), 'update')).toHaveLength(0)
    expect(sentFrames(frame(node, 3_100, 'b', { type: 'graft', ids: all }), 'update').length).toBeGreaterThan(
      0,
    )
  })
})

describe('frame size (review #3)', () => {
  it('the default limits carry a multi-megabyte catch-up diff', () => {
    const diff = new Uint8Array(4 << 20)
    const decoded = decodeFrame(encodeFrame({ type: 'sync-diff', diff }))
    expect(decoded.ok).toBe(true)
    expect(DEFAULT_WIRE_LIMITS.maxFrameBytes).toBe(8 << 20)
  })

  it('a frame over maxFrameBytes is never sent, and is reported as dropped', () => {
    const wireLimits = { ...DEFAULT_WIRE_LIMITS, maxFrameBytes: 4_096, maxPayloadBytes: 4_000 }
    const { node } = nodeWith(['b'], { wireLimits })
    const out = node.handle(1, { type: 'local-update', update: new Uint8Array(10_000) })
    expect(sentFrames(out, 'update')).toHaveLength(0)
    expect(out).toContainEqual(
      expect.objectContaining({ type: 'dropped', from: 'b', reason: 'send-oversized' }),
    )
    expect(node.stats().dropped['send-oversized']).toBe(1)
  })
})

describe('tiny frames asking for big replies (review #4)', () => {
  it('a member digest gets at most one snapshot per anti-entropy interval, and only from an active neighbour', () => {
    const { node } = nodeWith(['b', 'c'])
    const members = Array.from({ length: 500 }, (_, i) => alive(`m${i}`, 1))
    frame(node, 1, 'b', { type: 'member-gossip', members })
    // Buckets that changed in the last memberDigestSettleMs are news still being flooded: not answered.
    expect(
      sentFrames(frame(node, 2, 'c', { type: 'member-digest', buckets: [0] }), 'member-snapshot'),
    ).toHaveLength(0)
    const digest: Frame = { type: 'member-digest', buckets: [0] }
    // 500 records differ: the answer is their sub-bucket sums (a refinement), not the records.
    const answers = (effects: Effect[]) =>
      sentFrames(effects, 'member-snapshot').length + sentFrames(effects, 'member-refine').length
    expect(sentFrames(frame(node, 3_000, 'c', digest), 'member-refine')).toHaveLength(1)
    expect(answers(frame(node, 3_001, 'c', digest))).toBe(0)
    expect(answers(frame(node, 8_001, 'c', digest))).toBe(1)
    // A channel still handshaking is not an active neighbour.
    node.handle(9_000, { type: 'neighbor-up', peer: 'x' })
    const fromX = frame(node, 9_001, 'x', digest)
    expect(answers(fromX)).toBe(0)
    expect(fromX).toContainEqual(expect.objectContaining({ type: 'dropped', reason: 'unsolicited' }))
  })

  it('a member refinement is taken once per digest we sent, and its ask once, for the buckets it offered', () => {
    const { node } = nodeWith(['b', 'c'])
    const members = Array.from({ length: 500 }, (_, i) => alive(`m${i}`, 1))
    frame(node, 1, 'b', { type: 'member-gossip', members })
    const dropped = () => node.stats().dropped.unsolicited ?? 0
    // Each new link was sent our digest: b's refinement of its answer is taken, once. All
    // its sums 0: b holds nothing, so we ask for every sub-bucket we hold records in, and
    // push those records (the ask first: b answers it before merging them).
    const zeros = Array.from({ length: 16 }, () => 0)
    const refine: Frame = {
      type: 'member-refine',
      buckets: Array.from({ length: 256 }, (_, bucket) => ({ bucket, sums: zeros })),
    }
    const taken = frame(node, 3_000, 'b', refine)
    const kinds = sends(taken).flatMap((s) => (s.frame.ok ? [s.frame.frame.type] : []))
    expect(kinds[0]).toBe('member-refine-ask')
    const pushed = sentFrames(taken, 'member-snapshot').flatMap((s) =>
      s.frame.ok && s.frame.frame.type === 'member-snapshot' ? s.frame.frame.members : [],
    )
    expect(pushed).toHaveLength(501)
    const again = frame(node, 3_001, 'b', refine)
    expect(sends(again)).toHaveLength(0)
    expect(dropped()).toBe(1)
    // From a peer that is not an active neighbour: dropped.
    node.handle(3_002, { type: 'neighbor-up', peer: 'x' })
    expect(sends(frame(node, 3_003, 'x', refine))).toHaveLength(0)
    expect(dropped()).toBe(2)

    // Our refinement offers the settled buckets only; an ask is answered once, and only
    // for buckets offered. A member added just now makes its bucket unsettled.
    frame(node, 3_500, 'c', { type: 'member-gossip', members: [alive('late', 1)] })
    const fresh = bucketOf(idHash('late'))
    const offer = frame(node, 4_000, 'c', { type: 'member-digest', buckets: [0] })
    const [offered] = sentFrames(offer, 'member-refine')
    if (offered?.frame.ok !== true || offered.frame.frame.type !== 'member-refine')
      throw new Error('no refinement sent')
    const buckets = offered.frame.frame.buckets.map((b) => b.bucket)
    expect(buckets).toHaveLength(255)
    expect(buckets).not.toContain(fresh)
    const askFresh = frame(node, 4_001, 'c', {
      type: 'member-refine-ask',
      asks: [{ bucket: fresh, subs: 0xffff }],
    })
    expect(sends(askFresh)).toHaveLength(0)
    expect(dropped()).toBe(3)
    // That ask used up the refinement: a good one now is unsolicited too.
    const other = buckets[0] as number
    const ask: Frame = { type: 'member-refine-ask', asks: [{ bucket: other, subs: 0xffff }] }
    expect(sends(frame(node, 4_002, 'c', ask))).toHaveLength(0)
    expect(dropped()).toBe(4)
    // The next round's refinement: its ask is answered with our records in those sub-buckets.
    frame(node, 9_001, 'c', { type: 'member-digest', buckets: [0] })
    const answered = sentFrames(frame(node, 9_002, 'c', ask), 'member-snapshot').flatMap((s) =>
      s.frame.ok && s.frame.frame.type === 'member-snapshot' ? s.frame.frame.members.map((m) => m.id) : [],
    )
    const inBucket = [...members.map((m) => m.id), 'a', 'late'].filter((id) => bucketOf(idHash(id)) === other)
    expect(answered.sort()).toEqual(inBucket.sort())
  })

  it('malformed refinement frames are dropped and counted, never thrown', () => {
    const { node } = nodeWith(['b'])
    const bad = [
      new Uint8Array([PROTOCOL_VERSION, FrameType.MemberRefine, 2, 9, 0, 0, 5, 0, 0]),
      new Uint8Array([PROTOCOL_VERSION, FrameType.MemberRefine, 0xff, 0xff, 0xff, 0x0f]),
      new Uint8Array([PROTOCOL_VERSION, FrameType.MemberRefineAsk, 1, 7, 0, 0]),
      new Uint8Array([PROTOCOL_VERSION, FrameType.MemberRefineAsk, 1, 7]),
    ]
    for (const bytes of bad) {
      const effects = node.handle(10, { type: 'frame', from: 'b', bytes })
      expect(sends(effects)).toHaveLength(0)
      expect(effects).toContainEqual(expect.objectContaining({ type: 'dropped', from: 'b' }))
    }
    const d = node.stats().dropped
    expect((d.malformed ?? 0) + (d.oversized ?? 0) + (d.truncated ?? 0)).toBe(4)
  })

  it('a digest gets at most one diff per neighbour per interval; unsolicited replies get none', () => {
    const { node, replica } = nodeWith(['b'])
    for (let seq = 1; seq <= 50; seq++) replica.apply(encodeVectorUpdate('w', seq))
    const empty = createVectorReplica().digest()
    const opener: Frame = { type: 'sync-digest', digest: empty, wantsReply: true, routine: false }
    expect(sentFrames(frame(node, 10, 'b', opener), 'sync-diff')).toHaveLength(1)
    const again = frame(node, 20, 'b', opener)
    expect(sentFrames(again, 'sync-diff')).toHaveLength(0)
    // Our digest still goes back, so the neighbour can push what we lack.
    expect(sentFrames(again, 'sync-digest')).toHaveLength(1)
    const reply: Frame = { type: 'sync-digest', digest: empty, wantsReply: false, routine: false }
    // The one opener we sent at link-up earns one answer; further replies are unsolicited.
    expect(sentFrames(frame(node, 30, 'b', reply), 'sync-diff')).toHaveLength(1)
    const extra = frame(node, 40, 'b', reply)
    expect(sentFrames(extra, 'sync-diff')).toHaveLength(0)
    expect(extra).toContainEqual(expect.objectContaining({ type: 'dropped', reason: 'unsolicited' }))
    expect(sentFrames(frame(node, 6_000, 'b', opener), 'sync-diff')).toHaveLength(1)
  })

  it('a neighbour sending openers without end gets 4 diffs computed, then one per interval; the rest only our digest', () => {
    // Its digest equals ours: each diff finds nothing, and so set no limit before.
    const { node, replica } = nodeWith(['b'])
    for (let seq = 1; seq <= 50; seq++) replica.apply(encodeVectorUpdate('w', seq))
    const opener: Frame = { type: 'sync-digest', digest: replica.digest(), wantsReply: true, routine: false }
    let diffs = 0
    const diff = replica.diff.bind(replica)
    replica.diff = (digest) => {
      diffs++
      return diff(digest)
    }
    const deferred = () => node.stats().diffsDeferred ?? 0
    let digests = 0
    for (let i = 0; i < 1_000; i++) digests += sentFrames(frame(node, 100, 'b', opener), 'sync-digest').length
    expect(diffs).toBe(4)
    expect(deferred()).toBe(996)
    // Our digest still goes back every time: what an empty diff's answer sends anyway.
    expect(digests).toBe(1_000)
    // antiEntropyIntervalMs (5 s) later, one more diff.
    for (let i = 0; i < 10; i++) frame(node, 5_100, 'b', opener)
    expect(diffs).toBe(5)
    expect(deferred()).toBe(996 + 9)
    // And a neighbour that lacks something still gets its diff once the interval is up.
    const lacking: Frame = {
      type: 'sync-digest',
      digest: createVectorReplica().digest(),
      wantsReply: true,
      routine: false,
    }
    expect(sentFrames(frame(node, 10_200, 'b', lacking), 'sync-diff')).toHaveLength(1)
    // A diff that found something is limited by the interval, not the budget: its token
    // comes back, so after the interval two empty openers are still diffed.
    expect(diffs).toBe(6)
    frame(node, 15_300, 'b', opener)
    frame(node, 15_300, 'b', opener)
    expect(diffs).toBe(8)
  })
})

describe('bounded member table (review #5)', () => {
  it('a neighbour cannot grow the member table past maxMembers', () => {
    const { node } = nodeWith(['b'], { maxMembers: 1_500 })
    for (let k = 0; k < 5; k++)
      frame(node, 1, 'b', {
        type: 'member-gossip',
        members: Array.from({ length: 1_000 }, (_, i) => alive(`f${k}_${i}`, 1)),
      })
    expect(node.liveMembers()).toBe(1_500)
    expect(node.stats().membership?.membersRejected).toBe(5_000 - 1_499)
  })
})

/** A Swim driven by hand in 'members' scope. */
function swimHarness(self: PeerId = 'me', roster: PeerId[] = []) {
  const sent: { to: PeerId; frame: SwimFrame }[] = []
  const swim = new Swim(
    self,
    resolveSwimOptions({}),
    seededRandom(1),
    { send: (to, frame) => sent.push({ to, frame }), changed: () => {} },
    'members',
  )
  swim.start(0)
  swim.seed(0, roster)
  return { swim, sent }
}
const ten = Array.from({ length: 10 }, (_, i) => `m${i}`)

describe('flapping members (review #5)', () => {
  it('a member flapping suspect/alive or dead/alive adds no timers or reap items per flap', () => {
    const { swim } = swimHarness('me', ten)
    let inc = 0
    for (let i = 0; i < 1_000; i++) {
      swim.merge(i, [{ id: 'm1', state: 'suspect', incarnation: inc, meta: EMPTY, from: 'x' }])
      swim.merge(i, [alive('m1', ++inc)])
      swim.merge(i, [{ id: 'm2', state: 'dead', incarnation: inc, meta: EMPTY, from: 'x' }])
      swim.merge(i, [alive('m2', inc + 1)])
    }
    const inside = swim as unknown as { suspicions: { pendingTimers: number }; reapQueue: unknown[] }
    expect(inside.suspicions.pendingTimers).toBeLessThanOrEqual(2)
    expect(inside.reapQueue.length).toBeLessThanOrEqual(1)
    // And the timers still work: an unrefuted suspicion ends in dead.
    swim.merge(2_000, [{ id: 'm3', state: 'suspect', incarnation: 0, meta: EMPTY, from: 'x' }])
    swim.tick(200_000)
    expect(swim.stateOf('m3')).toBe('dead')
  })
})

describe('Lifeguard accusers (review #6)', () => {
  it('relayed and snapshot records carry the original accuser, so relays do not shorten the timeout', () => {
    const relay = swimHarness('r', ten)
    relay.swim.merge(1, [{ id: 'm1', state: 'suspect', incarnation: 0, meta: EMPTY, from: 'acc' }])
    const record = relay.swim.snapshot().find((u) => u.id === 'm1')
    expect(record?.from).toBe('acc')
    const { swim } = swimHarness('me', ten)
    swim.merge(1, [{ id: 'm1', state: 'suspect', incarnation: 0, meta: EMPTY, from: 'acc' }])
    const deadline = swim.suspicionDeadline('m1')
    swim.merge(2, [record as MemberUpdate, relay.swim.recordOf('m1') as MemberUpdate])
    expect(swim.suspicionDeadline('m1')).toBe(deadline)
  })
})

describe('integer caps (review #7)', () => {
  it('the decoder rejects an incarnation above 2^32 - 1 and hops above 255', () => {
    const over = encodeFrame({ type: 'member-gossip', members: [alive('z', MAX_INCARNATION + 1)] })
    expect(decodeFrame(over)).toMatchObject({ ok: false, error: { code: 'malformed' } })
    const hops: UpdateFrame = { type: 'update', origin: 'x', session: 1, seq: 1, hops: 256, payload: EMPTY }
    expect(decodeFrame(encodeFrame(hops))).toMatchObject({ ok: false, error: { code: 'malformed' } })
  })

  it('a suspicion at the incarnation cap is refuted at the cap, and every frame still decodes', () => {
    const { node } = nodeWith(['b', 'c', 'd'])
    frame(node, 1, 'b', {
      type: 'member-gossip',
      members: [{ id: 'a', state: 'suspect', incarnation: MAX_INCARNATION, meta: EMPTY, from: 'b' }],
    })
    expect(node.member('a')?.version).toBe(MAX_INCARNATION)
    const out = [300, 600, 1_200].flatMap((t) => node.handle(t, { type: 'tick' }))
    const all = sends(out)
    expect(all.length).toBeGreaterThan(0)
    for (const s of all) expect(s.frame.ok).toBe(true)
  })
})

describe('Plumtree delivery (review #8)', () => {
  it('a malformed copy does not block the good one, and no PRUNE goes to the honest sender', () => {
    const { node, replica } = nodeWith(['b', 'c', 'd'])
    const id = { origin: 'x', session: 9, seq: 1, hops: 0 }
    const bad = frame(node, 1, 'b', { type: 'update', ...id, payload: new Uint8Array([255]) })
    expect(bad).toContainEqual(expect.objectContaining({ type: 'dropped', reason: 'bad-update' }))
    const good = frame(node, 2, 'c', { type: 'update', ...id, payload: encodeVectorUpdate('x', 1) })
    expect(replica.has('x', 1)).toBe(true)
    expect(sentFrames(good, 'prune')).toHaveLength(0)
    expect(node.stats().broadcast?.rejected).toBe(1)
  })
})

describe('HyParView walk ends (review #9)', () => {
  it('1,000 FORWARD_JOINs ending here open at most maxActiveView connections', () => {
    const { node } = nodeWith(['b', 'c', 'd'])
    let connects = 0
    for (let i = 0; i < 1_000; i++) {
      const out = frame(node, 1, 'b', { type: 'forward-join', joiner: `j${i}`, ttl: 0 })
      connects += out.filter((e) => e.type === 'connect').length
    }
    expect(connects).toBe(7)
    expect(node.stats().overlay?.forwardJoinsDeferred).toBe(993)
    expect(node.passiveView().length).toBeGreaterThan(0)
  })
})

describe('Swim odds and ends (review #10, #11, #12, leave)', () => {
  it('randomLive picks uniformly among thousands of members', () => {
    const swim = new Swim(
      'me',
      resolveSwimOptions({}),
      seededRandom(3),
      { send() {}, changed() {} },
      'neighbors',
    )
    swim.start(0)
    swim.merge(
      0,
      Array.from({ length: 5_000 }, (_, i) => alive(`m${i}`, 1)),
    )
    const picked = new Set<PeerId>()
    for (let i = 0; i < 3_000; i++) picked.add(swim.randomLive() as PeerId)
    // Uniform: 3,000 draws from 5,000 hit ~2,300 distinct members; the old walk saw ~72.
    expect(picked.size).toBeGreaterThan(2_000)
    expect([...picked].some((id) => Number(id.slice(1)) > 4_000)).toBe(true)
  })

  it('stored metadata does not pin the frame it arrived in', () => {
    const { swim } = swimHarness()
    const frameBytes = new Uint8Array(64 * 1024)
    swim.merge(0, [alive('z', 1, frameBytes.subarray(10, 20))])
    expect(swim.member('z')?.meta.buffer.byteLength).toBe(10)
  })

  it('a probe ack counts only from the target or a helper that was asked', () => {
    const { swim, sent } = swimHarness('me', ['t'])
    swim.tick(1_000)
    const ping = sent.find((s) => s.frame.type === 'ping')
    if (ping === undefined || ping.frame.type !== 'ping') throw new Error('no probe sent')
    swim.onFrame(1_010, 'intruder', { type: 'ack', seq: ping.frame.seq, members: [] })
    swim.tick(3_000)
    expect(swim.stateOf('t')).toBe('suspect')
  })

  it('leave is idempotent', () => {
    const { swim } = swimHarness()
    const first = swim.leave(5)
    expect(swim.leave(6)).toEqual(first)
    expect(swim.ownIncarnation).toBe(first.incarnation)
  })
})

describe('rooted tree (review of #3 pass 6)', () => {
  it('a TREE frame naming a root no one has heard of is not followed, however low its id', () => {
    const { node } = nodeWith(['b', 'c'])
    // '-' sorts below every id: followed, it would draw the whole room's tree to a peer
    // that does not exist (and each peer would count its distance up to the bound).
    frame(node, 1, 'b', { type: 'tree', root: '-', dist: 0, parent: false, child: false })
    expect(node.treePosition()).toEqual({ root: 'a', dist: 0, parent: undefined })
    // A member that is alive is followed.
    frame(node, 2, 'b', { type: 'member-gossip', members: [alive('0', 1)] })
    frame(node, 3, 'b', { type: 'tree', root: '0', dist: 1, parent: false, child: false })
    expect(node.treePosition()).toEqual({ root: '0', dist: 2, parent: 'b' })
  })

  it('a neighbour sending TREE frames without end gets 32, then 16 a second; the rest are dropped and counted', () => {
    const { node } = nodeWith(['b'])
    frame(node, 1, 'b', { type: 'member-gossip', members: [alive('0', 1)] })
    for (let i = 0; i < 1_000; i++)
      frame(node, 2, 'b', { type: 'tree', root: '0', dist: 1 + (i % 2), parent: false, child: false })
    expect(node.stats().broadcast?.treeAdvertsDropped).toBeGreaterThanOrEqual(1_000 - 32)
  })

  it('frames to one neighbour are paced: a burst of changes goes out as one frame 100 ms later', () => {
    const { node } = nodeWith(['b', 'c'])
    frame(node, 1, 'b', { type: 'member-gossip', members: [alive('0', 1)] })
    const out: Effect[] = []
    for (let i = 0; i < 20; i++)
      out.push(
        ...frame(node, 1_000 + i, 'b', {
          type: 'tree',
          root: '0',
          dist: 1 + (i % 2),
          parent: false,
          child: false,
        }),
      )
    // 20 changes of our distance in 20 ms: one frame to 'c' at once, the latest at +100 ms.
    expect(
      sends(out).filter((s) => s.to === 'c' && s.frame.ok && s.frame.frame.type === 'tree'),
    ).toHaveLength(1)
    const later = node.handle(1_100, { type: 'tick' })
    const toC = sends(later).filter((s) => s.to === 'c' && s.frame.ok && s.frame.frame.type === 'tree')
    expect(toC).toHaveLength(1)
    expect(toC[0]?.frame).toMatchObject({ ok: true, frame: { root: '0', dist: 3 } })
  })
})
