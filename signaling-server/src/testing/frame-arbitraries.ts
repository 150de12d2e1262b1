/**
 * fast-check generators of client frames: valid ones, valid ones mutated in one place,
 * and arbitrary text, for the fuzz tests.
 *
 *   fc.sample(anyClientText(['r1'], ['a', 'b']), 3)
 */
import fc from 'fast-check'

/** A valid join, signal or leave over a small set of rooms and peers, so frames collide. */
export function validFrame(
  rooms: readonly string[],
  peers: readonly string[],
): fc.Arbitrary<Record<string, unknown>> {
  const room = fc.constantFrom(...rooms)
  const peer = fc.constantFrom(...peers)
  return fc.oneof(
    fc.record({ type: fc.constant('join'), room, peer }),
    fc.record({ type: fc.constant('signal'), room, to: peer, data: fc.jsonValue({ maxDepth: 2 }) }),
    fc.record({ type: fc.constant('leave'), room }),
  )
}

/** A valid frame with one field removed, replaced by any JSON value, or added. */
export function mutatedFrame(rooms: readonly string[], peers: readonly string[]): fc.Arbitrary<unknown> {
  const field = fc.constantFrom('type', 'room', 'peer', 'to', 'data', 'from', 'token', '__proto__')
  return fc
    .tuple(validFrame(rooms, peers), field, fc.jsonValue({ maxDepth: 3 }), fc.boolean())
    .map(([frame, key, value, remove]) => {
      const copy: Record<string, unknown> = { ...frame }
      if (remove) delete copy[key]
      else copy[key] = value
      return copy
    })
}

/** Text a client might send: valid, mutated, random JSON, broken JSON or any string. */
export function anyClientText(rooms: readonly string[], peers: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: validFrame(rooms, peers).map((f) => JSON.stringify(f)) },
    { weight: 3, arbitrary: mutatedFrame(rooms, peers).map((f) => JSON.stringify(f)) },
    { weight: 2, arbitrary: fc.json({ maxDepth: 3 }) },
    {
      weight: 1,
      arbitrary: validFrame(rooms, peers).chain((f) => {
        const text = JSON.stringify(f)
        return fc.nat(text.length).map((n) => text.slice(0, n))
      }),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  )
}
