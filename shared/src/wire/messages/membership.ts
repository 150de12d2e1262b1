/** Codec of the skeleton's heartbeat membership frame. */
import * as encoding from 'lib0/encoding'
import { FrameFormatError } from '../decode-error'
import { type MemberRecord, type MemberState, MemberStateCode, type MembershipFrame } from '../frame'
import { FrameType } from '../frame-type'
import { readByte, readBytes, readCount, readPeerId, readUint } from '../reader'
import type { MessageCodec } from './message-codec'

const STATE_BY_CODE = Object.keys(MemberStateCode) as MemberState[]

export const membershipCodec: MessageCodec<MembershipFrame> = {
  number: FrameType.Membership,
  kind: 'membership',
  write(enc, f) {
    encoding.writeVarUint(enc, f.records.length)
    for (const r of f.records) {
      encoding.writeVarString(enc, r.id)
      encoding.writeUint8(enc, MemberStateCode[r.state])
      encoding.writeVarUint(enc, r.heartbeat)
      encoding.writeVarUint8Array(enc, r.meta)
    }
  },
  read(dec, limits) {
    const count = readCount(dec, limits.maxListItems, 'members')
    const records: MemberRecord[] = []
    for (let i = 0; i < count; i++) {
      const id = readPeerId(dec, 'member id')
      const state = STATE_BY_CODE[readByte(dec)]
      if (state === undefined) throw new FrameFormatError('malformed', 'unknown member state')
      const heartbeat = readUint(dec)
      const meta = readBytes(dec, limits.maxMetaBytes, 'member meta')
      records.push({ id, state, heartbeat, meta })
    }
    return { type: 'membership', records }
  },
}
