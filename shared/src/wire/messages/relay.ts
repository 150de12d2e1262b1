/** Codec of SIGNAL_RELAY: [origin][to][nonce][ttl u8][data]. */
import * as encoding from 'lib0/encoding'
import type { SignalRelayFrame } from '../frame'
import { FrameType } from '../frame-type'
import { readByte, readBytes, readPeerId, readUint } from '../reader'
import type { MessageCodec } from './message-codec'

export const signalRelayCodec: MessageCodec<SignalRelayFrame> = {
  number: FrameType.SignalRelay,
  kind: 'signal-relay',
  write(enc, f) {
    encoding.writeVarString(enc, f.origin)
    encoding.writeVarString(enc, f.to)
    encoding.writeVarUint(enc, f.nonce)
    encoding.writeUint8(enc, f.ttl)
    encoding.writeVarUint8Array(enc, f.data)
  },
  read(dec, limits) {
    const origin = readPeerId(dec, 'origin')
    const to = readPeerId(dec, 'to')
    const nonce = readUint(dec)
    const ttl = readByte(dec)
    const data = readBytes(dec, limits.maxPayloadBytes, 'signal')
    return { type: 'signal-relay', origin, to, nonce, ttl, data }
  },
}
