/**
 * The WebSocket surface the signaling client uses. Typed loosely at the event handlers
 * so that both the DOM's `WebSocket` and the `ws` package's class fit without a cast.
 */
export interface WebSocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  // biome-ignore lint/suspicious/noExplicitAny: the DOM and ws declare different event types
  onopen: any
  // biome-ignore lint/suspicious/noExplicitAny: as above
  onmessage: any
  // biome-ignore lint/suspicious/noExplicitAny: as above
  onclose: any
  // biome-ignore lint/suspicious/noExplicitAny: as above
  onerror: any
}

export type WebSocketConstructor = new (url: string) => WebSocketLike

/** `readyState` of an open socket, the same in the DOM and in ws. */
export const WEBSOCKET_OPEN = 1
