/**
 * WebSocket close codes the server uses, so a client can tell why it was dropped.
 * Standard codes from RFC 6455 §7.4.1 and the IANA registry; no private ones are needed.
 *
 *   socket.onclose = (e) => { if (e.code === CLOSE_SERVICE_RESTART) reconnectElsewhere() }
 */

/** Repeated bad, oversized or rate-limited frames: the client is broken or hostile. Do not retry at once. */
export const CLOSE_POLICY_VIOLATION = 1008
/** A frame exceeded the hard size cap (set by `ws` itself, before the frame is read). */
export const CLOSE_TOO_LARGE = 1009
/** The server is shutting down (after a `reconnect` frame): reconnect, to another instance if there is one. */
export const CLOSE_SERVICE_RESTART = 1012
/** A text frame that is not valid UTF-8 (set by `ws`). */
export const CLOSE_INVALID_PAYLOAD = 1007
