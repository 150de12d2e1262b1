/**
 * Errors the client throws. It throws only when the API is misused (bad options, a call
 * after `leave()`) or when joining fails; trouble that arrives from the network is
 * reported as an `'error'` event instead (see `MeshErrorEvent`).
 *
 *   try { await joinMesh({ room: 'a b', signaling }) }
 *   catch (err) { if (err instanceof MeshError && err.code === 'GM_ERR_INVALID_OPTION') ... }
 */

/** Stable codes to branch on; messages may change, codes do not. Only append. */
export type MeshErrorCode =
  /** An option is missing, of the wrong type or out of range; `field` names it. */
  | 'GM_ERR_INVALID_OPTION'
  /** The signaling server could not be reached or refused the join. */
  | 'GM_ERR_JOIN_FAILED'
  /** The signaling server did not welcome this peer in time. */
  | 'GM_ERR_JOIN_TIMEOUT'
  /** No WebRTC or WebSocket implementation is available on this platform. */
  | 'GM_ERR_UNSUPPORTED_PLATFORM'

export class MeshError extends Error {
  constructor(
    readonly code: MeshErrorCode,
    message: string,
  ) {
    super(message)
    this.name = new.target.name
  }
}

/** An option failed validation. */
export class MeshOptionsError extends MeshError {
  constructor(
    /** Dotted path of the bad option, e.g. `'node.maxNeighbors'`. */
    readonly field: string,
    message: string,
  ) {
    super('GM_ERR_INVALID_OPTION', `invalid option ${field}: ${message}`)
  }
}

/** Joining the room failed: `code` says whether it was refused or timed out. */
export class MeshJoinError extends MeshError {
  constructor(code: 'GM_ERR_JOIN_FAILED' | 'GM_ERR_JOIN_TIMEOUT', message: string) {
    super(code, message)
  }
}

/** The platform lacks WebRTC or WebSocket and none was passed in the options. */
export class MeshPlatformError extends MeshError {
  constructor(message: string) {
    super('GM_ERR_UNSUPPORTED_PLATFORM', message)
  }
}
