/**
 * Node.js has a global WebSocket from version 22; on Node 20 the `ws` package stands in
 * when it is installed. Imported lazily so that nobody who passes a WebSocket pays for it.
 */
import type { WebSocketConstructor } from './websocket'

export async function defaultWebSocket(): Promise<WebSocketConstructor | undefined> {
  if (globalThis.WebSocket !== undefined) return globalThis.WebSocket
  try {
    const ws = await import('ws')
    return ws.WebSocket
  } catch {
    return undefined
  }
}
