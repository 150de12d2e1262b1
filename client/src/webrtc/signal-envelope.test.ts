import { describe, expect, it } from 'vitest'
import { isInitiator, parseSignalEnvelope } from './signal-envelope'

describe('parseSignalEnvelope', () => {
  it('accepts requests, offers, answers and candidates', () => {
    expect(parseSignalEnvelope({ kind: 'request' })).toEqual({ ok: true, envelope: { kind: 'request' } })
    expect(parseSignalEnvelope({ kind: 'rtc', attempt: 'a1', data: { type: 'offer', sdp: 'v=0' } })).toEqual({
      ok: true,
      envelope: { kind: 'rtc', attempt: 'a1', data: { type: 'offer', sdp: 'v=0' } },
    })
    const candidate = {
      candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host',
      sdpMid: '0',
      sdpMLineIndex: 0,
    }
    expect(
      parseSignalEnvelope({ kind: 'rtc', attempt: 'a1', data: { type: 'candidate', candidate } }),
    ).toEqual({
      ok: true,
      envelope: { kind: 'rtc', attempt: 'a1', data: { type: 'candidate', candidate } },
    })
  })

  it.each([
    null,
    'x',
    [],
    {},
    { kind: 'rtc' },
    { kind: 'rtc', attempt: '', data: { type: 'offer', sdp: '' } },
    { kind: 'rtc', attempt: 'x'.repeat(33), data: { type: 'offer', sdp: '' } },
    { kind: 'rtc', attempt: 'a', data: { type: 'offer' } },
    { kind: 'rtc', attempt: 'a', data: { type: 'offer', sdp: 'x'.repeat(20_000) } },
    { kind: 'rtc', attempt: 'a', data: { type: 'renegotiate', renegotiate: true } },
    { kind: 'rtc', attempt: 'a', data: { type: 'candidate', candidate: null } },
    { kind: 'rtc', attempt: 'a', data: { type: 'candidate', candidate: { candidate: 5 } } },
  ])('rejects %j without throwing', (data) => {
    expect(parseSignalEnvelope(data).ok).toBe(false)
  })

  it('keeps only well-typed candidate fields', () => {
    const parsed = parseSignalEnvelope({
      kind: 'rtc',
      attempt: 'a',
      data: { type: 'candidate', candidate: { candidate: 'c', sdpMid: 7, sdpMLineIndex: -1, extra: 'x' } },
    })
    expect(parsed).toEqual({
      ok: true,
      envelope: {
        kind: 'rtc',
        attempt: 'a',
        data: { type: 'candidate', candidate: { candidate: 'c', sdpMid: null, sdpMLineIndex: null } },
      },
    })
  })
})

describe('isInitiator', () => {
  it('picks exactly one side of every pair', () => {
    expect(isInitiator('a', 'b')).toBe(true)
    expect(isInitiator('b', 'a')).toBe(false)
  })
})
