import type { PeerId } from '@gossip-mesh/shared'
import { describe, expect, it } from 'vitest'
import { AWARENESS_TAG, decodeAwarenessFrame, encodeAwarenessFrame } from './awareness-frame'

describe('awareness frame', () => {
  const owners: [number, { peer: PeerId; version: number }][] = [
    [1, { peer: 'p-a' as PeerId, version: 0 }],
    [2 ** 31, { peer: 'p-ü' as PeerId, version: 2 ** 32 - 1 }],
  ]
  const update = new Uint8Array([1, 2, 3, 4])

  it('round-trips owners and update; reads the first version’s frames; ignores other kinds', () => {
    expect(decodeAwarenessFrame(encodeAwarenessFrame(owners, update))).toEqual({ ok: true, owners, update })
    expect(decodeAwarenessFrame(new Uint8Array([AWARENESS_TAG, 9, 9]))).toEqual({
      ok: true,
      owners: [],
      update: new Uint8Array([9, 9]),
    })
    expect(decodeAwarenessFrame(new Uint8Array([7, 1, 2]))).toBeUndefined()
  })

  it('every truncation, a trailing byte and a lying count are malformed, never thrown', () => {
    const bytes = encodeAwarenessFrame(owners, update)
    for (let end = 1; end < bytes.length; end++)
      expect(decodeAwarenessFrame(bytes.subarray(0, end))?.ok, `cut at ${end}`).toBe(false)
    expect(decodeAwarenessFrame(new Uint8Array([...bytes, 0]))?.ok).toBe(false)
    expect(decodeAwarenessFrame(new Uint8Array([2, 0xff, 0xff, 0xff, 0xff, 0x0f]))).toEqual({
      ok: false,
      reason: 'owner count past the end',
    })
  })
})
