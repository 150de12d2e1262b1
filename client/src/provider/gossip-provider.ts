/**
 * A Yjs provider shaped like y-webrtc's `WebrtcProvider`, so switching is one line:
 *
 *   // import { WebrtcProvider } from 'y-webrtc'
 *   // const provider = new WebrtcProvider('notes', ydoc, { signaling: ['ws://127.0.0.1:4444'] })
 *   import { GossipProvider } from '@gossip-mesh/client'
 *   const provider = new GossipProvider('notes', ydoc, { signaling: ['ws://127.0.0.1:4444'] })
 *
 *   provider.awareness.setLocalStateField('user', { name: 'Ada' })  // cursors (y-codemirror, y-prosemirror…)
 *   provider.on('status', ({ connected }) => …)
 *   provider.on('synced', ({ synced }) => …)
 *   provider.on('peers', ({ added, removed, webrtcPeers }) => …)
 *   provider.disconnect(); provider.connect(); provider.destroy()
 *
 * Underneath is one `joinMesh` per connect: the document travels through the mesh's
 * dissemination and anti-entropy, awareness as ephemeral neighbour messages
 * (awareness-relay.ts). `password` separates the room (room-password.ts); it does not
 * encrypt end to end.
 */
import type { PeerId } from '@gossip-mesh/shared'
import { ObservableV2 } from 'lib0/observable'
import * as awarenessProtocol from 'y-protocols/awareness'
import type * as Y from 'yjs'
import { MeshOptionsError } from '../errors'
import { joinMesh } from '../join-mesh'
import type { Mesh, MeshErrorEvent } from '../mesh'
import type { JoinMeshOptions } from '../mesh-options'
import { type AwarenessRelay, createAwarenessRelay } from './awareness-relay'
import { roomForPassword } from './room-password'

export interface GossipProviderOptions extends Omit<JoinMeshOptions, 'room' | 'doc' | 'signaling'> {
  /** Signaling server URL; a list (as y-webrtc takes) uses its first entry. Required. */
  signaling: string | string[]
  /** Peers without it never meet this room (see room-password.ts). Default: none. */
  password?: string
  /** The awareness to share. Default: a new one on the document. */
  awareness?: awarenessProtocol.Awareness
  /** Connect in the constructor. Default true, as y-webrtc does. */
  connect?: boolean
}

export interface GossipProviderEvents {
  /** Connected to the room (joined) or not. */
  status: (event: { connected: boolean }) => void
  /** The document caught up with a peer (anti-entropy completed), as y-webrtc's 'synced'. */
  synced: (event: { synced: boolean }) => void
  /** Neighbours (open data channels) came or went. `bcPeers` is always empty: tabs meet over the mesh. */
  peers: (event: { added: PeerId[]; removed: PeerId[]; webrtcPeers: PeerId[]; bcPeers: PeerId[] }) => void
  /** Joining failed, or the mesh reported a problem. */
  error: (event: MeshErrorEvent | { source: 'provider'; code: string; message: string }) => void
}

export class GossipProvider extends ObservableV2<GossipProviderEvents> {
  readonly roomName: string
  readonly doc: Y.Doc
  readonly awareness: awarenessProtocol.Awareness
  /** The joined mesh while connected. */
  mesh: Mesh | undefined
  connected = false
  synced = false
  private readonly options: GossipProviderOptions
  private readonly signalingUrl: string
  private connecting: Promise<void> | undefined
  private relay: AwarenessRelay | undefined
  private offMesh: Array<() => void> = []
  private peers = new Set<PeerId>()
  private destroyed = false
  private localBeforeDisconnect: Record<string, unknown> | null = null
  private readonly onPageHide = () => this.removeLocalAwareness('window unload')
  private readonly onDocDestroy = () => this.destroy()

  constructor(roomName: string, doc: Y.Doc, options: GossipProviderOptions) {
    super()
    const signaling = Array.isArray(options?.signaling) ? options.signaling[0] : options?.signaling
    if (typeof signaling !== 'string')
      throw new MeshOptionsError('signaling', 'must be a ws:// or wss:// URL')
    if (options.password !== undefined && typeof options.password !== 'string')
      throw new MeshOptionsError('password', 'must be a string')
    this.roomName = roomName
    this.doc = doc
    this.options = options
    this.signalingUrl = signaling
    this.awareness = options.awareness ?? new awarenessProtocol.Awareness(doc)
    // Before the mesh's own pagehide leave, so the removal still reaches the neighbours.
    if (typeof addEventListener === 'function') addEventListener('pagehide', this.onPageHide)
    doc.on('destroy', this.onDocDestroy)
    if (options.connect !== false) void this.connect()
  }

  /** Join the room. Resolves once joined; failures are an 'error' event and `connected` stays false. */
  connect(): Promise<void> {
    if (this.destroyed || this.mesh !== undefined) return Promise.resolve()
    this.connecting ??= this.join().finally(() => {
      this.connecting = undefined
    })
    return this.connecting
  }

  private async join(): Promise<void> {
    const { password, awareness: _a, connect: _c, signaling: _s, ...meshOptions } = this.options
    let mesh: Mesh
    try {
      const room = password === undefined ? this.roomName : await roomForPassword(this.roomName, password)
      mesh = await joinMesh({ ...meshOptions, room, signaling: this.signalingUrl, doc: this.doc })
    } catch (err) {
      this.emit('error', [
        {
          source: 'provider',
          code: (err as { code?: string }).code ?? 'join-failed',
          message: (err as Error).message,
        },
      ])
      return
    }
    if (this.destroyed) {
      await mesh.leave()
      return
    }
    this.mesh = mesh
    // Coming back after disconnect(): the local state it removed returns.
    if (this.awareness.getLocalState() === null && this.localBeforeDisconnect !== null)
      this.awareness.setLocalState(this.localBeforeDisconnect)
    this.relay = createAwarenessRelay(this.awareness, mesh)
    this.offMesh = [
      mesh.on('neighbors', (neighbors) => this.updatePeers(neighbors)),
      mesh.on('synced', () => this.setSynced(true)),
      mesh.on('error', (e) => this.emit('error', [e])),
    ]
    this.connected = true
    this.emit('status', [{ connected: true }])
    this.updatePeers(mesh.neighbors())
    if (mesh.synced) this.setSynced(true)
  }

  /** Leave the room (others see this peer as left); the document and awareness stay. */
  async disconnect(): Promise<void> {
    await this.connecting
    const mesh = this.mesh
    if (mesh === undefined) return
    this.localBeforeDisconnect = this.awareness.getLocalState()
    this.removeLocalAwareness('disconnect')
    this.relay?.stop()
    for (const off of this.offMesh) off()
    this.offMesh = []
    this.mesh = undefined
    this.relay = undefined
    await mesh.leave()
    this.updatePeers([])
    this.setSynced(false)
    this.connected = false
    this.emit('status', [{ connected: false }])
  }

  /** Disconnect and stop listening to the document. */
  override destroy(): void {
    if (this.destroyed) return
    this.destroyed = true
    this.doc.off('destroy', this.onDocDestroy)
    if (typeof removeEventListener === 'function') removeEventListener('pagehide', this.onPageHide)
    void this.disconnect().finally(() => super.destroy())
  }

  private removeLocalAwareness(origin: string): void {
    awarenessProtocol.removeAwarenessStates(this.awareness, [this.doc.clientID], origin)
  }

  private setSynced(synced: boolean): void {
    if (this.synced === synced) return
    this.synced = synced
    this.emit('synced', [{ synced }])
  }

  private updatePeers(neighbors: PeerId[]): void {
    const now = new Set(neighbors)
    const added = neighbors.filter((p) => !this.peers.has(p))
    const removed = [...this.peers].filter((p) => !now.has(p))
    this.peers = now
    if (added.length > 0 || removed.length > 0)
      this.emit('peers', [{ added, removed, webrtcPeers: [...now], bcPeers: [] }])
  }
}
