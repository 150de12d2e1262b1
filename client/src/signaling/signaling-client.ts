/**
 * The WebSocket client of the signaling server: joins one room, hands the welcome's peer
 * list and relayed signals up, sends signals down, and reconnects with jittered
 * exponential backoff if the socket drops after the first welcome.
 *
 * Frames from the server are parsed with the shared schema; a bad one is dropped and
 * reported through `onError`, never thrown. Signals sent while the socket is down wait
 * in a bounded queue (the oldest go first when it is full: stale signals are worthless).
 *
 *   const client = createSignalingClient({ url, room, peer, WebSocket, random, handlers, ...timing })
 *   await client.joined          // the first welcome, or a MeshJoinError
 *   client.signal('b', { kind: 'request' })
 *   client.close()
 */
import {
  type ClientFrame,
  MAX_SIGNALING_FRAME_BYTES,
  type PeerId,
  parseServerFrame,
  type Random,
  type RoomId,
} from '@gossip-mesh/shared'
import { MeshJoinError } from '../errors'
import { WEBSOCKET_OPEN, type WebSocketConstructor, type WebSocketLike } from '../platform/websocket'

export interface SignalingHandlers {
  /** The server named some peers of the room (on every join and rejoin). */
  onWelcome(peers: readonly PeerId[]): void
  /** Another peer relayed `data` to us. Untrusted. */
  onSignal(from: PeerId, data: unknown): void
  /** A bad frame, a server error frame or a lost connection; `code` is stable. */
  onError(code: SignalingErrorEventCode, message: string): void
  /**
   * The server could not relay a signal: `peer` is not in the room (it left, or has not
   * joined yet). Normal under churn, so not an error event; the caller stops signaling it.
   */
  onUnknownPeer?(peer: PeerId): void
}

/** Servers before the error frame's `peer` field name the missing peer only in the text. */
const UNKNOWN_PEER = /^no peer (\S+) in /

export type SignalingErrorEventCode =
  /** The server sent something that does not parse; dropped. */
  | 'bad-server-frame'
  /** The server answered with an error frame; `message` starts with its code. */
  | 'server-error'
  /** The socket closed; a reconnect is scheduled. */
  | 'disconnected'
  /** A signal was too large to send, or dropped from a full queue. */
  | 'signal-dropped'
  /** Not welcomed yet and the socket closed (`retryBeforeWelcome`); a retry is scheduled. */
  | 'unreachable'

export interface SignalingClientOptions {
  url: string
  room: RoomId
  peer: PeerId
  token: string | undefined
  WebSocket: WebSocketConstructor
  random: Random
  handlers: SignalingHandlers
  /** Reject `joined` if no welcome arrives in this time. */
  joinTimeoutMs: number
  /** First reconnect delay; doubles per failed try up to `reconnectMaxDelayMs`. */
  reconnectMinDelayMs: number
  reconnectMaxDelayMs: number
  /** Signals held while the socket is down. */
  maxQueuedSignals: number
  /**
   * Keep trying until the first welcome instead of failing the join. Used when the peer
   * has persisted state and works offline meanwhile: `joined` then never rejects before
   * `close()`, and failures are reported as 'unreachable' errors.
   */
  retryBeforeWelcome?: boolean
}

export interface SignalingStats {
  framesSent: number
  framesReceived: number
  badFrames: number
  reconnects: number
  signalsDropped: number
}

export interface SignalingClient {
  /** Resolves on the first welcome; rejects with a MeshJoinError if the first join fails. */
  readonly joined: Promise<void>
  signal(to: PeerId, data: unknown): void
  stats(): SignalingStats
  /** True while welcomed on an open socket. */
  readonly connected: boolean
  /** Waiting for a reconnect: try now instead (the page woke up, the network came back). */
  reconnectNow(): void
  /** Leave the room and close the socket for good. */
  close(): void
}

export function createSignalingClient(options: SignalingClientOptions): SignalingClient {
  const { handlers, room } = options
  const stats: SignalingStats = {
    framesSent: 0,
    framesReceived: 0,
    badFrames: 0,
    reconnects: 0,
    signalsDropped: 0,
  }
  const queue: string[] = []
  let socket: WebSocketLike | undefined
  let welcomed = false
  let everWelcomed = false
  let closed = false
  let failures = 0
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined
  let settle: { resolve(): void; reject(err: Error): void } | undefined

  const joined = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject }
  })
  const retrying = options.retryBeforeWelcome === true
  // Nobody awaits `joined` in retry mode; its rejection on close() must not surface.
  if (retrying) joined.catch(() => {})
  const joinTimer = setTimeout(() => {
    if (retrying) return
    failJoin(
      new MeshJoinError(
        'GM_ERR_JOIN_TIMEOUT',
        `no welcome from ${options.url} in ${options.joinTimeoutMs} ms`,
      ),
    )
  }, options.joinTimeoutMs)

  function failJoin(err: MeshJoinError): void {
    if (settle === undefined) return
    settle.reject(err)
    settle = undefined
    shutdown()
  }

  function sendJoin(ws: WebSocketLike): void {
    const join: ClientFrame =
      options.token === undefined
        ? { type: 'join', room, peer: options.peer }
        : { type: 'join', room, peer: options.peer, token: options.token }
    ws.send(JSON.stringify(join))
    stats.framesSent++
  }

  function onText(text: string): void {
    stats.framesReceived++
    const parsed = parseServerFrame(text)
    if (!parsed.ok) {
      stats.badFrames++
      handlers.onError('bad-server-frame', parsed.error.message)
      return
    }
    const frame = parsed.frame
    switch (frame.type) {
      case 'welcome': {
        if (frame.room !== room) return
        welcomed = true
        everWelcomed = true
        failures = 0
        clearTimeout(joinTimer)
        settle?.resolve()
        settle = undefined
        for (const text of queue.splice(0)) {
          socket?.send(text)
          stats.framesSent++
        }
        handlers.onWelcome(frame.peers)
        return
      }
      case 'signal':
        if (frame.room === room) handlers.onSignal(frame.from, frame.data)
        return
      case 'error':
        // Before the first welcome an error frame means the join itself was refused.
        if (!everWelcomed) {
          // A refusal would repeat on every retry: stop signaling (an offline peer keeps working).
          if (retrying) handlers.onError('server-error', `join refused: ${frame.code}: ${frame.message}`)
          failJoin(new MeshJoinError('GM_ERR_JOIN_FAILED', `${frame.code}: ${frame.message}`))
        } else if (
          (frame.code === 'unknown-peer' || frame.code === 'unavailable') &&
          handlers.onUnknownPeer !== undefined
        ) {
          // Unreachable through this server for now: stop signaling it; gossip or a later
          // welcome brings it back.
          const peer = frame.peer ?? UNKNOWN_PEER.exec(frame.message)?.[1]
          if (peer !== undefined) handlers.onUnknownPeer(peer)
          else handlers.onError('server-error', `${frame.code}: ${frame.message}`)
        } else handlers.onError('server-error', `${frame.code}: ${frame.message}`)
        return
      case 'reconnect':
        // The server is going away; its close event schedules the reconnect.
        socket?.close(1000, 'server asked to reconnect')
        return
    }
  }

  function open(): void {
    const ws = new options.WebSocket(options.url)
    socket = ws
    welcomed = false
    ws.onopen = () => {
      if (socket === ws) sendJoin(ws)
    }
    ws.onmessage = (event: { data: unknown }) => {
      if (socket !== ws) return
      if (typeof event.data === 'string') onText(event.data)
      else {
        stats.badFrames++
        handlers.onError('bad-server-frame', 'binary frame from the signaling server')
      }
    }
    ws.onerror = () => {
      // A close event always follows; it decides what to do.
    }
    ws.onclose = (event: { code?: number; reason?: string }) => {
      if (socket !== ws) return
      socket = undefined
      if (closed) return
      if (!everWelcomed && retrying) {
        handlers.onError('unreachable', `signaling socket ${options.url} closed before the welcome; retrying`)
        scheduleReconnect()
        return
      }
      if (!everWelcomed) {
        failJoin(
          new MeshJoinError(
            'GM_ERR_JOIN_FAILED',
            `signaling socket ${options.url} closed before the welcome (code ${event.code ?? 'unknown'})`,
          ),
        )
        return
      }
      handlers.onError(
        'disconnected',
        `signaling socket closed (code ${event.code ?? 'unknown'}); reconnecting`,
      )
      scheduleReconnect()
    }
  }

  function scheduleReconnect(): void {
    // Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): peers that
    // lost the same server do not all come back in the same instant.
    const cap = Math.min(options.reconnectMaxDelayMs, options.reconnectMinDelayMs * 2 ** failures)
    const delay = options.reconnectMinDelayMs / 2 + options.random.next() * cap
    failures++
    reconnectTimer = setTimeout(() => {
      if (closed) return
      stats.reconnects++
      open()
    }, delay)
  }

  function shutdown(): void {
    if (closed) return
    closed = true
    clearTimeout(joinTimer)
    clearTimeout(reconnectTimer)
    const ws = socket
    socket = undefined
    queue.length = 0
    if (ws !== undefined) {
      if (ws.readyState === WEBSOCKET_OPEN && welcomed) ws.send(JSON.stringify({ type: 'leave', room }))
      ws.close(1000, 'leaving')
    }
  }

  open()

  return {
    joined,
    signal(to, data) {
      if (closed) return
      const text = JSON.stringify({ type: 'signal', room, to, data } satisfies ClientFrame)
      if (text.length > MAX_SIGNALING_FRAME_BYTES) {
        stats.signalsDropped++
        handlers.onError('signal-dropped', `signal of ${text.length} bytes to ${to} is over the cap`)
        return
      }
      if (welcomed && socket?.readyState === WEBSOCKET_OPEN) {
        socket.send(text)
        stats.framesSent++
        return
      }
      if (queue.length >= options.maxQueuedSignals) {
        queue.shift()
        stats.signalsDropped++
      }
      queue.push(text)
    },
    stats: () => ({ ...stats }),
    get connected() {
      return welcomed && socket?.readyState === WEBSOCKET_OPEN
    },
    reconnectNow() {
      if (closed || socket !== undefined) return
      clearTimeout(reconnectTimer)
      failures = 0
      stats.reconnects++
      open()
    },
    close() {
      failJoin(new MeshJoinError('GM_ERR_JOIN_FAILED', 'closed before the welcome'))
      shutdown()
    },
  }
}
