/**
 * Encoding and decoding of peer-to-peer frames.
 *
 * Envelope: [protocol version: u8][frame type: u8][body]. The body layout of each type
 * lives in `messages/`. `decodeFrame` never throws: it returns a typed error that the
 * receiver counts and drops.
 *
 *   const bytes = encodeFrame({ type: 'sync-diff', diff })
 *   const result = decodeFrame(bytes)
 *   if (result.ok) handle(result.frame)
 *   else stats.dropped(result.error.code)
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { type DecodeError, FrameFormatError } from './decode-error'
import type { Frame } from './frame'
import { PROTOCOL_VERSION } from './frame-type'
import { DEFAULT_WIRE_LIMITS, type WireLimits } from './limits'
import { ephemeralCodec } from './messages/ephemeral'
import type { MessageCodec } from './messages/message-codec'
import {
  disconnectCodec,
  forwardJoinCodec,
  joinCodec,
  neighborCodec,
  neighborReplyCodec,
  shuffleCodec,
  shuffleReplyCodec,
} from './messages/overlay'
import { graftCodec, ihaveCodec, pruneCodec, treeCodec } from './messages/plumtree'
import { signalRelayCodec } from './messages/relay'
import { syncDiffCodec, syncDigestCodec, updateCodec } from './messages/replication'
import {
  ackCodec,
  memberDigestCodec,
  memberGossipCodec,
  memberRefineAskCodec,
  memberRefineCodec,
  memberSnapshotCodec,
  nackCodec,
  pingCodec,
  pingReqCodec,
} from './messages/swim'

// biome-ignore lint/suspicious/noExplicitAny: a heterogeneous table; each entry is typed where it is defined.
const CODECS: readonly MessageCodec<any>[] = [
  updateCodec,
  syncDigestCodec,
  syncDiffCodec,
  pingCodec,
  ackCodec,
  pingReqCodec,
  nackCodec,
  memberGossipCodec,
  joinCodec,
  forwardJoinCodec,
  neighborCodec,
  neighborReplyCodec,
  disconnectCodec,
  shuffleCodec,
  shuffleReplyCodec,
  ihaveCodec,
  graftCodec,
  pruneCodec,
  memberDigestCodec,
  signalRelayCodec,
  ephemeralCodec,
  memberSnapshotCodec,
  memberRefineCodec,
  memberRefineAskCodec,
  treeCodec,
]

// biome-ignore lint/suspicious/noExplicitAny: see CODECS.
const BY_NUMBER = new Map<number, MessageCodec<any>>(CODECS.map((c) => [c.number, c]))
// biome-ignore lint/suspicious/noExplicitAny: see CODECS.
const BY_KIND = new Map<string, MessageCodec<any>>(CODECS.map((c) => [c.kind, c]))

export type DecodeResult =
  | { readonly ok: true; readonly frame: Frame }
  | { readonly ok: false; readonly error: DecodeError }

/** A buffer grown past this by a big frame (a snapshot, a diff) is not kept. */
const KEEP_BYTES = 64 * 1024
/**
 * One encoder serves every frame: a fresh lib0 encoder per frame starts at 100 bytes and
 * grows by chunks that are then concatenated, which was ~15% of a 10,000-peer simulation.
 * Reused, a frame is written into one buffer and copied out once. Encoding is synchronous;
 * a codec that encoded a frame inside a frame would find it busy and get a fresh one.
 */
const shared = encoding.createEncoder()
shared.cbuf = new Uint8Array(KEEP_BYTES)
let sharedBusy = false

export function encodeFrame(frame: Frame): Uint8Array {
  const codec = BY_KIND.get(frame.type)
  if (codec === undefined) throw new Error(`no codec for frame type ${frame.type}`)
  if (sharedBusy) return encodeWith(encoding.createEncoder(), codec, frame)
  sharedBusy = true
  try {
    return encodeWith(shared, codec, frame)
  } finally {
    shared.cpos = 0
    shared.bufs.length = 0
    if (shared.cbuf.length > KEEP_BYTES) shared.cbuf = new Uint8Array(KEEP_BYTES)
    sharedBusy = false
  }
}

// biome-ignore lint/suspicious/noExplicitAny: see CODECS.
function encodeWith(enc: encoding.Encoder, codec: MessageCodec<any>, frame: Frame): Uint8Array {
  encoding.writeUint8(enc, PROTOCOL_VERSION)
  encoding.writeUint8(enc, codec.number)
  codec.write(enc, frame)
  return enc.bufs.length === 0 ? enc.cbuf.slice(0, enc.cpos) : encoding.toUint8Array(enc)
}

export function decodeFrame(bytes: Uint8Array, limits: WireLimits = DEFAULT_WIRE_LIMITS): DecodeResult {
  if (bytes.length > limits.maxFrameBytes) {
    return fail('oversized', `frame is ${bytes.length} bytes, cap ${limits.maxFrameBytes}`)
  }
  if (bytes.length < 2) return fail('truncated', 'frame shorter than its envelope')
  if (bytes[0] !== PROTOCOL_VERSION) return fail('bad-version', `protocol version ${bytes[0]}`)
  const codec = BY_NUMBER.get(bytes[1] as number)
  if (codec === undefined) return fail('unknown-type', `frame type ${bytes[1]}`)
  const dec = decoding.createDecoder(bytes)
  dec.pos = 2
  try {
    const frame = codec.read(dec, limits) as Frame
    if (dec.pos !== bytes.length) return fail('malformed', `${bytes.length - dec.pos} trailing bytes`)
    return { ok: true, frame }
  } catch (err) {
    if (err instanceof FrameFormatError) return fail(err.code, err.message)
    // lib0 throws plain Errors on reads past the end; anything else is still the peer's fault.
    return fail('truncated', err instanceof Error ? err.message : String(err))
  }
}

function fail(code: DecodeError['code'], detail: string): DecodeResult {
  return { ok: false, error: { code, detail } }
}
