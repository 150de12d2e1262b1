import fc from 'fast-check'
import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import { decodeFrame, encodeFrame } from './codec'
import type { Frame, MemberUpdate } from './frame'
import { FrameType, PROTOCOL_VERSION } from './frame-type'
import { DEFAULT_WIRE_LIMITS, MAX_HOPS, MAX_INCARNATION, MAX_TREE_DEPTH } from './limits'

const peerId = fc.stringMatching(/^[A-Za-z0-9_.:@-]{1,64}$/)
const uint = fc.nat({ max: Number.MAX_SAFE_INTEGER })
/** Incarnations and hops are capped on the wire (MAX_INCARNATION, MAX_HOPS). */
const incarnation = fc.nat({ max: MAX_INCARNATION })
const hops = fc.nat({ max: MAX_HOPS })
const bytes = (max: number) => fc.uint8Array({ maxLength: max })
const messageId = fc.record({ origin: peerId, session: uint, seq: uint })

const memberUpdate: fc.Arbitrary<MemberUpdate> = fc.oneof(
  fc.record({
    id: peerId,
    state: fc.constant('alive' as const),
    incarnation,
    meta: bytes(64),
    from: fc.constant(''),
  }),
  fc.record({
    id: peerId,
    state: fc.constantFrom('suspect' as const, 'dead' as const),
    incarnation,
    meta: fc.constant(new Uint8Array(0)),
    from: peerId,
  }),
  fc.record({
    id: peerId,
    state: fc.constant('left' as const),
    incarnation,
    meta: fc.constant(new Uint8Array(0)),
    from: fc.constant(''),
  }),
)
const members = fc.array(memberUpdate, { maxLength: 8 })
const peerList = fc.array(peerId, { maxLength: 8 })

const frame: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({
    type: fc.constant('update' as const),
    origin: peerId,
    session: uint,
    seq: uint,
    hops,
    payload: bytes(200),
  }),
  fc.record({
    type: fc.constant('sync-digest' as const),
    digest: bytes(100),
    wantsReply: fc.boolean(),
    routine: fc.boolean(),
  }),
  fc.record({ type: fc.constant('sync-diff' as const), diff: bytes(100) }),
  fc.record({ type: fc.constant('ping' as const), seq: uint, members }),
  fc.record({ type: fc.constant('ack' as const), seq: uint, members }),
  fc.record({ type: fc.constant('nack' as const), seq: uint, members }),
  fc.record({ type: fc.constant('ping-req' as const), seq: uint, target: peerId, members }),
  fc.record({ type: fc.constant('member-gossip' as const), members }),
  fc.constant({ type: 'join' as const }),
  fc.record({ type: fc.constant('forward-join' as const), joiner: peerId, ttl: uint }),
  fc.record({ type: fc.constant('neighbor' as const), high: fc.boolean() }),
  fc.record({ type: fc.constant('neighbor-reply' as const), accepted: fc.boolean() }),
  fc.constant({ type: 'disconnect' as const }),
  fc.record({ type: fc.constant('shuffle' as const), path: peerList, ttl: uint, entries: peerList }),
  fc.record({ type: fc.constant('shuffle-reply' as const), path: peerList, entries: peerList }),
  fc.record({
    type: fc.constant('ihave' as const),
    ids: fc.array(fc.record({ origin: peerId, session: uint, seq: uint, hops }), { maxLength: 8 }),
    members,
  }),
  fc.record({ type: fc.constant('graft' as const), ids: fc.array(messageId, { maxLength: 8 }) }),
  fc.constant({ type: 'prune' as const }),
  fc.record({
    type: fc.constant('tree' as const),
    root: peerId,
    dist: fc.nat({ max: MAX_TREE_DEPTH }),
    parent: fc.boolean(),
    child: fc.boolean(),
  }),
  fc.record({
    type: fc.constant('member-digest' as const),
    buckets: fc
      .constantFrom(1, 2, 16, 256)
      .chain((k) => fc.array(fc.nat({ max: 2 ** 32 - 1 }), { minLength: k, maxLength: k })),
  }),
  fc.record({ type: fc.constant('member-snapshot' as const), members }),
  fc.record({
    type: fc.constant('member-refine' as const),
    buckets: fc.uniqueArray(fc.nat({ max: 255 }), { minLength: 1, maxLength: 12 }).chain((bs) =>
      fc.tuple(
        ...[...bs]
          .sort((a, b) => a - b)
          .map((bucket) =>
            fc.record({
              bucket: fc.constant(bucket),
              // Zeros are common (an empty sub-bucket) and written as absent.
              sums: fc.array(fc.oneof(fc.constant(0), fc.nat({ max: 2 ** 32 - 1 })), {
                minLength: 16,
                maxLength: 16,
              }),
            }),
          ),
      ),
    ),
  }),
  fc.record({
    type: fc.constant('member-refine-ask' as const),
    asks: fc
      .uniqueArray(fc.nat({ max: 255 }), { minLength: 1, maxLength: 12 })
      .chain((bs) =>
        fc.tuple(
          ...[...bs]
            .sort((a, b) => a - b)
            .map((bucket) =>
              fc.record({ bucket: fc.constant(bucket), subs: fc.integer({ min: 1, max: 0xffff }) }),
            ),
        ),
      ),
  }),
  fc.record({ type: fc.constant('ephemeral' as const), kind: fc.nat({ max: 255 }), payload: bytes(200) }),
)

describe('wire codec', () => {
  it('decode(encode(frame)) is the frame, for every frame type', () => {
    fc.assert(
      fc.property(frame, (f) => {
        const decoded = decodeFrame(encodeFrame(f))
        expect(decoded).toEqual({ ok: true, frame: f })
      }),
      { numRuns: 2_000 },
    )
  })

  it('frames encoded one after another stay intact, a frame past the reused buffer included', () => {
    fc.assert(
      fc.property(fc.array(frame, { minLength: 2, maxLength: 6 }), fc.nat({ max: 5 }), (frames, at) => {
        // One big frame among small ones: it outgrows the encoder's kept buffer.
        const big = new Uint8Array(100_000).map((_, i) => i * 7)
        const all: Frame[] = [...frames]
        const bigAt = at % all.length
        all.splice(bigAt, 0, { type: 'sync-diff', diff: big })
        const decoded = all.map(encodeFrame).map((b) => decodeFrame(b))
        const back = decoded[bigAt]
        if (!back?.ok || back.frame.type !== 'sync-diff') throw new Error('the big frame did not decode')
        // (Buffer.equals: a deep toEqual over 100,000 bytes takes seconds.)
        expect(Buffer.from(back.frame.diff).equals(Buffer.from(big))).toBe(true)
        decoded.splice(bigAt, 1)
        all.splice(bigAt, 1)
        expect(decoded).toEqual(all.map((f) => ({ ok: true, frame: f })))
      }),
      { numRuns: 200 },
    )
  })

  it('peer ids decode to their own value however many distinct ids a peer reads', () => {
    // More ids than the reader's cache of recent ids holds, so entries collide and are replaced.
    const ids = Array.from({ length: 40_000 }, (_, i) => `peer-${i}`)
    const update = (id: string): MemberUpdate => ({
      id,
      state: 'alive',
      incarnation: 1,
      meta: new Uint8Array(0),
      from: '',
    })
    const frames: Frame[] = []
    for (let i = 0; i < ids.length; i += 100)
      frames.push({ type: 'member-gossip', members: ids.slice(i, i + 100).map(update) })
    for (let round = 0; round < 2; round++) {
      const read: string[] = []
      for (const f of frames) {
        const r = decodeFrame(encodeFrame(f))
        if (!r.ok || r.frame.type !== 'member-gossip') throw new Error('member gossip did not decode')
        for (const m of r.frame.members) read.push(m.id)
      }
      expect(read).toEqual(ids)
    }
  })

  it('random bytes never throw and decode to a typed result', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (raw) => {
        const r = decodeFrame(raw)
        expect(typeof r.ok).toBe('boolean')
      }),
      { numRuns: 5_000 },
    )
  })

  it('random bodies behind a valid envelope never throw', () => {
    const types = Object.values(FrameType)
    fc.assert(
      fc.property(fc.constantFrom(...types), fc.uint8Array({ maxLength: 200 }), (type, body) => {
        const raw = new Uint8Array([PROTOCOL_VERSION, type, ...body])
        const r = decodeFrame(raw)
        if (!r.ok) expect(['truncated', 'oversized', 'malformed', 'unknown-type']).toContain(r.error.code)
      }),
      { numRuns: 5_000 },
    )
  })

  it('truncated and mutated frames never throw; truncation is always rejected', () => {
    fc.assert(
      fc.property(frame, fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), (f, cut, at, value) => {
        const full = encodeFrame(f)
        const short = full.slice(0, cut % full.length)
        expect(decodeFrame(short).ok).toBe(false)
        const mutated = full.slice()
        mutated[at % mutated.length] = value
        const r = decodeFrame(mutated)
        expect(typeof r.ok).toBe('boolean')
      }),
      { numRuns: 3_000 },
    )
  })

  it('the retired heartbeat-membership number is unknown, not misread', () => {
    const r = decodeFrame(new Uint8Array([PROTOCOL_VERSION, FrameType.RetiredHeartbeatMembership, 0]))
    expect(r).toMatchObject({ ok: false, error: { code: 'unknown-type' } })
  })

  it('a TREE frame past MAX_TREE_DEPTH or with unknown flags is refused', () => {
    // [version][type][root 'r'][dist][flags]
    const raw = (dist: number, flags: number) =>
      new Uint8Array([PROTOCOL_VERSION, FrameType.Tree, 1, 'r'.charCodeAt(0), dist, flags])
    expect(decodeFrame(raw(MAX_TREE_DEPTH, 3))).toMatchObject({
      ok: true,
      frame: { type: 'tree', root: 'r', dist: MAX_TREE_DEPTH, parent: true, child: true },
    })
    expect(decodeFrame(raw(MAX_TREE_DEPTH + 1, 0))).toMatchObject({ ok: false, error: { code: 'malformed' } })
    expect(decodeFrame(raw(1, 4))).toMatchObject({ ok: false, error: { code: 'malformed' } })
  })

  it('a SYNC_DIGEST reads its flag bits, and unknown flags are refused', () => {
    // [version][type][flags][digest length][digest]
    const raw = (flags: number) => new Uint8Array([PROTOCOL_VERSION, FrameType.SyncDigest, flags, 1, 7])
    expect(decodeFrame(raw(3))).toMatchObject({ ok: true, frame: { wantsReply: true, routine: true } })
    expect(decodeFrame(raw(2))).toMatchObject({ ok: true, frame: { wantsReply: false, routine: true } })
    expect(decodeFrame(raw(4))).toMatchObject({ ok: false, error: { code: 'malformed' } })
  })

  it('the ephemeral payload cap is enforced while decoding', () => {
    const bytes = encodeFrame({ type: 'ephemeral', kind: 1, payload: new Uint8Array(11) })
    expect(decodeFrame(bytes, { ...DEFAULT_WIRE_LIMITS, maxEphemeralBytes: 11 }).ok).toBe(true)
    const r = decodeFrame(bytes, { ...DEFAULT_WIRE_LIMITS, maxEphemeralBytes: 10 })
    expect(r).toMatchObject({ ok: false, error: { code: 'oversized' } })
  })

  it('peer ids: written as lib0 var-strings, and anything but a valid id is refused with its code', () => {
    const ping = (target: string) => encodeFrame({ type: 'ping-req', seq: 1, target, members: [] })
    const lib0 = encoding.createEncoder()
    encoding.writeVarString(lib0, 'tab-3f9a')
    const written = encoding.toUint8Array(lib0)
    const bytes = ping('tab-3f9a')
    // The id sits after version, type and seq: the same bytes as lib0 writes.
    expect(bytes.subarray(3, 3 + written.length)).toEqual(written)
    expect(decodeFrame(bytes)).toMatchObject({ ok: true, frame: { target: 'tab-3f9a' } })
    expect(decodeFrame(ping('x'.repeat(64)))).toMatchObject({ ok: true })
    expect(decodeFrame(ping('x'.repeat(65)))).toMatchObject({ ok: false, error: { code: 'oversized' } })
    for (const bad of ['a b', 'tab/1', 'café', ''])
      expect(decodeFrame(ping(bad)), bad).toMatchObject({ ok: false, error: { code: 'malformed' } })
    // A length running past the end of the frame is truncation, not an id.
    expect(decodeFrame(ping('tab-3f9a').subarray(0, 6))).toMatchObject({
      ok: false,
      error: { code: 'truncated' },
    })
  })

  it('refinement frames: buckets out of order, repeated, empty or past the end are refused with a code', () => {
    const sums = Array.from({ length: 16 }, (_, i) => (i % 3 === 0 ? 0 : i * 1_000_003))
    const ok = encodeFrame({
      type: 'member-refine',
      buckets: [
        { bucket: 3, sums },
        { bucket: 200, sums },
      ],
    })
    expect(decodeFrame(ok)).toMatchObject({ ok: true })
    // 10 of 16 sums are not 0: 1 + 2 + 40 bytes a bucket after the envelope and count.
    expect(ok.length).toBe(2 + 1 + 2 * 43)
    /** [version][type][body bytes…] */
    const raw = (type: number, ...body: number[]) => new Uint8Array([PROTOCOL_VERSION, type, ...body])
    const cases: [string, Uint8Array, string][] = [
      ['no bucket', raw(FrameType.MemberRefine, 0), 'malformed'],
      ['bucket twice', raw(FrameType.MemberRefine, 2, 5, 0, 0, 5, 0, 0), 'malformed'],
      ['buckets out of order', raw(FrameType.MemberRefine, 2, 9, 0, 0, 5, 0, 0), 'malformed'],
      ['more buckets than exist', raw(FrameType.MemberRefine, 0x81, 0x02), 'oversized'],
      ['sums past the end', raw(FrameType.MemberRefine, 1, 5, 0xff, 0xff, 1, 2, 3, 4), 'truncated'],
      ['count past the end', raw(FrameType.MemberRefine, 3, 1, 0, 0), 'truncated'],
      ['ask: no bucket', raw(FrameType.MemberRefineAsk, 0), 'malformed'],
      ['ask: no sub-bucket', raw(FrameType.MemberRefineAsk, 1, 7, 0, 0), 'malformed'],
      ['ask: out of order', raw(FrameType.MemberRefineAsk, 2, 7, 1, 0, 7, 1, 0), 'malformed'],
      ['ask: past the end', raw(FrameType.MemberRefineAsk, 2, 7, 1, 0), 'truncated'],
      ['ask: more buckets than exist', raw(FrameType.MemberRefineAsk, 0x81, 0x02), 'oversized'],
    ]
    for (const [name, bytes, code] of cases)
      expect(decodeFrame(bytes), name).toMatchObject({ ok: false, error: { code } })
    expect(decodeFrame(raw(FrameType.MemberRefineAsk, 2, 7, 1, 0, 255, 0, 0x80))).toEqual({
      ok: true,
      frame: {
        type: 'member-refine-ask',
        asks: [
          { bucket: 7, subs: 1 },
          { bucket: 255, subs: 0x8000 },
        ],
      },
    })
  })

  it('list caps are enforced while decoding', () => {
    const many = Array.from({ length: 20 }, (_, i) => `p${i}`)
    const bytes = encodeFrame({ type: 'shuffle-reply', path: [], entries: many })
    const r = decodeFrame(bytes, { ...DEFAULT_WIRE_LIMITS, maxListItems: 10 })
    expect(r).toMatchObject({ ok: false, error: { code: 'oversized' } })
  })
})
