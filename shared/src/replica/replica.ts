/**
 * What the node disseminates: any state that can summarise itself, say what another copy
 * lacks, and merge what it is sent. A Yjs document implements it (`yjs-replica.ts`);
 * the simulator uses a lighter set of update ids (`id-set-replica.ts`).
 *
 * All three operations are synchronous and pure in-memory, which keeps the node sans-IO.
 */
export interface Replica {
  /** A compact summary of what this copy holds (for Yjs: state vector + delete-set hash). */
  digest(): Uint8Array
  /**
   * What a copy with `remoteDigest` lacks, or null when it lacks nothing. Returns
   * `{ ok: false }` when the digest cannot be parsed (bad input from a peer).
   */
  diff(remoteDigest: Uint8Array): ReplicaResult<Uint8Array | null>
  /** Merge an update or diff. `changed` is false when it held nothing new. */
  apply(update: Uint8Array): ReplicaResult<{ changed: boolean }>
  /**
   * Whether a copy with `remoteDigest` holds everything this copy held when `digest()`
   * returned `pastDigest`. Anti-entropy's periodic rounds use it to leave out what arrived
   * in the last moments (the broadcast tree is still delivering it) instead of sending it
   * a second time. Optional: without it every round sends the whole diff.
   */
  holdsAllOf?(remoteDigest: Uint8Array, pastDigest: Uint8Array): ReplicaResult<boolean>
}

export type ReplicaResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: string }
