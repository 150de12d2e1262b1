/** Codecs of the SWIM frames. Each carries piggybacked membership updates last. */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { FrameFormatError } from '../decode-error'
import type {
  AckFrame,
  MemberDigestFrame,
  MemberGossipFrame,
  MemberSnapshotFrame,
  NackFrame,
  PingFrame,
  PingReqFrame,
} from '../frame'
import { FrameType } from '../frame-type'
import { MAX_DIGEST_BUCKETS } from '../limits'
import { readCount, readPeerId, readUint } from '../reader'
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
    if (dec.arr.length - dec.pos < count * 4)
      throw new FrameFormatError('truncated', 'member digest past end of frame')
    const buckets: number[] = new Array(count)
    for (let i = 0; i < count; i++) buckets[i] = decoding.readUint32(dec)
    return { type: 'member-digest', buckets }
  },
}
