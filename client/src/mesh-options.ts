/**
 * Options of `joinMesh`, their defaults and the reasons for them, validated once.
 *
 *   const o = resolveMeshOptions({ room: 'demo', signaling: 'ws://127.0.0.1:4444' })
 *   o.iceServers   // []: no STUN/TURN unless the caller names some
 */
import {
  DEFAULT_WIRE_LIMITS,
  isPeerId,
  isRoomId,
  type MeshNode,
  type NodeOptions,
  type PeerId,
  type Random,
  type RoomId,
} from '@gossip-mesh/shared'
import type * as Y from 'yjs'
import { MeshOptionsError } from './errors'
import type { PersistOptions } from './persistence/doc-persistence'
import type { WebSocketConstructor } from './platform/websocket'

/** A WebRTC implementation for platforms without one, e.g. `loadNodeWrtc()` (node-datachannel) in Node.js. */
export interface WrtcImplementation {
  RTCPeerConnection: unknown
  RTCSessionDescription: unknown
  RTCIceCandidate: unknown
}

/** Protocol tuning passed to the node; see `NodeOptions` in @gossip-mesh/shared for each default. */
export type MeshNodeOptions = Omit<NodeOptions, 'id' | 'replica' | 'random'>

export interface JoinMeshOptions {
  /** Room to join: peers in one room share one document. Required. */
  room: RoomId
  /** URL of the signaling server, `ws://` or `wss://`. Required. */
  signaling: string
  /** This peer's id, unique in the room. Default: random, `p-` and 10 base-36 characters. */
  id?: PeerId
  /** The document to share. Default: a new, empty `Y.Doc`. */
  doc?: Y.Doc
  /**
   * STUN/TURN servers. Default `[]`: host candidates only, so no address off this
   * machine or LAN is contacted unless the caller asks (simple-peer's own default would
   * contact public STUN servers).
   */
  iceServers?: RTCIceServer[]
  /** WebRTC implementation. Default: the platform's (browsers); Node.js needs one: `loadNodeWrtc()` from `@gossip-mesh/client/node`. */
  wrtc?: WrtcImplementation
  /** WebSocket class. Default: the global one, or the `ws` package in Node.js 20. */
  WebSocket?: WebSocketConstructor
  /** Token sent with the join, for servers that check one. Default: none. */
  token?: string
  /** JSON-serialisable metadata other members see (a name, a status). Default: none. At most 512 bytes as JSON. */
  meta?: unknown
  /** Protocol tuning (neighbours, heartbeat and failure-detection timing). Default: the node's defaults. */
  node?: MeshNodeOptions
  /** The protocol core. Default: `createNode` from @gossip-mesh/shared. Tests and new protocols swap it. */
  createNode?: (options: NodeOptions) => MeshNode
  /** Randomness for the node and for backoff jitter. Default: crypto.getRandomValues. */
  random?: Random
  /** A data channel not open after this long is given up. Default 15,000 ms: host candidates open in under 1 s, a TURN relay in a few. */
  connectTimeoutMs?: number
  /** `joinMesh` rejects if the signaling server has not welcomed us by then. Default 10,000 ms. */
  joinTimeoutMs?: number
  /** Most data channels, open or opening, at once. Default 64: well above any node's neighbour cap, yet bounded against a flood of requests. */
  maxConnections?: number
  /** Largest data-channel message; longer frames are fragmented. Default 16 KiB: the size every browser pair interoperates with. */
  maxChunkBytes?: number
  /** A frame is dropped while a channel already buffers this much. Default 12 MiB: room for one full-size (8 MiB) catch-up frame plus traffic, under Chromium's 16 MiB limit that closes a channel. */
  maxBufferedBytes?: number
  /** `leave()` waits this long at most for the leave notice to drain and be read (100 ms past the drain). Default 500 ms. */
  leaveFlushMs?: number
  /** First signaling reconnect delay. Default 500 ms. */
  reconnectMinDelayMs?: number
  /** Longest signaling reconnect delay. Default 10,000 ms. */
  reconnectMaxDelayMs?: number
  /** Signals held while the signaling socket is down. Default 64: an offer and its candidates for a few peers. */
  maxQueuedSignals?: number
  /**
   * Keep the room's document across reloads and restarts. Default `true`: IndexedDB in
   * browsers, nothing in Node.js (pass `{ dir }` or `{ storage }` there). `false` turns
   * it off. With persisted state, `joinMesh` resolves without waiting for signaling.
   */
  persist?: boolean | PersistOptions
  /** Browsers: leave on `pagehide`, reconnect on `resume` after a freeze. Default true. */
  pageLifecycle?: boolean
}

export const DEFAULTS = {
  iceServers: [] as RTCIceServer[],
  node: {} as MeshNodeOptions,
  connectTimeoutMs: 15_000,
  joinTimeoutMs: 10_000,
  maxConnections: 64,
  maxChunkBytes: 16 * 1024,
  maxBufferedBytes: 12 * 1024 * 1024,
  leaveFlushMs: 500,
  reconnectMinDelayMs: 500,
  reconnectMaxDelayMs: 10_000,
  maxQueuedSignals: 64,
  persist: true,
  pageLifecycle: true,
} as const

/** Largest metadata the wire carries (`maxMetaBytes`). */
export const MAX_META_BYTES = DEFAULT_WIRE_LIMITS.maxMetaBytes

type Defaulted = keyof typeof DEFAULTS
export type ResolvedMeshOptions = Omit<JoinMeshOptions, Defaulted> & {
  [K in Defaulted]-?: NonNullable<JoinMeshOptions[K]>
} & {
  /** `meta` as the bytes gossiped, or undefined when none was given. */
  metaBytes: Uint8Array | undefined
}

const POSITIVE_INTEGERS = [
  'connectTimeoutMs',
  'joinTimeoutMs',
  'maxConnections',
  'maxBufferedBytes',
  'leaveFlushMs',
  'reconnectMinDelayMs',
  'reconnectMaxDelayMs',
  'maxQueuedSignals',
] as const

export function resolveMeshOptions(options: JoinMeshOptions): ResolvedMeshOptions {
  if (typeof options !== 'object' || options === null)
    throw new MeshOptionsError('options', 'must be an object')
  const o = { ...DEFAULTS, ...withoutUndefined(options) } as ResolvedMeshOptions
  if (!isRoomId(o.room)) throw new MeshOptionsError('room', 'must be 1-128 characters of [A-Za-z0-9_.:@-]')
  if (typeof o.signaling !== 'string' || !/^wss?:\/\/[^\s]+$/.test(o.signaling)) {
    throw new MeshOptionsError('signaling', 'must be a ws:// or wss:// URL')
  }
  if (o.id !== undefined && !isPeerId(o.id))
    throw new MeshOptionsError('id', 'must be 1-64 characters of [A-Za-z0-9_.:@-]')
  if (!Array.isArray(o.iceServers))
    throw new MeshOptionsError('iceServers', 'must be an array of RTCIceServer')
  o.iceServers.forEach((server, i) => {
    const urls = (server as { urls?: unknown } | null)?.urls
    const ok = typeof urls === 'string' || (Array.isArray(urls) && urls.every((u) => typeof u === 'string'))
    if (!ok) throw new MeshOptionsError(`iceServers[${i}].urls`, 'must be a URL or a list of URLs')
  })
  if (o.wrtc !== undefined && typeof o.wrtc.RTCPeerConnection !== 'function') {
    throw new MeshOptionsError(
      'wrtc',
      'must provide RTCPeerConnection, RTCSessionDescription and RTCIceCandidate',
    )
  }
  if (o.WebSocket !== undefined && typeof o.WebSocket !== 'function') {
    throw new MeshOptionsError('WebSocket', 'must be a WebSocket class')
  }
  if (o.token !== undefined && (typeof o.token !== 'string' || o.token.length > 1024)) {
    throw new MeshOptionsError('token', 'must be a string of at most 1024 characters')
  }
  if (typeof o.node !== 'object' || o.node === null) throw new MeshOptionsError('node', 'must be an object')
  if (o.createNode !== undefined && typeof o.createNode !== 'function') {
    throw new MeshOptionsError('createNode', 'must be a function')
  }
  for (const field of POSITIVE_INTEGERS) {
    const v = o[field]
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
      throw new MeshOptionsError(field, 'must be a positive integer')
  }
  if (!Number.isInteger(o.maxChunkBytes) || o.maxChunkBytes < 256 || o.maxChunkBytes > 256 * 1024) {
    throw new MeshOptionsError('maxChunkBytes', 'must be an integer from 256 to 262,144')
  }
  validatePersist(o.persist)
  if (typeof o.pageLifecycle !== 'boolean') throw new MeshOptionsError('pageLifecycle', 'must be a boolean')
  if (o.reconnectMaxDelayMs < o.reconnectMinDelayMs) {
    throw new MeshOptionsError('reconnectMaxDelayMs', 'must be at least reconnectMinDelayMs')
  }
  o.metaBytes = o.meta === undefined ? undefined : encodeMeta(o.meta)
  return o
}

function validatePersist(persist: unknown): void {
  if (typeof persist === 'boolean') return
  if (typeof persist !== 'object' || persist === null)
    throw new MeshOptionsError('persist', 'must be a boolean or { storage } / { dir }')
  const p = persist as PersistOptions
  if (p.storage !== undefined) {
    for (const fn of ['get', 'set', 'del', 'keys'] as const) {
      if (typeof p.storage?.[fn] !== 'function')
        throw new MeshOptionsError(`persist.storage.${fn}`, 'must be a function')
    }
  }
  if (p.dir !== undefined && (typeof p.dir !== 'string' || p.dir === ''))
    throw new MeshOptionsError('persist.dir', 'must be a non-empty path')
  for (const field of ['compactAfter', 'loadTimeoutMs'] as const) {
    const v = p[field]
    if (v !== undefined && (!Number.isInteger(v) || v < 1))
      throw new MeshOptionsError(`persist.${field}`, 'must be a positive integer')
  }
}

/** Metadata as the bytes gossiped: JSON, at most MAX_META_BYTES; throws a MeshOptionsError otherwise. */
export function encodeMeta(meta: unknown): Uint8Array {
  let json: string | undefined
  try {
    json = JSON.stringify(meta)
  } catch {
    json = undefined
  }
  if (json === undefined) throw new MeshOptionsError('meta', 'must be JSON-serialisable')
  const bytes = new TextEncoder().encode(json)
  if (bytes.length > MAX_META_BYTES)
    throw new MeshOptionsError('meta', `is ${bytes.length} bytes as JSON, over ${MAX_META_BYTES}`)
  return bytes
}

/** `{ x: undefined }` means "use the default", as if the key were absent. */
function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}
