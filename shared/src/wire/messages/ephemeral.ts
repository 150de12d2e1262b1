/** Codec of EPHEMERAL: [kind u8][payload varbytes], payload capped by `maxEphemeralBytes`. */
import * as encoding from 'lib0/encoding'
import type { EphemeralFrame } from '../frame'
import { FrameType } from '../frame-type'
import { readByte, readBytes } from '../reader'
import type { MessageCodec } from './message-codec'

export const ephemeralCodec: MessageCodec<EphemeralFrame> = {
  number: FrameType.Ephemeral,
  kind: 'ephemeral',
  write(enc, f) {
    encoding.writeUint8(enc, f.kind)
    encoding.writeVarUint8Array(enc, f.payload)
  },
  read(dec, limits) {
    const kind = readByte(dec)
    const payload = readBytes(dec, limits.maxEphemeralBytes, 'ephemeral payload')
    return { type: 'ephemeral', kind, payload }
  },
}
