/** Browsers always have a WebSocket. */
import type { WebSocketConstructor } from './websocket'

export async function defaultWebSocket(): Promise<WebSocketConstructor | undefined> {
  return globalThis.WebSocket
}
