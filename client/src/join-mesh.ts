/**
 * `joinMesh`: the wiring of one peer. Nothing here decides anything about the protocol:
 *
 *   signaling server ──welcome──▶ node ◀──frames── data channels
 *          ▲                        │                  ▲
 *          └──────── signals ───────┼── connect/send ──┘
 *                                   ▼
 *                    members / neighbors / synced / error events
 *
 * Local Yjs updates go to the node as `local-update`; remote ones are applied by the
 * node through the replica with REMOTE_ORIGIN, which is how they are told apart.
 *
 *   const mesh = await joinMesh({ room: 'demo', signaling: 'ws://127.0.0.1:4444' })
 */
import {
  createNode,
  createYjsReplica,
  DEFAULT_WIRE_LIMITS,
  type Effect,
  type MeshNode,
  NodeOptionsError,
  type PeerId,
  type Random,
  REMOTE_ORIGIN,
} from '@gossip-mesh/shared'
import * as Y from 'yjs'
import { defaultWebSocket } from '#default-websocket'
import { monotonicClock } from './clock'
import { cryptoRandom, randomId } from './crypto-random'
import { createEmitter } from './emitter'
import { MeshOptionsError, MeshPlatformError } from './errors'
import { toMember } from './member-meta'
import type { Mesh, MeshErrorEvent, MeshEvents } from './mesh'
import { type JoinMeshOptions, type ResolvedMeshOptions, resolveMeshOptions } from './mesh-options'
import { createNodeRunner } from './node-runner'
import { createSignalingClient } from './signaling/signaling-client'
import { createPeerLinks } from './webrtc/peer-links'
import { createSimplePeerFactory } from './webrtc/simple-peer-factory'

export async function joinMesh(options: JoinMeshOptions): Promise<Mesh> {
  const o = resolveMeshOptions(options)
  const WebSocketImpl = o.WebSocket ?? (await defaultWebSocket())
  if (WebSocketImpl === undefined) {
    throw new MeshPlatformError('no WebSocket on this platform: pass options.WebSocket, e.g. the ws package')
  }
  if (o.wrtc === undefined && typeof globalThis.RTCPeerConnection !== 'function') {
    throw new MeshPlatformError('no WebRTC on this platform: pass options.wrtc, e.g. @roamhq/wrtc in Node.js')
  }

  const id = o.id ?? randomId('p-', 10)
  const random = o.random ?? cryptoRandom()
  const doc = o.doc ?? new Y.Doc()
  const node = buildNode(o, id, doc, random)
  const clock = monotonicClock
  const emitter = createEmitter<MeshEvents>()
  const errors: Record<MeshErrorEvent['source'], number> = {
    node: 0,
    connection: 0,
    signaling: 0,
    internal: 0,
  }
  let synced = false
  let left = false
  let membersScheduled = false
  let lastNeighbors = ''

  const report = (event: MeshErrorEvent): void => {
    errors[event.source]++
    emitter.emit('error', event)
  }

  const emitNeighbors = (): void => {
    const open = links.open().sort()
    const key = open.join(' ')
    if (key === lastNeighbors) return
    lastNeighbors = key
    emitter.emit('neighbors', open)
  }

  // Member changes come in bursts (a membership frame changes several); one event per burst.
  const scheduleMembers = (): void => {
    if (membersScheduled) return
    membersScheduled = true
    queueMicrotask(() => {
      membersScheduled = false
      emitter.emit('members', members())
    })
  }

  const members = () => node.members().map((view) => toMember(view, id))

  const perform = (effect: Effect): void => {
    switch (effect.type) {
      case 'send':
        links.send(effect.to, effect.bytes)
        return
      case 'connect':
        links.connect(effect.peer)
        return
      case 'disconnect':
        links.disconnect(effect.peer)
        emitNeighbors()
        return
      case 'member-changed':
        scheduleMembers()
        return
      case 'replica-changed':
        // The document emitted its own update event when the node applied the change.
        return
      case 'synced':
        synced = true
        emitter.emit('synced', { with: effect.with })
        return
      case 'dropped':
        report({ source: 'node', code: effect.reason, message: effect.detail, peer: effect.from })
        return
    }
  }

  const runner = createNodeRunner({
    node,
    clock,
    perform,
    onFault: (err) =>
      report({ source: 'internal', code: 'fault', message: String((err as Error)?.stack ?? err) }),
  })

  const links = createPeerLinks({
    self: id,
    createPeer: createSimplePeerFactory({ iceServers: o.iceServers, wrtc: o.wrtc }),
    sendSignal: (to, envelope) => signaling.signal(to, envelope),
    newAttemptId: () => randomId('', 12),
    connectTimeoutMs: o.connectTimeoutMs,
    maxChunkBytes: o.maxChunkBytes,
    maxMessageBytes: DEFAULT_WIRE_LIMITS.maxFrameBytes,
    maxBufferedBytes: o.maxBufferedBytes,
    maxLinks: o.maxConnections,
    handlers: {
      onUp(peer) {
        runner.dispatch({ type: 'neighbor-up', peer })
        emitNeighbors()
      },
      onDown(peer) {
        runner.dispatch({ type: 'neighbor-down', peer })
        emitNeighbors()
      },
      onMessage: (peer, bytes) => runner.dispatch({ type: 'frame', from: peer, bytes }),
      onError: (code, message, peer) => report({ source: 'connection', code, message, peer }),
    },
  })

  const signaling = createSignalingClient({
    url: o.signaling,
    room: o.room,
    peer: id,
    token: o.token,
    WebSocket: WebSocketImpl,
    random,
    joinTimeoutMs: o.joinTimeoutMs,
    reconnectMinDelayMs: o.reconnectMinDelayMs,
    reconnectMaxDelayMs: o.reconnectMaxDelayMs,
    maxQueuedSignals: o.maxQueuedSignals,
    handlers: {
      onWelcome: (peers) => runner.dispatch({ type: 'peers-discovered', peers }),
      onSignal: (from, data) => links.handleSignal(from, data),
      onError: (code, message) => report({ source: 'signaling', code, message }),
    },
  })

  const onDocUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin !== REMOTE_ORIGIN && !left) runner.dispatch({ type: 'local-update', update })
  }

  runner.dispatch({ type: 'start' })
  if (o.metaBytes !== undefined) runner.dispatch({ type: 'set-meta', meta: o.metaBytes })
  doc.on('update', onDocUpdate)

  const close = (): void => {
    left = true
    runner.stop()
    links.close()
    signaling.close()
    doc.off('update', onDocUpdate)
  }

  try {
    await signaling.joined
  } catch (err) {
    close()
    throw err
  }

  let leaving: Promise<void> | undefined
  return {
    id,
    room: o.room,
    doc,
    get synced() {
      return synced
    },
    neighbors: () => links.open(),
    members,
    stats: () => ({
      ...node.stats(),
      connections: links.stats(),
      signaling: signaling.stats(),
      errors: { ...errors },
    }),
    on: (event, listener) => emitter.on(event, listener),
    off: (event, listener) => emitter.off(event, listener),
    leave() {
      leaving ??= (async () => {
        // The node tells its neighbours first; give the notice a moment to drain.
        runner.dispatch({ type: 'leave' })
        left = true
        await links.flush(o.leaveFlushMs)
        close()
        emitNeighbors()
        scheduleMembers()
      })()
      return leaving
    },
  }
}

function buildNode(o: ResolvedMeshOptions, id: PeerId, doc: Y.Doc, random: Random): MeshNode {
  const make = o.createNode ?? createNode
  try {
    return make({ ...o.node, id, replica: createYjsReplica(doc), random })
  } catch (err) {
    if (err instanceof NodeOptionsError) throw new MeshOptionsError(`node.${err.field}`, err.message)
    throw err
  }
}
