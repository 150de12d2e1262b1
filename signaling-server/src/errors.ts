/**
 * Errors the signaling server throws at its caller. Only API misuse throws (a bad option,
 * a port already in use, an unreachable Redis); anything a client sends is answered with an error frame instead.
 *
 *   try { await createSignalingServer({ port: -1 }) }
 *   catch (e) { if (e instanceof SignalingServerError && e.code === 'ERR_BAD_OPTION') … }
 */

/** Stable codes a caller can branch on. Only append. */
export type SignalingServerErrorCode = 'ERR_BAD_OPTION' | 'ERR_LISTEN' | 'ERR_REDIS'

export class SignalingServerError extends Error {
  override readonly name = 'SignalingServerError'
  constructor(
    readonly code: SignalingServerErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}
