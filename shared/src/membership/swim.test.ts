import { describe, expect, it } from 'vitest'
import type { PeerId } from '../ids'
import type { MemberView } from '../node/member-view'
import { seededRandom } from '../random'
import { decodeFrame } from '../wire/codec'
import type { MemberUpdate, SwimFrame } from '../wire/frame'
import { suspicionBounds } from './lifeguard'
import { Swim } from './swim'
import { createSwimNode } from './swim-node'
import { resolveSwimOptions, type SwimOptions } from './swim-options'
import { alive, suspect } from './test-records'

const EMPTY = new Uint8Array(0)

/** A Swim driven by hand: frames it sends and changes it reports are recorded. */
function harness(options: SwimOptions = {}, roster: PeerId[] = [], self: PeerId = 'me') {
  const sent: { to: PeerId; frame: SwimFrame }[] = []
  const changes: MemberView[] = []
  const swim = new Swim(
    self,
    resolveSwimOptions(options),
    seededRandom(1),
    { send: (to, frame) => sent.push({ to, frame }), changed: (m) => changes.push(m) },
    'members',
  )
  swim.start(0)
  swim.seed(0, roster)
  return { swim, sent, changes }
}

const ten = Array.from({ length: 10 }, (_, i) => `m${i}`)

describe('SWIM suspicion (Lifeguard)', () => {
  it('starts at the maximum timeout and shrinks with each independent confirmation', () => {
    const { swim } = harness({}, ten)
    const { minMs, maxMs } = suspicionBounds(11, 4, 6, 1_000)
    swim.merge(100, [suspect('m1', 0, 'm2')])
    expect(swim.suspicionDeadline('m1')).toBe(100 + maxMs)
    // The same accuser again is not a confirmation.
    swim.merge(200, [suspect('m1', 0, 'm2')])
    expect(swim.suspicionDeadline('m1')).toBe(100 + maxMs)
    swim.merge(300, [suspect('m1', 0, 'm3')])
    const afterOne = swim.suspicionDeadline('m1') as number
    expect(afterOne).toBeLessThan(100 + maxMs)
    expect(afterOne).toBeGreaterThan(100 + minMs)
    swim.merge(400, [suspect('m1', 0, 'm4')])
    expect(swim.suspicionDeadline('m1')).toBe(100 + minMs)
  })

  it('declares the member dead at the deadline, not before', () => {
    const { swim } = harness({}, ten)
    const { minMs } = suspicionBounds(11, 4, 6, 1_000)
    swim.merge(0, [suspect('m1', 0, 'm2'), suspect('m1', 0, 'm3'), suspect('m1', 0, 'm4')])
    swim.tick(minMs - 1)
    expect(swim.stateOf('m1')).toBe('suspect')
    swim.tick(minMs)
    expect(swim.stateOf('m1')).toBe('dead')
  })

  it('without Lifeguard the timeout is fixed at the minimum, whatever the confirmations', () => {
    const { swim } = harness({ lifeguard: false }, ten)
    const { minMs } = suspicionBounds(11, 4, 6, 1_000)
    swim.merge(0, [suspect('m1', 0, 'm2')])
    expect(swim.suspicionDeadline('m1')).toBe(minMs)
    swim.merge(10, [suspect('m1', 0, 'm3')])
    expect(swim.suspicionDeadline('m1')).toBe(minMs)
  })

  it('a higher incarnation of alive refutes the suspicion', () => {
    const { swim } = harness({}, ten)
    swim.merge(0, [suspect('m1', 0, 'm2')])
    swim.merge(10, [alive('m1', 1)])
    expect(swim.stateOf('m1')).toBe('alive')
    expect(swim.suspicionDeadline('m1')).toBeUndefined()
    swim.tick(1_000_000)
    expect(swim.stateOf('m1')).toBe('alive')
  })
})

describe('SWIM refutation and rejoin', () => {
  it('a suspected member refutes with a higher incarnation and its health score rises', () => {
    const { swim } = harness({}, ten)
    expect(swim.ownIncarnation).toBe(1)
    swim.merge(0, [suspect('me', 1, 'm2')])
    expect(swim.ownIncarnation).toBe(2)
    expect(swim.stats.refutations).toBe(1)
    expect(swim.healthScore).toBe(1)
    // The refutation is queued as news for others.
    expect(swim.piggyback('m1')).toContainEqual(
      expect.objectContaining({ id: 'me', state: 'alive', incarnation: 2 }),
    )
  })

  it('a restarted peer hears its old dead record, jumps past it, and the room takes it back', () => {
    const old = harness({}, ten)
    // The room declared "me" dead at incarnation 5 during its previous run.
    old.swim.merge(0, [{ id: 'me', state: 'dead', incarnation: 5, meta: EMPTY, from: 'm2' }])
    expect(old.swim.ownIncarnation).toBe(6)
    const room = harness({}, ['me', ...ten], 'm0')
    room.swim.merge(0, [{ id: 'me', state: 'dead', incarnation: 5, meta: EMPTY, from: 'm2' }])
    expect(room.swim.member('me')?.state).toBe('dead')
    const refutation = old.swim.recordOf('me') as MemberUpdate
    room.swim.merge(10, [refutation])
    expect(room.swim.member('me')).toMatchObject({ state: 'alive', version: 6 })
  })

  it('stale news never overrides newer news', () => {
    const { swim } = harness({}, ten)
    swim.merge(0, [alive('m1', 4)])
    swim.merge(1, [
      suspect('m1', 3, 'm2'),
      { id: 'm1', state: 'dead', incarnation: 3, meta: EMPTY, from: 'm2' },
    ])
    expect(swim.member('m1')).toMatchObject({ state: 'alive', version: 4 })
    swim.merge(2, [{ id: 'm1', state: 'left', incarnation: 4, meta: EMPTY, from: '' }])
    swim.merge(3, [alive('m1', 4)])
    expect(swim.stateOf('m1')).toBe('left')
  })

  it('forgets dead and left members after the retention time', () => {
    const { swim } = harness({ deadRetentionMs: 5_000 }, ten)
    swim.merge(0, [{ id: 'm1', state: 'left', incarnation: 1, meta: EMPTY, from: '' }])
    swim.tick(4_999)
    expect(swim.member('m1')).toBeDefined()
    swim.tick(5_000)
    expect(swim.member('m1')).toBeUndefined()
  })
})

describe('standalone SWIM node (connectionless transport)', () => {
  /** Runs a SwimNode until its first ping to `target`, returning the time. */
  function untilPing(node: ReturnType<typeof createSwimNode>, target: PeerId, from: number): number {
    let now = from
    for (let i = 0; i < 100; i++) {
      now = Math.max(now, node.nextWakeAt())
      const effects = node.handle(now, { type: 'tick' })
      for (const e of effects) {
        if (e.type !== 'send' || e.to !== target) continue
        const f = decodeFrame(e.bytes)
        if (f.ok && f.frame.type === 'ping') return now
      }
    }
    throw new Error('no ping')
  }

  it.each([
    [true, 0],
    [false, 1],
  ])(
    'lifeguard=%s: a peer that stalls mid-probe accuses no one (accusations: %i)',
    (lifeguard, accusations) => {
      const node = createSwimNode({ id: 'me', random: seededRandom(3), roster: ['me', 'x'], lifeguard })
      node.handle(0, { type: 'start' })
      const pinged = untilPing(node, 'x', 0)
      // x's ack is stuck behind our stall: our next wake-up comes 3 s late.
      const late = node.nextWakeAt() + 3_000
      const effects = node.handle(late, { type: 'tick' })
      const accused = effects.filter(
        (e) => e.type === 'member-changed' && e.member.id === 'x' && e.member.state !== 'alive',
      )
      expect(accused.length, `pinged at ${pinged}`).toBe(accusations)
      expect(node.stats().membership?.accusations).toBe(accusations)
      if (lifeguard) expect(node.healthScore()).toBeGreaterThan(0)
    },
  )

  it('answers pings with acks to any member, without a connection', () => {
    const node = createSwimNode({ id: 'me', random: seededRandom(3), roster: ['me', 'x'] })
    node.handle(0, { type: 'start' })
    const ping = new Uint8Array([1, 5, 7, 0])
    const effects = node.handle(10, { type: 'frame', from: 'x', bytes: ping })
    const ack = effects.find((e) => e.type === 'send' && e.to === 'x')
    expect(ack).toBeDefined()
    const decoded = ack?.type === 'send' ? decodeFrame(ack.bytes) : undefined
    expect(decoded).toMatchObject({ ok: true, frame: { type: 'ack', seq: 7 } })
  })

  it('rejects bad options naming the field', () => {
    expect(() => createSwimNode({ id: 'me', random: seededRandom(1), probeTimeoutMs: 2_000 })).toThrow(
      /probeTimeoutMs/,
    )
    expect(() => createSwimNode({ id: 'me', random: seededRandom(1), gossipFanout: -1 })).toThrow(
      /gossipFanout/,
    )
  })
})
