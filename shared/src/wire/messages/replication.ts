/** Codecs of the replication frames: update push (Plumtree payload) and anti-entropy digest/diff. */
import * as encoding from 'lib0/encoding'
import { FrameFormatError } from '../decode-error'
import type { SyncDiffFrame, SyncDigestFrame, UpdateFrame } from '../frame'
import { FrameType } from '../frame-type'
import { MAX_HOPS } from '../limits'
import { type Decoder, readBoundedUint, readByte, readBytes } from '../reader'
import { readMessageId, writeMessageId } from './fields'
import type { MessageCodec } from './message-codec'

export const updateCodec: MessageCodec<UpdateFrame> = {
  number: FrameType.Update,
  kind: 'update',
  write(enc, f) {
    writeMessageId(enc, f)
    encoding.writeVarUint(enc, f.hops)
    encoding.writeVarUint8Array(enc, f.payload)
  },
  read(dec: Decoder, limits) {
    const { origin, session, seq } = readMessageId(dec)
    const hops = readBoundedUint(dec, MAX_HOPS, 'hops')
    const payload = readBytes(dec, limits.maxPayloadBytes, 'payload')
    return { type: 'update', origin, session, seq, hops, payload }
  },
}

/** Flag bits of a sync digest (one byte). */
const WANTS_REPLY = 1
const ROUTINE = 2

export const syncDigestCodec: MessageCodec<SyncDigestFrame> = {
  number: FrameType.SyncDigest,
  kind: 'sync-digest',
  write(enc, f) {
    encoding.writeUint8(enc, (f.wantsReply ? WANTS_REPLY : 0) | (f.routine ? ROUTINE : 0))
    encoding.writeVarUint8Array(enc, f.digest)
  },
  read(dec, limits) {
    const flags = readByte(dec)
    if (flags > (WANTS_REPLY | ROUTINE))
      throw new FrameFormatError('malformed', `sync digest flags ${flags} unknown`)
    const digest = readBytes(dec, limits.maxPayloadBytes, 'digest')
    return {
      type: 'sync-digest',
      wantsReply: (flags & WANTS_REPLY) !== 0,
      routine: (flags & ROUTINE) !== 0,
      digest,
    }
  },
}

export const syncDiffCodec: MessageCodec<SyncDiffFrame> = {
  number: FrameType.SyncDiff,
  kind: 'sync-diff',
  write(enc, f) {
    encoding.writeVarUint8Array(enc, f.diff)
  },
  read(dec, limits) {
    return { type: 'sync-diff', diff: readBytes(dec, limits.maxPayloadBytes, 'diff') }
  },
}
