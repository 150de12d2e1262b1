import { describe, expect, it } from 'vitest'
import { encodeSideMessage, parseSideMessage, SIDE_CHANNEL_MARKER, SideKind } from './side-channel'

describe('side channel', () => {
  it('round-trips an ephemeral message', () => {
    const payload = new Uint8Array([1, 2, 3])
    const parsed = parseSideMessage(encodeSideMessage(SideKind.Ephemeral, payload))
    expect(parsed?.kind).toBe(SideKind.Ephemeral)
    expect([...(parsed?.payload ?? [])]).toEqual([1, 2, 3])
  })

  it('leaves protocol frames (first byte: the protocol version) alone', () => {
    expect(parseSideMessage(new Uint8Array([1, 5, 0]))).toBeUndefined()
    expect(parseSideMessage(new Uint8Array([SIDE_CHANNEL_MARKER]))).toBeUndefined()
  })
})
