/**
 * What two peers say to each other through the signaling server to open a data channel.
 * The server relays `data` opaquely, so this module validates everything it reads.
 *
 *   { kind: 'request' }                       "please connect to me" (from the higher id)
 *   { kind: 'rtc', attempt, data }            an SDP offer/answer or ICE candidate
 *
 * The lower id of a pair always initiates (glare-free by construction); the higher id
 * asks with a request. `attempt` names one initiator's try, so signals from an older,
 * abandoned attempt are recognised and dropped instead of confusing the new one.
 *
 *   const parsed = parseSignalEnvelope(frame.data)
 *   if (!parsed.ok) report(parsed.reason)
 */
import type { PeerId } from '@gossip-mesh/shared'

/** The WebRTC signals simple-peer exchanges for a data-channel-only connection. */
export type RtcSignal =
  | { readonly type: 'offer' | 'answer'; readonly sdp: string }
  | {
      readonly type: 'candidate'
      readonly candidate: {
        readonly candidate: string
        readonly sdpMid?: string | null
        readonly sdpMLineIndex?: number | null
      }
    }

export type SignalEnvelope =
  | { readonly kind: 'request' }
  | { readonly kind: 'rtc'; readonly attempt: string; readonly data: RtcSignal }

const MAX_ATTEMPT_LENGTH = 32
/** SDP for one data channel is ~1 KiB; 16 KiB leaves room and still fits the signaling frame cap. */
const MAX_SDP_LENGTH = 16 * 1024
const MAX_CANDIDATE_LENGTH = 1024

export type ParsedEnvelope =
  | { readonly ok: true; readonly envelope: SignalEnvelope }
  | { readonly ok: false; readonly reason: string }

const fail = (reason: string): ParsedEnvelope => ({ ok: false, reason })

export function parseSignalEnvelope(data: unknown): ParsedEnvelope {
  if (typeof data !== 'object' || data === null) return fail('signal is not an object')
  const d = data as Record<string, unknown>
  if (d.kind === 'request') return { ok: true, envelope: { kind: 'request' } }
  if (d.kind !== 'rtc') return fail('signal kind must be request or rtc')
  if (typeof d.attempt !== 'string' || d.attempt.length === 0 || d.attempt.length > MAX_ATTEMPT_LENGTH) {
    return fail('rtc signal needs an attempt id')
  }
  const rtc = parseRtcSignal(d.data)
  if (rtc === undefined) return fail('rtc signal data is not an offer, answer or candidate')
  return { ok: true, envelope: { kind: 'rtc', attempt: d.attempt, data: rtc } }
}

function parseRtcSignal(data: unknown): RtcSignal | undefined {
  if (typeof data !== 'object' || data === null) return undefined
  const d = data as Record<string, unknown>
  if (d.type === 'offer' || d.type === 'answer') {
    if (typeof d.sdp !== 'string' || d.sdp.length > MAX_SDP_LENGTH) return undefined
    return { type: d.type, sdp: d.sdp }
  }
  if (d.type === 'candidate') {
    const c = d.candidate as Record<string, unknown> | null | undefined
    if (typeof c !== 'object' || c === null) return undefined
    if (typeof c.candidate !== 'string' || c.candidate.length > MAX_CANDIDATE_LENGTH) return undefined
    const sdpMid = typeof c.sdpMid === 'string' ? c.sdpMid : null
    const index = c.sdpMLineIndex
    const sdpMLineIndex = typeof index === 'number' && Number.isInteger(index) && index >= 0 ? index : null
    return {
      type: 'candidate',
      candidate: { candidate: c.candidate, sdpMid, sdpMLineIndex },
    }
  }
  return undefined
}

/** Which side of a pair initiates: always the lower id, so both sides agree without talking. */
export function isInitiator(self: PeerId, other: PeerId): boolean {
  return self < other
}
