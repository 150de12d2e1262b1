/** Codecs of the SWIM frames. Each carries piggybacked membership updates last. */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { FrameFormatError } from '../decode-error'
import type {
  AckFrame,
  MemberDigestFrame,
  MemberGossipFrame,
  MemberRefineAskFrame,
  MemberRefineFrame,
  MemberSnapshotFrame,
  NackFrame,
  PingFrame,
  PingReqFrame,
  RefinedBucket,
  SubBucketAsk,
} from '../frame'
import { FrameType } from '../frame-type'
import { DIGEST_SUB_BUCKETS, MAX_DIGEST_BUCKETS } from '../limits'
import { readByte, readCount, readPeerId, readUint, remaining } from '../reader'
import { readMemberUpdates, writeMemberUpdates, writePeerId } from './fields'
import type { MessageCodec } from './message-codec'

function seqCodec<F extends PingFrame | AckFrame | NackFrame>(
  number: number,
  kind: F['type'],
): MessageCodec<F> {
  return {
    number,
    kind,
    write(enc, f) {
      encoding.writeVarUint(enc, f.seq)
      writeMemberUpdates(enc, f.members)
    },
    read(dec, limits) {
      const seq = readUint(dec)
      const members = readMemberUpdates(dec, limits)
      return { type: kind, seq, members } as unknown as F
    },
  }
}

export const pingCodec = seqCodec<PingFrame>(FrameType.Ping, 'ping')
export const ackCodec = seqCodec<AckFrame>(FrameType.Ack, 'ack')
export const nackCodec = seqCodec<NackFrame>(FrameType.Nack, 'nack')

export const pingReqCodec: MessageCodec<PingReqFrame> = {
  number: FrameType.PingReq,
  kind: 'ping-req',
  write(enc, f) {
    encoding.writeVarUint(enc, f.seq)
    writePeerId(enc, f.target)
    writeMemberUpdates(enc, f.members)
  },
  read(dec, limits) {
    const seq = readUint(dec)
    const target = readPeerId(dec, 'target')
    const members = readMemberUpdates(dec, limits)
    return { type: 'ping-req', seq, target, members }
  },
}

/** Frames that are a list of member records and nothing else. */
function membersCodec<F extends MemberGossipFrame | MemberSnapshotFrame>(
  number: number,
  kind: F['type'],
): MessageCodec<F> {
  return {
    number,
    kind,
    write(enc, f) {
      writeMemberUpdates(enc, f.members)
    },
    read(dec, limits) {
      return { type: kind, members: readMemberUpdates(dec, limits) } as unknown as F
    },
  }
}

export const memberGossipCodec = membersCodec<MemberGossipFrame>(FrameType.MemberGossip, 'member-gossip')
export const memberSnapshotCodec = membersCodec<MemberSnapshotFrame>(
  FrameType.MemberSnapshot,
  'member-snapshot',
)

export const memberDigestCodec: MessageCodec<MemberDigestFrame> = {
  number: FrameType.MemberDigest,
  kind: 'member-digest',
  write(enc, f) {
    encoding.writeVarUint(enc, f.buckets.length)
    for (const b of f.buckets) encoding.writeUint32(enc, b)
  },
  read(dec) {
    const count = readCount(dec, MAX_DIGEST_BUCKETS, 'member digest')
    if (count === 0 || (count & (count - 1)) !== 0)
      throw new FrameFormatError('malformed', `member digest has ${count} buckets, not a power of two`)
    if (remaining(dec) < count * 4) throw new FrameFormatError('truncated', 'member digest past end of frame')
    const buckets: number[] = new Array(count)
    for (let i = 0; i < count; i++) buckets[i] = decoding.readUint32(dec)
    return { type: 'member-digest', buckets }
  },
}

/**
 * A refinement or an ask lists fine buckets (one byte each, 0 to 255) in strictly
 * increasing order, so a list holds each bucket once and at most 256 entries; an empty
 * list means nothing and is refused too.
 */
function readBucketCount(dec: decoding.Decoder, field: string, entryBytes: number): number {
  const count = readCount(dec, MAX_DIGEST_BUCKETS, field)
  if (count === 0) throw new FrameFormatError('malformed', `${field} lists no bucket`)
  if (remaining(dec) < count * entryBytes)
    throw new FrameFormatError('truncated', `${field} past end of frame`)
  return count
}

function readBucketIndex(dec: decoding.Decoder, previous: number, field: string): number {
  const bucket = readByte(dec)
  if (bucket <= previous)
    throw new FrameFormatError('malformed', `${field} bucket ${bucket} after ${previous}: not increasing`)
  return bucket
}

/**
 * MEMBER_REFINE: per bucket its index, a u16 of the sub-sums that are not 0, and those
 * sums (u32 each). An empty sub-bucket sums to 0, and at 3,000 members half of them are
 * empty: 36 bytes a bucket instead of 65.
 */
export const memberRefineCodec: MessageCodec<MemberRefineFrame> = {
  number: FrameType.MemberRefine,
  kind: 'member-refine',
  write(enc, f) {
    encoding.writeVarUint(enc, f.buckets.length)
    for (const { bucket, sums } of f.buckets) {
      encoding.writeUint8(enc, bucket)
      let present = 0
      for (let i = 0; i < DIGEST_SUB_BUCKETS; i++) if ((sums[i] ?? 0) !== 0) present |= 1 << i
      encoding.writeUint16(enc, present)
      for (let i = 0; i < DIGEST_SUB_BUCKETS; i++)
        if ((present >>> i) & 1) encoding.writeUint32(enc, sums[i] as number)
    }
  },
  read(dec) {
    const count = readBucketCount(dec, 'member refine', 3)
    const buckets: RefinedBucket[] = new Array(count)
    let previous = -1
    for (let k = 0; k < count; k++) {
      const bucket = readBucketIndex(dec, previous, 'member refine')
      if (remaining(dec) < 2) throw new FrameFormatError('truncated', 'member refine past end of frame')
      const present = decoding.readUint16(dec)
      const sums: number[] = new Array(DIGEST_SUB_BUCKETS).fill(0)
      for (let i = 0; i < DIGEST_SUB_BUCKETS; i++) {
        if (((present >>> i) & 1) === 0) continue
        if (remaining(dec) < 4) throw new FrameFormatError('truncated', 'member refine past end of frame')
        sums[i] = decoding.readUint32(dec)
      }
      buckets[k] = { bucket, sums }
      previous = bucket
    }
    return { type: 'member-refine', buckets }
  },
}

export const memberRefineAskCodec: MessageCodec<MemberRefineAskFrame> = {
  number: FrameType.MemberRefineAsk,
  kind: 'member-refine-ask',
  write(enc, f) {
    encoding.writeVarUint(enc, f.asks.length)
    for (const { bucket, subs } of f.asks) {
      encoding.writeUint8(enc, bucket)
      encoding.writeUint16(enc, subs)
    }
  },
  read(dec) {
    const count = readBucketCount(dec, 'member refine ask', 3)
    const asks: SubBucketAsk[] = new Array(count)
    let previous = -1
    for (let k = 0; k < count; k++) {
      const bucket = readBucketIndex(dec, previous, 'member refine ask')
      const subs = decoding.readUint16(dec)
      if (subs === 0)
        throw new FrameFormatError('malformed', `member refine ask names no sub-bucket of ${bucket}`)
      asks[k] = { bucket, subs }
      previous = bucket
    }
    return { type: 'member-refine-ask', asks }
  },
}
