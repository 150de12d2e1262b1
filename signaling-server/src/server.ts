/**
 * The signaling server: one HTTP port serving the WebSocket endpoint, `/healthz` and
 * `/metrics`, wired to a SignalingHub (and, with `redisUrl`, to a RedisCluster). This
 * file is wiring only; the rules live in hub.ts.
 *
 *   const server = await createSignalingServer({ port: 0 })
 *   const ws = new WebSocket(server.url)
 *   ws.send(JSON.stringify({ type: 'join', room: 'r', peer: 'a' }))
 *   await server.close()
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { ServerFrame } from '@gossip-mesh/shared/signaling/signaling-frame'
import { WebSocket, WebSocketServer } from 'ws'
import { AddressLimit, clientAddress } from './address-limit'
import { CLOSE_POLICY_VIOLATION, CLOSE_SERVICE_RESTART } from './close-codes'
import { SignalingServerError } from './errors'
import { type HubObserver, SignalingHub } from './hub'
import { createMetrics } from './metrics'
import { type ResolvedOptions, resolveOptions, type SignalingServerOptions } from './options'
import { RedisCluster } from './redis-cluster'
import type { Session } from './session'

export interface SignalingServer {
  /** Where clients connect, e.g. `ws://127.0.0.1:4444`. */
  readonly url: string
  /** The port listened on (useful with `port: 0`). */
  readonly port: number
  /** The options in force, defaults filled in. */
  readonly options: ResolvedOptions
  /** Open WebSocket connections. */
  readonly connections: number
  /** Rooms with at least one peer on this instance. */
  readonly rooms: number
  /**
   * Drain: tell every client to reconnect elsewhere and close their sockets, while still
   * listening (`/healthz` answers 503 "draining", upgrades 503); once they are closed, or
   * cut off after `shutdownGraceMs`, leave the cluster and stop listening. Resolves when
   * the port is free. Idempotent.
   */
  close(): Promise<void>
}

function ignore(): void {}

/**
 * A `ws` socket that is also the hub's Transport (its send, close, ping, terminate and
 * bufferedAmount are the Transport's) and carries its own session, so a connection costs
 * no wrapper object and no map entry of the shell's: the handlers below are shared by
 * every socket and find their state through `this`. Sends to a socket that is already
 * closing are dropped by `ws` itself.
 */
class SignalingSocket extends WebSocket {
  /** The hub's state for this connection; undefined for a socket refused for its origin. */
  session: Session | undefined = undefined
  /** The address this connection counts under in the per-address limit, when the limit is on. */
  address: string | undefined = undefined
}

/** An HTTP response written straight to a socket that is not upgraded, then closed. */
function refuse(socket: Socket, status: string, body = ''): void {
  socket.end(
    `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
}

/**
 * A frame over the soft cap `maxFrameBytes` is still read and answered with a `too-large`
 * error frame; only one over twice the cap makes `ws` drop the socket unread (1009). So an
 * honest client learns what went wrong, and memory stays bounded either way.
 */
const HARD_CAP_FACTOR = 2

export async function createSignalingServer(options: SignalingServerOptions = {}): Promise<SignalingServer> {
  const o = resolveOptions(options)
  const perAddress = new AddressLimit(o.maxConnectionsPerIp)
  let closing: Promise<void> | undefined
  /** While draining: the sockets not closed yet, and what to call once there are none. */
  let draining: { readonly sockets: Set<SignalingSocket>; readonly done: () => void } | undefined
  let hub: SignalingHub | undefined
  let cluster: RedisCluster | undefined
  const metrics = createMetrics(
    () => ({
      connections: hub?.connections ?? 0,
      rooms: hub?.roomCount ?? 0,
      redisReady: o.redisUrl === undefined ? undefined : cluster?.ready === true,
    }),
    { redis: o.redisUrl !== undefined },
  )
  const observer: HubObserver = {
    ...metrics.observer,
    kicked: (reason) => {
      metrics.observer.kicked?.(reason)
      if (reason === 'abuse') o.log('info', 'closed an abusive connection', { instance: o.instanceId })
    },
  }
  hub = new SignalingHub(o, observer)
  cluster = o.redisUrl === undefined ? undefined : await RedisCluster.connect(o, hub)
  if (cluster !== undefined) hub.useCluster(cluster)
  const h = hub

  const http: Server = createServer((req, res) => {
    void serveHttp(req, res)
  })

  async function serveHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]
    if (path === '/healthz') {
      // 503 only while draining, so the load balancer stops sending clients here. Without
      // Redis an instance still serves its own clients (only cross-instance introductions
      // and signals fail), and every instance loses the same shared Redis at once: a 503
      // then would make the balancer drop them all and turn a partial outage into a total
      // one. So a Redis outage is 200 "degraded", with `redis: "down"` for alerting.
      const redis = cluster === undefined ? 'off' : cluster.ready ? 'ready' : 'down'
      const status = closing !== undefined ? 'draining' : redis === 'down' ? 'degraded' : 'ok'
      const body = {
        status,
        instance: o.instanceId,
        connections: h.connections,
        rooms: h.roomCount,
        redis,
      }
      res
        .writeHead(status === 'draining' ? 503 : 200, { 'content-type': 'application/json' })
        .end(JSON.stringify(body))
      return
    }
    if (path === '/metrics') {
      try {
        const text = await metrics.registry.metrics()
        res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text)
      } catch {
        res.writeHead(500).end()
      }
      return
    }
    res
      .writeHead(426, { 'content-type': 'text/plain' })
      .end('gossip-mesh signaling: connect with WebSocket\n')
  }

  const wss = new WebSocketServer<typeof SignalingSocket>({
    noServer: true,
    WebSocket: SignalingSocket,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: o.maxFrameBytes * HARD_CAP_FACTOR,
  })

  http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', ignore)
    const address =
      o.maxConnectionsPerIp === 0
        ? undefined
        : clientAddress(socket.remoteAddress, req.headers['x-forwarded-for'], o.trustProxy)
    const reason =
      closing !== undefined
        ? 'shutting-down'
        : h.connections >= o.maxConnections
          ? 'full'
          : address !== undefined && perAddress.full(address)
            ? 'per-ip'
            : undefined
    if (reason !== undefined) {
      metrics.refusedUpgrades.inc({ reason })
      // Refused before the upgrade, so a refusal costs no WebSocket state: a host flooding
      // the server with connections spends only its own handshakes. 429 says "you, slow
      // down"; 503 says "this instance, try another".
      if (reason === 'per-ip') {
        refuse(socket, '429 Too Many Requests', `over ${o.maxConnectionsPerIp} connections from ${address}\n`)
      } else refuse(socket, '503 Service Unavailable')
      return
    }
    // Only the origin is kept: holding `req` in a closure would keep every request's
    // headers alive for the life of its socket. `ws` completes the upgrade synchronously
    // (no verifyClient), so no other upgrade can slip in between the check and `attach`.
    const origin = req.headers.origin
    wss.handleUpgrade(req, socket, head, (ws) => {
      // From here `ws` handles socket errors itself; a second listener would cost every
      // socket a listener array.
      socket.off('error', ignore)
      attach(ws, origin, address)
    })
  })

  // The socket handlers are made once per server, not once per socket: each finds its
  // session through `this`, so a connection costs no closures of its own (memory per
  // connection is what bounds how many one instance holds; see the benchmark). `ws` types
  // `this` as its base class; every socket of this server is a SignalingSocket.
  function onMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
    const session = (this as SignalingSocket).session
    if (session !== undefined) h.receive(session, data, isBinary, o.now())
  }
  function onPong(this: WebSocket): void {
    const session = (this as SignalingSocket).session
    if (session !== undefined) session.alive = true
  }
  function onClose(this: WebSocket): void {
    const ws = this as SignalingSocket
    if (ws.address !== undefined) perAddress.release(ws.address)
    const session = ws.session
    ws.session = undefined
    if (session !== undefined) h.close(session)
    if (draining?.sockets.delete(ws) && draining.sockets.size === 0) draining.done()
  }

  function attach(ws: SignalingSocket, origin: string | undefined, address: string | undefined): void {
    // A socket error is always followed by 'close'; listening keeps it from being thrown.
    ws.on('error', ignore)
    if (address !== undefined) {
      perAddress.acquire(address)
      ws.address = address
    }
    ws.on('close', onClose)
    if (o.allowedOrigins !== undefined && (origin === undefined || !o.allowedOrigins.includes(origin))) {
      // Accept, explain, close: a browser shows a refused upgrade only as a failed connection.
      const frame: ServerFrame = {
        type: 'error',
        code: 'forbidden-origin',
        message: `origin ${origin ?? '(none)'} is not allowed`,
      }
      metrics.observer.rejected?.('forbidden-origin')
      metrics.kicked.inc({ reason: 'origin' })
      ws.send(JSON.stringify(frame))
      ws.close(CLOSE_POLICY_VIOLATION, 'origin not allowed')
      return
    }
    ws.session = h.open(ws, o.now())
    ws.on('message', onMessage)
    ws.on('pong', onPong)
  }

  // One timer for all sockets (not one per socket, as y-webrtc has): idle sockets cost no timers.
  const heartbeat =
    o.heartbeatIntervalMs > 0
      ? setInterval(() => {
          const dropped = h.heartbeat()
          if (dropped > 0) o.log('debug', 'dropped silent sockets', { instance: o.instanceId, dropped })
        }, o.heartbeatIntervalMs)
      : undefined
  heartbeat?.unref()

  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject)
      http.listen(o.port, o.host, () => {
        http.off('error', reject)
        resolve()
      })
    })
  } catch (err) {
    clearInterval(heartbeat)
    await cluster?.close()
    throw new SignalingServerError(
      'ERR_LISTEN',
      `cannot listen on ${o.host}:${o.port}: ${(err as Error).message}`,
      {
        cause: err,
      },
    )
  }
  const port = (http.address() as AddressInfo).port
  const url = `ws://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`
  o.log('info', 'listening', { instance: o.instanceId, url, redis: cluster !== undefined })

  const close = (): Promise<void> => {
    closing ??= (async () => {
      o.log('info', 'shutting down', { instance: o.instanceId, connections: h.connections })
      clearInterval(heartbeat)
      // Drain: the listener stays open, so /healthz can answer 503 "draining" and upgrades
      // get 503, until every client has finished the close handshake or been cut off.
      const sockets = new Set<SignalingSocket>()
      const drained = new Promise<void>((resolve) => {
        draining = { sockets, done: resolve }
      })
      const reconnect = JSON.stringify({
        type: 'reconnect',
        reason: 'server shutting down',
      } satisfies ServerFrame)
      for (const session of [...h.sessions()]) {
        const ws = session.transport as SignalingSocket
        sockets.add(ws)
        ws.send(reconnect)
        ws.close(CLOSE_SERVICE_RESTART, 'server shutting down')
        h.close(session)
      }
      if (sockets.size === 0) draining?.done()
      http.closeIdleConnections()
      // Clients that do not answer the close handshake are cut off after the grace period.
      const grace = setTimeout(() => {
        for (const ws of sockets) ws.terminate()
      }, o.shutdownGraceMs)
      await drained
      clearTimeout(grace)
      await cluster?.close()
      await new Promise<void>((resolve) => {
        http.close(() => resolve())
        http.closeAllConnections()
      })
      o.log('info', 'stopped', { instance: o.instanceId })
    })()
    return closing
  }

  return {
    url,
    port,
    options: o,
    get connections() {
      return h.connections
    },
    get rooms() {
      return h.roomCount
    },
    close,
  }
}
