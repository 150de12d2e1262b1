/**
 * What can be wrong with a frame that arrived from the network. The decoder returns one
 * of these instead of throwing, so a receive loop drops and counts bad frames and goes on.
 */
export type DecodeErrorCode =
  /** Fewer bytes than the envelope or a field needs. */
  | 'truncated'
  /** Larger than the configured frame cap, or a field longer than its own cap. */
  | 'oversized'
  /** A frame type this peer does not know (a newer peer, or garbage). */
  | 'unknown-type'
  /** A protocol version this peer does not speak. */
  | 'bad-version'
  /** Well-sized but wrong inside: a bad id, an out-of-range enum, trailing bytes. */
  | 'malformed'

export interface DecodeError {
  readonly code: DecodeErrorCode
  readonly detail: string
}

/** Thrown only inside the decoder and caught at its edge; never escapes `decodeFrame`. */
export class FrameFormatError extends Error {
  constructor(
    readonly code: DecodeErrorCode,
    detail: string,
  ) {
    super(detail)
  }
}
