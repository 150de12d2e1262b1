/** Codecs of the SWIM frames. Each carries piggybacked membership updates last. */
import * as encoding from 'lib0/encoding'
import type {
  AckFrame,
  MemberDigestFrame,
  MemberGossipFrame,
  NackFrame,
  PingFrame,
  PingReqFrame,
} from '../frame'
import { FrameType } from '../frame-type'
import { readPeerId, readUint } from '../reader'
import { readMemberUpdates, writeMemberUpdates } from './fields'
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
    encoding.writeVarString(enc, f.target)
    writeMemberUpdates(enc, f.members)
  },
  read(dec, limits) {
    const seq = readUint(dec)
    const target = readPeerId(dec, 'target')
    const members = readMemberUpdates(dec, limits)
    return { type: 'ping-req', seq, target, members }
  },
}

export const memberGossipCodec: MessageCodec<MemberGossipFrame> = {
  number: FrameType.MemberGossip,
  kind: 'member-gossip',
  write(enc, f) {
    writeMemberUpdates(enc, f.members)
  },
  read(dec, limits) {
    return { type: 'member-gossip', members: readMemberUpdates(dec, limits) }
  },
}

export const memberDigestCodec: MessageCodec<MemberDigestFrame> = {
  number: FrameType.MemberDigest,
  kind: 'member-digest',
  write(enc, f) {
    encoding.writeVarUint(enc, f.live)
  },
  read: (dec) => ({ type: 'member-digest', live: readUint(dec) }),
}
