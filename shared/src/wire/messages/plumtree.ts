/** Codecs of Plumtree's control frames (the payload push is `updateCodec`). */
import * as encoding from 'lib0/encoding'
import type { GraftFrame, IHaveEntry, IHaveFrame, MessageId, PruneFrame, TreeFrame } from '../frame'
import { FrameType } from '../frame-type'
import { MAX_HOPS, MAX_TREE_DEPTH } from '../limits'
import { readBoundedUint, readCount, readPeerId } from '../reader'
import { readMemberUpdates, readMessageId, writeMemberUpdates, writeMessageId, writePeerId } from './fields'
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

export const treeCodec: MessageCodec<TreeFrame> = {
  number: FrameType.Tree,
  kind: 'tree',
  write(enc, f) {
    writePeerId(enc, f.root)
    encoding.writeVarUint(enc, f.dist)
    encoding.writeVarUint(enc, (f.parent ? 1 : 0) | (f.child ? 2 : 0))
  },
  read(dec) {
    const root = readPeerId(dec, 'root')
    const dist = readBoundedUint(dec, MAX_TREE_DEPTH, 'dist')
    const flags = readBoundedUint(dec, 3, 'flags')
    return { type: 'tree', root, dist, parent: (flags & 1) !== 0, child: (flags & 2) !== 0 }
  },
}
