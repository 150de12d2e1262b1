/** Codecs of the HyParView frames. */
import * as encoding from 'lib0/encoding'
import type {
  DisconnectFrame,
  ForwardJoinFrame,
  JoinFrame,
  NeighborFrame,
  NeighborReplyFrame,
  ShuffleFrame,
  ShuffleReplyFrame,
} from '../frame'
import { FrameType } from '../frame-type'
import { readBool, readPeerId, readUint } from '../reader'
import { readPeerIds, writePeerId, writePeerIds } from './fields'
import type { MessageCodec } from './message-codec'

/** Longest random walk a SHUFFLE may record; bounds the path a reply retraces. */
export const MAX_WALK_PATH = 16

export const joinCodec: MessageCodec<JoinFrame> = {
  number: FrameType.Join,
  kind: 'join',
  write() {},
  read: () => ({ type: 'join' }),
}

export const forwardJoinCodec: MessageCodec<ForwardJoinFrame> = {
  number: FrameType.ForwardJoin,
  kind: 'forward-join',
  write(enc, f) {
    writePeerId(enc, f.joiner)
    encoding.writeVarUint(enc, f.ttl)
  },
  read(dec) {
    const joiner = readPeerId(dec, 'joiner')
    const ttl = readUint(dec)
    return { type: 'forward-join', joiner, ttl }
  },
}

export const neighborCodec: MessageCodec<NeighborFrame> = {
  number: FrameType.Neighbor,
  kind: 'neighbor',
  write(enc, f) {
    encoding.writeUint8(enc, f.high ? 1 : 0)
  },
  read: (dec) => ({ type: 'neighbor', high: readBool(dec) }),
}

export const neighborReplyCodec: MessageCodec<NeighborReplyFrame> = {
  number: FrameType.NeighborReply,
  kind: 'neighbor-reply',
  write(enc, f) {
    encoding.writeUint8(enc, f.accepted ? 1 : 0)
  },
  read: (dec) => ({ type: 'neighbor-reply', accepted: readBool(dec) }),
}

export const disconnectCodec: MessageCodec<DisconnectFrame> = {
  number: FrameType.Disconnect,
  kind: 'disconnect',
  write() {},
  read: () => ({ type: 'disconnect' }),
}

export const shuffleCodec: MessageCodec<ShuffleFrame> = {
  number: FrameType.Shuffle,
  kind: 'shuffle',
  write(enc, f) {
    writePeerIds(enc, f.path)
    encoding.writeVarUint(enc, f.ttl)
    writePeerIds(enc, f.entries)
  },
  read(dec, limits) {
    const path = readPeerIds(dec, MAX_WALK_PATH, 'path')
    const ttl = readUint(dec)
    const entries = readPeerIds(dec, limits.maxListItems, 'entries')
    return { type: 'shuffle', path, ttl, entries }
  },
}

export const shuffleReplyCodec: MessageCodec<ShuffleReplyFrame> = {
  number: FrameType.ShuffleReply,
  kind: 'shuffle-reply',
  write(enc, f) {
    writePeerIds(enc, f.path)
    writePeerIds(enc, f.entries)
  },
  read(dec, limits) {
    const path = readPeerIds(dec, MAX_WALK_PATH, 'path')
    const entries = readPeerIds(dec, limits.maxListItems, 'entries')
    return { type: 'shuffle-reply', path, entries }
  },
}
