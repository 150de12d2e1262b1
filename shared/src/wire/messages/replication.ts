/** Codecs of the replication frames: update push (Plumtree payload) and anti-entropy digest/diff. */
import * as encoding from 'lib0/encoding'
import type { SyncDiffFrame, SyncDigestFrame, UpdateFrame } from '../frame'
import { FrameType } from '../frame-type'
import { MAX_HOPS } from '../limits'
import { type Decoder, readBool, readBoundedUint, readBytes } from '../reader'
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

export const syncDigestCodec: MessageCodec<SyncDigestFrame> = {
  number: FrameType.SyncDigest,
  kind: 'sync-digest',
  write(enc, f) {
    encoding.writeUint8(enc, f.wantsReply ? 1 : 0)
    encoding.writeVarUint8Array(enc, f.digest)
  },
  read(dec, limits) {
    const wantsReply = readBool(dec)
    const digest = readBytes(dec, limits.maxPayloadBytes, 'digest')
    return { type: 'sync-digest', wantsReply, digest }
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
