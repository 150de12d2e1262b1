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
  NODE_DEFAULTS,
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
import {
  encodeMeta,
  type JoinMeshOptions,
  type ResolvedMeshOptions,
  resolveMeshOptions,
} from './mesh-options'
import { createNodeRunner } from './node-runner'
import { watchPageLifecycle } from './page-lifecycle'
import { openDocPersistence } from './persistence/doc-persistence'
import { claimResumeId } from './persistence/resume-id'
import { createSignalingClient } from './signaling/signaling-client'
import { createPeerLinks } from './webrtc/peer-links'
import { SideKind } from './webrtc/side-channel'
import { createSignalRouter } from './webrtc/signal-router'
import { createSimplePeerFactory } from './webrtc/simple-peer-factory'

/**
 * How long a peer the signaling server called unknown is not signaled again. 10 s: longer
 * than a reload takes to rejoin, short enough that a peer that joins late is reached.
 */
const GONE_PEER_MS = 10_000

export async function joinMesh(options: JoinMeshOptions): Promise<Mesh> {
  const o = resolveMeshOptions(options)
  const WebSocketImpl = o.WebSocket ?? (await defaultWebSocket())
  if (WebSocketImpl === undefined) {
    throw new MeshPlatformError('no WebSocket on this platform: pass options.WebSocket, e.g. the ws package')
  }
  if (o.wrtc === undefined && typeof globalThis.RTCPeerConnection !== 'function') {
    throw new MeshPlatformError(
      'no WebRTC on this platform: pass options.wrtc, e.g. loadNodeWrtc() from @gossip-mesh/client/node in Node.js',
    )
  }

  const emitter = createEmitter<MeshEvents>()
  const errors: Record<MeshErrorEvent['source'], number> = {
    node: 0,
    connection: 0,
    signaling: 0,
    storage: 0,
    internal: 0,
  }
  // Errors before joinMesh resolves (restoring from storage) wait for the caller to
  // subscribe: they are emitted on a task after the resolution.
  let early: MeshErrorEvent[] | undefined = []
  const report = (event: MeshErrorEvent): void => {
    errors[event.source]++
    if (early !== undefined) early.push(event)
    else emitter.emit('error', event)
  }

  const lifecycle = { freezes: 0, resumes: 0, stalls: 0 }
  const random = o.random ?? cryptoRandom()
  const doc = o.doc ?? new Y.Doc()
  const persistOn = o.persist !== false
  // Both only read local storage; they run side by side to keep a reload quick.
  const [claim, persistence] = await Promise.all([
    // A reloaded tab resumes its id (browsers, persistence on, no explicit id).
    o.id === undefined && persistOn ? claimResumeId(o.room, () => randomId('p-', 10)) : undefined,
    // Restored before the network is touched: the node's first digest already holds it.
    openDocPersistence({
      persist: o.persist,
      room: o.room,
      doc,
      session: randomId('', 10),
      onError: (code, message) => report({ source: 'storage', code, message }),
    }),
  ])
  const id = o.id ?? claim?.id ?? randomId('p-', 10)
  // User-timing marks: how long restoring took, for anyone profiling a page's start.
  globalThis.performance?.mark?.('gossip-mesh:restored')
  const resume = await persistence?.store.readResume(id)
  // One more than the last run's incarnation, so the room takes this run for news.
  const incarnation = resume === undefined ? undefined : resume.incarnation + 1
  void persistence?.store.writeResume(id, { incarnation: incarnation ?? NODE_DEFAULTS.incarnation })
  let node: MeshNode
  try {
    node = buildNode(o, id, doc, random, incarnation)
  } catch (err) {
    persistence?.detach()
    claim?.release()
    throw err
  }
  const clock = monotonicClock
  /** Peers the signaling server said are not in the room, until when to believe it. */
  const gone = new Map<PeerId, number>()
  let synced = false
  let left = false
  let membersScheduled = false
  let lastNeighbors = ''

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
  const heldDead = (peer: PeerId): boolean => {
    const state = node.member?.(peer)?.state
    return state === 'dead' || state === 'left'
  }

  const perform = (effect: Effect): void => {
    switch (effect.type) {
      case 'send':
        links.send(effect.to, effect.bytes)
        return
      case 'connect':
        if (!signaling.connected && heldDead(effect.peer)) {
          // HyParView now and then reconnects to a member it holds dead (a healed
          // partition would answer). With the server down that could only be signaled by
          // flooding the room — every peer, every shuffle, while anyone is dead — and
          // would reach the peer only within this overlay, where its own gossip refutes
          // the death anyway. Failed at once instead, as a connect is: asynchronously.
          queueMicrotask(() => runner.dispatch({ type: 'neighbor-down', peer: effect.peer }))
          return
        }
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
      case 'signal':
        router.fromMesh(effect.from, effect.data)
        return
      case 'ephemeral':
        if (effect.kind === SideKind.Ephemeral)
          emitter.emit('ephemeral', { from: effect.from, bytes: effect.payload })
        else
          report({
            source: 'connection',
            code: 'bad-side-message',
            message: `kind ${effect.kind}`,
            peer: effect.from,
          })
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
    // Stalled with no event to say so (a suspended machine, a stopped process, a freeze
    // the browser did not announce): wake up as on 'resume'.
    onStall() {
      lifecycle.stalls++
      wake()
    },
  })

  const links = createPeerLinks({
    self: id,
    createPeer: createSimplePeerFactory({ iceServers: o.iceServers, wrtc: o.wrtc }),
    sendSignal(to, envelope) {
      // A peer the server just said is gone: fail at once instead of signaling into the void
      // (the server counts every such signal against this peer's abuse budget).
      if ((gone.get(to) ?? 0) > clock()) queueMicrotask(() => links.fail(to))
      else router.send(to, envelope)
    },
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
      onMessage(peer, bytes) {
        runner.dispatch({ type: 'frame', from: peer, bytes })
      },
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
    // With persisted state the peer is useful offline: keep trying in the background.
    retryBeforeWelcome: persistence?.restored === true,
    handlers: {
      onWelcome: (peers) => runner.dispatch({ type: 'peers-discovered', peers }),
      onSignal(from, data) {
        gone.delete(from)
        router.fromServer(from, data)
      },
      onUnknownPeer(peer) {
        gone.set(peer, clock() + GONE_PEER_MS)
        links.fail(peer)
      },
      onError: (code, message) => report({ source: 'signaling', code, message }),
    },
  })

  const router = createSignalRouter({
    viaServer: (to, data) => signaling.signal(to, data),
    viaMesh: (to, data) => runner.dispatch({ type: 'relay-signal', to, data }),
    serverUp: () => signaling.connected,
    meshUp: () => links.open().length > 0,
    deliver: (from, data) => links.handleSignal(from, data),
    newNonce: () => randomId('', 8),
    now: clock,
    setTimer(fn, ms) {
      const timer = setTimeout(fn, ms)
      return () => clearTimeout(timer)
    },
  })

  const onDocUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin !== REMOTE_ORIGIN && !left) runner.dispatch({ type: 'local-update', update })
  }

  runner.dispatch({ type: 'start' })
  if (o.metaBytes !== undefined) runner.dispatch({ type: 'set-meta', meta: o.metaBytes })
  doc.on('update', onDocUpdate)

  const persistIncarnation = (): void => {
    const version = node.member?.(id)?.version
    if (version !== undefined) void persistence?.store.writeResume(id, { incarnation: version })
  }

  const close = (): void => {
    left = true
    runner.stop()
    router.close()
    links.close()
    signaling.close()
    doc.off('update', onDocUpdate)
    persistence?.detach()
    stopLifecycle()
    claim?.release()
  }

  let leaving: Promise<void> | undefined
  const leave = (): Promise<void> => {
    leaving ??= (async () => {
      // The node tells its neighbours first; give the notice a moment to drain.
      runner.dispatch({ type: 'leave' })
      left = true
      persistIncarnation()
      const durable = persistence?.flush().catch(() => {})
      await links.flush(o.leaveFlushMs)
      await durable
      close()
      emitNeighbors()
      scheduleMembers()
    })()
    return leaving
  }

  /**
   * After a freeze or stall: the node already ticked (its timer fired late, so it judged
   * no one for a while and will refute the room's accusation when it hears it); the
   * signaling socket may have been dropped by the server meanwhile, and waiting out its
   * backoff would keep this peer from its first connections, so it reconnects at once.
   */
  const wake = (): void => {
    if (left) return
    signaling.reconnectNow()
    runner.dispatch({ type: 'tick' })
  }

  const stopLifecycle = o.pageLifecycle
    ? watchPageLifecycle({
        onHide() {
          if (leaving !== undefined && left) return
          // No time to wait: the leave frames go into the channels' buffers now.
          runner.dispatch({ type: 'leave' })
          left = true
          persistIncarnation()
          void persistence?.flush().catch(() => {})
          leaving = Promise.resolve()
          close()
        },
        onFreeze() {
          lifecycle.freezes++
          // Writes in flight should land before the page stops running.
          void persistence?.flush().catch(() => {})
        },
        onResume() {
          lifecycle.resumes++
          wake()
        },
      })
    : () => {}

  if (persistence?.restored !== true) {
    try {
      await signaling.joined
    } catch (err) {
      close()
      throw err
    }
  }

  const pending = early
  early = undefined
  if (pending.length > 0)
    setTimeout(() => {
      for (const e of pending) emitter.emit('error', e)
    }, 0)

  return {
    id,
    room: o.room,
    doc,
    restored: persistence?.restored === true,
    get synced() {
      return synced
    },
    get online() {
      return signaling.connected
    },
    neighbors: () => links.open(),
    members,
    stats: () => ({
      ...node.stats(),
      connections: links.stats(),
      signaling: { ...signaling.stats(), ...router.stats() },
      persistence: persistence?.stats(),
      errors: { ...errors },
      lifecycle: { ...lifecycle },
    }),
    on: (event, listener) => emitter.on(event, listener),
    off: (event, listener) => emitter.off(event, listener),
    flush: () => persistence?.flush() ?? Promise.resolve(),
    setMeta(meta) {
      if (left) return
      runner.dispatch({ type: 'set-meta', meta: encodeMeta(meta) })
    },
    sendEphemeral(bytes, options = {}) {
      if (left) return
      const targets = options.to === undefined ? links.open() : [options.to]
      for (const peer of targets)
        if (peer !== options.except)
          runner.dispatch({ type: 'send-ephemeral', to: peer, kind: SideKind.Ephemeral, payload: bytes })
    },
    leave,
  }
}

function buildNode(
  o: ResolvedMeshOptions,
  id: PeerId,
  doc: Y.Doc,
  random: Random,
  incarnation: number | undefined,
): MeshNode {
  const make = o.createNode ?? createNode
  try {
    return make({
      ...o.node,
      id,
      replica: createYjsReplica(doc),
      random,
      ...(incarnation === undefined ? {} : { incarnation }),
    })
  } catch (err) {
    if (err instanceof NodeOptionsError) throw new MeshOptionsError(`node.${err.field}`, err.message)
    throw err
  }
}
