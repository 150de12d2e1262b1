/**
 * The public face of a joined room: what `joinMesh` resolves to.
 *
 *   const mesh = await joinMesh({ room: 'demo', signaling: 'ws://127.0.0.1:4444' })
 *   mesh.doc.getMap('cells').set('0,0', { by: mesh.id })   // spreads to every peer
 *   mesh.on('members', (members) => render(members))
 *   await mesh.leave()
 */
import type { MemberState, NodeStats, PeerId, RoomId } from '@gossip-mesh/shared'
import type * as Y from 'yjs'
import type { RoomStoreStats } from './persistence/room-store'
import type { SignalingStats } from './signaling/signaling-client'
import type { PeerLinkStats } from './webrtc/peer-links'
import type { SignalRouterStats } from './webrtc/signal-router'

/** A member of the room as this peer currently knows it. */
export interface Member {
  readonly id: PeerId
  readonly state: MemberState
  /** The member's own counter (heartbeat or incarnation): higher is newer. */
  readonly version: number
  /** When this peer saw the state last change (ms since the epoch, by this peer's clock). */
  readonly since: number
  /** The metadata the member published (`meta` option), or undefined if none or unreadable. */
  readonly meta: unknown
  /** True for this peer itself. */
  readonly self: boolean
}

/** Something went wrong that the mesh survived: bad input from the network, a failed connection. */
export interface MeshErrorEvent {
  /** Where it happened. */
  readonly source: 'node' | 'connection' | 'signaling' | 'storage' | 'internal'
  /**
   * Stable within a source, e.g. node `'malformed'`, connection `'bad-chunk'`, signaling
   * `'disconnected'` / `'unreachable'`, storage `'write-failed'` / `'corrupt'` /
   * `'unavailable'` / `'read-failed'` / `'compact-failed'`.
   */
  readonly code: string
  readonly message: string
  /** The peer the bad input came from, when there is one. */
  readonly peer?: PeerId
}

export interface MeshEvents {
  /** Some member changed state or metadata; receives every member. */
  members: (members: Member[]) => void
  /** A data channel opened or closed; receives the open ones. */
  neighbors: (neighbors: PeerId[]) => void
  /** The first anti-entropy exchange completed: this document has caught up with a peer. */
  synced: (event: { with: PeerId }) => void
  error: (event: MeshErrorEvent) => void
  /** A neighbour sent an ephemeral message (`sendEphemeral`); not relayed by the mesh. */
  ephemeral: (event: { from: PeerId; bytes: Uint8Array }) => void
}

export type MeshEventName = keyof MeshEvents

export interface MeshStats extends NodeStats {
  /** Data channels: opened, closed, timed out, chunks, dropped sends. */
  connections: PeerLinkStats
  /** The signaling socket (frames, reconnects, dropped signals) and the signal routes (via the mesh, via the server, duplicates). */
  signaling: SignalingStats & SignalRouterStats
  /** Persistence: keys and bytes written, compactions, corrupt values dropped; undefined when off. */
  persistence: (RoomStoreStats & { failed: boolean }) | undefined
  /** 'error' events emitted, by source. */
  errors: Record<MeshErrorEvent['source'], number>
  /** Times this peer's page was frozen and resumed (Page Lifecycle events), and stalls it noticed by its own clock (a timer that fired `STALL_MS` late or more: a freeze, a suspended machine or process, with or without an event). */
  lifecycle: { freezes: number; resumes: number; stalls: number }
}

export interface Mesh {
  readonly id: PeerId
  readonly room: RoomId
  /** The document shared by the room. Edit it as any Y.Doc; edits spread to every peer. */
  readonly doc: Y.Doc
  /** True once the first anti-entropy exchange with a neighbour completed. */
  readonly synced: boolean
  /** The document was restored from persisted state (and joinMesh did not wait for signaling). */
  readonly restored: boolean
  /** Welcomed by the signaling server right now. The mesh works without it once connected. */
  readonly online: boolean
  /** Ids of peers with an open data channel. */
  neighbors(): PeerId[]
  /** Members as this peer knows them, itself included. */
  members(): Member[]
  stats(): MeshStats
  on<E extends MeshEventName>(event: E, listener: MeshEvents[E]): () => void
  off<E extends MeshEventName>(event: E, listener: MeshEvents[E]): void
  /**
   * Resolves once every update of the document so far is durable in storage. Rejects
   * when persistence failed (after its 'error' event). Resolves at once when off.
   */
  flush(): Promise<void>
  /** Replace this peer's metadata (JSON, at most 512 bytes); throws a MeshOptionsError otherwise. */
  setMeta(meta: unknown): void
  /**
   * Send bytes to neighbours over the data channels, beside the protocol: for ephemeral
   * state such as awareness. Best-effort; receivers get an 'ephemeral' event and decide
   * whether to pass it on. Default: every neighbour; `to` one of them; `except` skips one.
   */
  sendEphemeral(bytes: Uint8Array, options?: { to?: PeerId; except?: PeerId }): void
  /** Tell the room we leave, close every connection. Idempotent. Local edits after it stay local. */
  leave(): Promise<void>
}
