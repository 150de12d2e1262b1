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
import { type WebSocket, WebSocketServer } from 'ws'
import { CLOSE_POLICY_VIOLATION, CLOSE_SERVICE_RESTART } from './close-codes'
import { SignalingServerError } from './errors'
import { type HubObserver, SignalingHub } from './hub'
import { createMetrics } from './metrics'
import { type ResolvedOptions, resolveOptions, type SignalingServerOptions } from './options'
import { RedisCluster } from './redis-cluster'
import type { Session, Transport } from './session'

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
   * Tell every client to reconnect elsewhere, close their sockets, leave the cluster and
   * stop listening. Resolves when the port is free. Idempotent.
   */
  close(): Promise<void>
}

function ignore(): void {}

/** The hub's Transport over a `ws` socket; a class, so its methods are shared, not per socket. */
class WsTransport implements Transport {
  constructor(readonly ws: WebSocket) {}
  send(text: string): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(text)
  }
  close(code: number, reason: string): void {
    this.ws.close(code, reason)
  }
  ping(): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.ping()
  }
  terminate(): void {
    this.ws.terminate()
  }
  get bufferedAmount(): number {
    return this.ws.bufferedAmount
  }
}

/**
 * A frame over the soft cap `maxFrameBytes` is still read and answered with a `too-large`
 * error frame; only one over twice the cap makes `ws` drop the socket unread (1009). So an
 * honest client learns what went wrong, and memory stays bounded either way.
 */
const HARD_CAP_FACTOR = 2

export async function createSignalingServer(options: SignalingServerOptions = {}): Promise<SignalingServer> {
  const o = resolveOptions(options)
  const sockets = new Map<WebSocket, Session>()
  let closing: Promise<void> | undefined
  let hub: SignalingHub | undefined
  const metrics = createMetrics(() => ({ connections: hub?.connections ?? 0, rooms: hub?.roomCount ?? 0 }))
  const observer: HubObserver = {
    ...metrics.observer,
    kicked: (reason) => {
      metrics.observer.kicked?.(reason)
      if (reason === 'abuse') o.log('info', 'closed an abusive connection', { instance: o.instanceId })
    },
  }
  hub = new SignalingHub(o, observer)
  const cluster = o.redisUrl === undefined ? undefined : await RedisCluster.connect(o, hub)
  if (cluster !== undefined) hub.useCluster(cluster)
  const h = hub

  const http: Server = createServer((req, res) => {
    void serveHttp(req, res)
  })

  async function serveHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]
    if (path === '/healthz') {
      // Unhealthy while shutting down or cut off from the cluster, so a load balancer
      // sends new clients to an instance that can introduce them to everyone.
      const healthy = closing === undefined && (cluster === undefined || cluster.ready)
      const body = {
        status: healthy ? 'ok' : 'unavailable',
        instance: o.instanceId,
        connections: h.connections,
        rooms: h.roomCount,
        redis: cluster === undefined ? 'off' : cluster.ready ? 'ready' : 'down',
      }
      res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body))
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

  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: o.maxFrameBytes * HARD_CAP_FACTOR,
  })

  http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', ignore)
    const refuse =
      closing !== undefined ? 'shutting-down' : h.connections >= o.maxConnections ? 'full' : undefined
    if (refuse !== undefined) {
      metrics.refusedUpgrades.inc({ reason: refuse })
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      return
    }
    // Only the origin is kept: holding `req` in a closure would keep every request's
    // headers alive for the life of its socket.
    const origin = req.headers.origin
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws, origin))
  })

  // The socket handlers are made once per server, not once per socket: they find their
  // session through `sockets`, so a connection costs no closures of its own (memory per
  // connection is what bounds how many one instance holds; see the benchmark).
  function onMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
    const session = sockets.get(this)
    if (session !== undefined) h.receive(session, data, isBinary, o.now())
  }
  function onPong(this: WebSocket): void {
    const session = sockets.get(this)
    if (session !== undefined) session.alive = true
  }
  function onClose(this: WebSocket): void {
    const session = sockets.get(this)
    sockets.delete(this)
    if (session !== undefined) h.close(session)
  }

  function attach(ws: WebSocket, origin: string | undefined): void {
    // A socket error is always followed by 'close'; listening keeps it from being thrown.
    ws.on('error', ignore)
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
    sockets.set(ws, h.open(new WsTransport(ws), o.now()))
    ws.on('message', onMessage)
    ws.on('pong', onPong)
    ws.on('close', onClose)
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
      const stopped = new Promise<void>((resolve) => http.close(() => resolve()))
      const reconnect = JSON.stringify({
        type: 'reconnect',
        reason: 'server shutting down',
      } satisfies ServerFrame)
      for (const [ws, session] of sockets) {
        session.transport.send(reconnect)
        ws.close(CLOSE_SERVICE_RESTART, 'server shutting down')
        h.close(session)
      }
      http.closeIdleConnections()
      // Clients that do not answer the close handshake are cut off after the grace period.
      const grace = setTimeout(() => {
        for (const ws of sockets.keys()) ws.terminate()
        http.closeAllConnections()
      }, o.shutdownGraceMs)
      await cluster?.close()
      await stopped
      clearTimeout(grace)
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
