/**
 * A WebSocket client for tests: it queues every server frame so a test can await the
 * next one of a kind, with a bounded wait instead of a sleep.
 *
 *   const a = await TestClient.connect(server.url)
 *   a.send({ type: 'join', room: 'r', peer: 'a' })
 *   const welcome = await a.next('welcome')
 *   await a.close()
 */
import type { ServerFrame } from '@gossip-mesh/shared/signaling/signaling-frame'
import WebSocket, { type ClientOptions } from 'ws'

type FrameOf<T extends ServerFrame['type']> = Extract<ServerFrame, { type: T }>

/** Longest a test waits for one frame; well under vitest's timeout so failures name the frame. */
const WAIT_MS = 3000

export class TestClient {
  readonly frames: ServerFrame[] = []
  closeCode: number | undefined
  readonly closed: Promise<number>
  #waiters: Array<() => void> = []

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as ServerFrame)
      this.#wake()
    })
    this.closed = new Promise((resolve) => {
      ws.on('close', (code) => {
        this.closeCode = code
        this.#wake()
        resolve(code)
      })
    })
    ws.on('error', () => {})
  }

  static connect(url: string, options: ClientOptions = {}): Promise<TestClient> {
    const ws = new WebSocket(url, options)
    const client = new TestClient(ws)
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client))
      ws.once('error', reject)
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
    })
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  /** Join and wait for the welcome. */
  async join(room: string, peer: string, token?: string): Promise<FrameOf<'welcome'>> {
    this.send(token === undefined ? { type: 'join', room, peer } : { type: 'join', room, peer, token })
    return this.next('welcome')
  }

  /** Remove and return the first queued frame of `type`, waiting for one if needed. */
  async next<T extends ServerFrame['type']>(type: T, waitMs = WAIT_MS): Promise<FrameOf<T>> {
    const deadline = Date.now() + waitMs
    for (;;) {
      const i = this.frames.findIndex((f) => f.type === type)
      if (i >= 0) return this.frames.splice(i, 1)[0] as FrameOf<T>
      if (this.closeCode !== undefined)
        throw new Error(`socket closed (${this.closeCode}) before a ${type} frame`)
      const left = deadline - Date.now()
      if (left <= 0)
        throw new Error(`no ${type} frame within ${waitMs} ms; got ${JSON.stringify(this.frames)}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.#waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  /** Resolve after a round trip to the server, so frames sent before it have been handled. */
  async sync(): Promise<void> {
    const marker = `sync-${Math.random().toString(36).slice(2)}`
    this.send({ type: 'join', room: marker, peer: 'sync' })
    await this.next('welcome')
    this.send({ type: 'leave', room: marker })
  }

  async close(): Promise<void> {
    if (this.closeCode === undefined) this.ws.close()
    await this.closed
  }

  #wake(): void {
    const waiters = this.#waiters
    this.#waiters = []
    for (const w of waiters) w()
  }
}
