/**
 * Options of the signaling server, their defaults and the reasons for them, validated once.
 *
 *   const options = resolveOptions({ port: 0, maxWelcomePeers: 4 })
 *   options.host   // '127.0.0.1'
 */
import { randomUUID } from 'node:crypto'
import { MAX_SIGNALING_FRAME_BYTES } from '@gossip-mesh/shared/signaling/signaling-frame'
import { SignalingServerError } from './errors'
import { type Log, silentLog } from './json-log'

export interface SignalingServerOptions {
  /** Interface to listen on. Default `'127.0.0.1'`; pass `'0.0.0.0'` to serve other machines. */
  host?: string
  /** TCP port. Default `4444`; `0` picks a free port (read it back from `server.port`). */
  port?: number
  /** Most peers listed in one `welcome`. Default `8`. */
  maxWelcomePeers?: number
  /** Largest frame accepted, in bytes; at most `MAX_SIGNALING_FRAME_BYTES`. Default `MAX_SIGNALING_FRAME_BYTES` (64 KiB). */
  maxFrameBytes?: number
  /** Most rooms one connection may be in at once. Default `16`. */
  maxRoomsPerConnection?: number
  /** Most open connections; further upgrades get HTTP 503. Default `50_000`. */
  maxConnections?: number
  /**
   * Most open connections from one client address (an IPv6 client counts by its /64);
   * further upgrades get HTTP 429. `0` turns the limit off. Default `64`.
   */
  maxConnectionsPerIp?: number
  /**
   * How many reverse proxies stand in front of the server. `0` (default) takes the client
   * address from the TCP socket and ignores `X-Forwarded-For`, which any client can forge;
   * `n` takes the n-th address from the right of `X-Forwarded-For`, the one the outermost
   * of your n proxies saw. Set it only when every request passes through those proxies.
   */
  trustProxy?: number
  /** Frames per second one connection may send, on average. Default `50`. */
  rateLimitPerSecond?: number
  /** Frames one connection may send in a burst above the average. Default `200`. */
  rateLimitBurst?: number
  /** Rejected frames a connection may send in a burst before it is closed with 1008. Default `20`. */
  maxRejectedBurst?: number
  /** Rejected frames per second forgiven again. Default `1`. */
  rejectedRefillPerSecond?: number
  /** Bytes queued to one slow socket beyond which frames to it are dropped. Default `256 KiB`. */
  maxBufferedBytes?: number
  /** Interval of ping heartbeats; a socket silent for two intervals is dropped. `0` turns them off. Default `30_000`. */
  heartbeatIntervalMs?: number
  /** How long `close()` waits for clients to finish the close handshake before cutting them off. Default `1000`. */
  shutdownGraceMs?: number
  /** Secret for room tokens (see room-token.ts). Default none: no room needs a token. */
  secret?: string
  /** With a `secret`, the rooms that need a token. Default `/^/` (every room). */
  authRooms?: RegExp
  /** Browser origins allowed to connect, e.g. `['https://app.example']`. Default none: any origin. */
  allowedOrigins?: readonly string[]
  /** Redis URL; with it, instances sharing this Redis share rooms. Default none: a single instance. */
  redisUrl?: string
  /** Prefix of every Redis key and channel, so several deployments can share a Redis. Default `'gossip-mesh:'`. */
  redisPrefix?: string
  /** This instance's name in Redis and in logs. Default a random 8-character id. */
  instanceId?: string
  /** In Redis mode, how long an instance counts as alive after its last liveness beat. Default `10_000`. */
  instanceTtlMs?: number
  /** Structured log sink (see json-log.ts). Default silent. */
  log?: Log
  /** Source of floats in [0, 1) for sampling peers. Default `Math.random`. */
  random?: () => number
  /** Clock in ms, for rate limits and token expiry. Default `Date.now`. */
  now?: () => number
}

/** Options that have no default: absent means the feature is off. */
type Unset = 'secret' | 'allowedOrigins' | 'redisUrl'

export type ResolvedOptions = Required<Omit<SignalingServerOptions, Unset>> & {
  readonly [K in Unset]: SignalingServerOptions[K]
}

export const DEFAULTS: ResolvedOptions = {
  // Loopback by default: exposing a server to the network should be a decision.
  host: '127.0.0.1',
  // y-webrtc's port, so a gossip-mesh client and a y-webrtc demo find it the same way.
  port: 4444,
  // Enough to join the mesh: the overlay keeps a handful of active links and learns the
  // rest by gossip, and a small sample caps what a join costs in a huge room.
  maxWelcomePeers: 8,
  // The schema's own cap; an SDP offer with its candidates fits in 16 KiB.
  maxFrameBytes: MAX_SIGNALING_FRAME_BYTES,
  // A tab joins one or a few rooms; 16 leaves room for apps with several documents and
  // bounds what one socket can make the server remember.
  maxRoomsPerConnection: 16,
  // Bounds memory: every other per-connection cost below is itself bounded.
  maxConnections: 50_000,
  // One browser tab holds one socket, so 64 leaves room for a household or an office
  // behind one NAT with many tabs open, while one host can no longer take a large share
  // of maxConnections. Raise it for big NATs (campuses, carrier-grade NAT); 0 turns it off.
  maxConnectionsPerIp: 64,
  // Trust no header by default: X-Forwarded-For is whatever the client wrote unless a
  // proxy of ours wrote it.
  trustProxy: 0,
  // One join sends an offer and ~10 trickled candidates to each of up to 8 peers, so a
  // burst of ~100 frames is normal; the average after that is far lower.
  rateLimitPerSecond: 50,
  rateLimitBurst: 200,
  // A buggy client makes the odd mistake; a hostile one makes many. 20 in a burst, one
  // forgiven per second, closes a flood within a second and spares an honest slip.
  maxRejectedBurst: 20,
  rejectedRefillPerSecond: 1,
  // A reader that stops reading must not make the server buffer without end: 256 KiB is
  // ~15 SDP offers, and signals are worthless once that stale.
  maxBufferedBytes: 256 * 1024,
  // y-webrtc's interval; also under the ~60 s idle timeout of common proxies and load
  // balancers, so the pings keep idle sockets open through them.
  heartbeatIntervalMs: 30_000,
  // Long enough for a close frame's round trip, short enough for an orchestrator's stop timeout.
  shutdownGraceMs: 1000,
  secret: undefined,
  authRooms: /^/,
  allowedOrigins: undefined,
  redisUrl: undefined,
  redisPrefix: 'gossip-mesh:',
  instanceId: '',
  // Three liveness beats (one per third of the TTL) may be lost before peers of a crashed
  // instance stop being offered; 10 s bounds how long others see its ghosts.
  instanceTtlMs: 10_000,
  log: silentLog,
  random: Math.random,
  now: Date.now,
}

function fail(field: string, rule: string, value: unknown): never {
  throw new SignalingServerError('ERR_BAD_OPTION', `options.${field} must be ${rule}, got ${String(value)}`)
}

function integer(
  o: ResolvedOptions,
  field: keyof ResolvedOptions,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): void {
  const v = o[field]
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail(field, `an integer in ${min}..${max}`, v)
  }
}

function positiveNumber(o: ResolvedOptions, field: keyof ResolvedOptions): void {
  const v = o[field]
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) fail(field, 'a positive number', v)
}

function optionalString(o: ResolvedOptions, field: keyof ResolvedOptions): void {
  const v = o[field]
  if (v !== undefined && (typeof v !== 'string' || v === '')) fail(field, 'a non-empty string when set', v)
}

/** Merge `options` over DEFAULTS and check every field, naming the first bad one. */
export function resolveOptions(options: SignalingServerOptions = {}): ResolvedOptions {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined))
  const o: ResolvedOptions = { ...DEFAULTS, ...defined }
  if (o.instanceId === '') o.instanceId = randomUUID().slice(0, 8)
  if (typeof o.host !== 'string' || o.host === '') fail('host', 'a non-empty string', o.host)
  integer(o, 'port', 0, 65535)
  integer(o, 'maxWelcomePeers', 1)
  // The shared schema refuses anything longer, so a larger cap would only mislead.
  integer(o, 'maxFrameBytes', 1, MAX_SIGNALING_FRAME_BYTES)
  for (const f of [
    'maxRoomsPerConnection',
    'maxConnections',
    'rateLimitBurst',
    'maxRejectedBurst',
  ] as const) {
    integer(o, f, 1)
  }
  integer(o, 'maxConnectionsPerIp', 0)
  integer(o, 'trustProxy', 0, 16)
  integer(o, 'maxBufferedBytes', 1)
  integer(o, 'heartbeatIntervalMs', 0)
  integer(o, 'shutdownGraceMs', 0)
  integer(o, 'instanceTtlMs', 30)
  for (const f of ['rateLimitPerSecond', 'rejectedRefillPerSecond'] as const) positiveNumber(o, f)
  optionalString(o, 'secret')
  optionalString(o, 'redisUrl')
  if (!(o.authRooms instanceof RegExp)) fail('authRooms', 'a RegExp', o.authRooms)
  if (o.allowedOrigins !== undefined) {
    if (
      !Array.isArray(o.allowedOrigins) ||
      !o.allowedOrigins.every((x) => typeof x === 'string' && x !== '')
    ) {
      fail('allowedOrigins', 'an array of origin strings', o.allowedOrigins)
    }
  }
  if (typeof o.redisPrefix !== 'string') fail('redisPrefix', 'a string', o.redisPrefix)
  if (!/^[A-Za-z0-9_.:@-]{1,64}$/.test(o.instanceId))
    fail('instanceId', '1-64 characters of [A-Za-z0-9_.:@-]', o.instanceId)
  for (const f of ['log', 'random', 'now'] as const)
    if (typeof o[f] !== 'function') fail(f, 'a function', o[f])
  return o
}
