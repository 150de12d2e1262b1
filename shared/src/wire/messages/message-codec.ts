import type * as encoding from 'lib0/encoding'
import type { Frame } from '../frame'
import type { WireLimits } from '../limits'
import type { Decoder } from '../reader'

/** The paired writer and reader of one frame type. `read` may throw FrameFormatError only. */
export interface MessageCodec<F extends Frame> {
  /** The number in the frame-type table. */
  readonly number: number
  readonly kind: F['type']
  write(enc: encoding.Encoder, frame: F): void
  read(dec: Decoder, limits: WireLimits): F
}
