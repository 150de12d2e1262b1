/** Codecs of Plumtree's control frames (the payload push is `updateCodec`). */
import * as encoding from 'lib0/encoding'
import type { GraftFrame, IHaveEntry, IHaveFrame, MessageId, PruneFrame } from '../frame'
import { FrameType } from '../frame-type'
import { MAX_HOPS } from '../limits'
import { readBoundedUint, readCount } from '../reader'
import { readMemberUpdates, readMessageId, writeMemberUpdates, writeMessageId } from './fields'
import type { MessageCodec } from './message-codec'

export const ihaveCodec: MessageCodec<IHaveFrame> = {
  number: FrameType.IHave,
  kind: 'ihave',
  write(enc, f) {
    encoding.writeVarUint(enc, f.ids.length)
    for (const id of f.ids) {
      writeMessageId(enc, id)
      encoding.writeVarUint(enc, id.hops)
    }
    writeMemberUpdates(enc, f.members)
  },
  read(dec, limits) {
    const count = readCount(dec, limits.maxListItems, 'ids')
    const ids: IHaveEntry[] = []
    for (let i = 0; i < count; i++) {
      const id = readMessageId(dec)
      ids.push({ ...id, hops: readBoundedUint(dec, MAX_HOPS, 'hops') })
    }
    const members = readMemberUpdates(dec, limits)
    return { type: 'ihave', ids, members }
  },
}

export const graftCodec: MessageCodec<GraftFrame> = {
  number: FrameType.Graft,
  kind: 'graft',
  write(enc, f) {
    encoding.writeVarUint(enc, f.ids.length)
    for (const id of f.ids) writeMessageId(enc, id)
  },
  read(dec, limits) {
    const count = readCount(dec, limits.maxListItems, 'ids')
    const ids: MessageId[] = []
    for (let i = 0; i < count; i++) ids.push(readMessageId(dec))
    return { type: 'graft', ids }
  },
}

export const pruneCodec: MessageCodec<PruneFrame> = {
  number: FrameType.Prune,
  kind: 'prune',
  write() {},
  read: () => ({ type: 'prune' }),
}
