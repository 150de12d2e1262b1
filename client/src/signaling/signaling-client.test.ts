import { seededRandom } from '@gossip-mesh/shared'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { MeshJoinError } from '../errors'
import { createSignalingClient, type SignalingClient, type SignalingClientOptions } from './signaling-client'

/** A WebSocket the test opens, feeds and drops by hand. */
class FakeSocket {
  static all: FakeSocket[] = []
  readyState = 0
  sent: Array<Record<string, unknown>> = []
  onopen: ((e: unknown) => void) | null = null
  onmessage: ((e: { data: unknown }) => void) | null = null
  onclose: ((e: { code: number }) => void) | null = null
  onerror: ((e: unknown) => void) | null = null

  constructor(readonly url: string) {
    FakeSocket.all.push(this)
  }
  send(text: string): void {
    this.sent.push(JSON.parse(text))
  }
  close(code = 1000): void {
    if (this.readyState === 3) return
    this.readyState = 3
    setTimeout(() => this.onclose?.({ code }))
  }
  open(): void {
    this.readyState = 1
    this.onopen?.({})
  }
  receive(frame: unknown): void {
    this.onmessage?.({ data: typeof frame === 'string' ? frame : JSON.stringify(frame) })
  }
  drop(): void {
    this.readyState = 3
    this.onclose?.({ code: 1006 })
  }
}

const last = (): FakeSocket => FakeSocket.all.at(-1) as FakeSocket
const clients: SignalingClient[] = []

function client(overrides: Partial<SignalingClientOptions> = {}) {
  const events = { welcomes: [] as string[][], signals: [] as unknown[], errors: [] as string[] }
  const c = createSignalingClient({
    url: 'ws://test',
    room: 'r',
    peer: 'me',
    token: undefined,
    WebSocket: FakeSocket,
    random: seededRandom(1),
    joinTimeoutMs: 1_000,
    reconnectMinDelayMs: 10,
    reconnectMaxDelayMs: 40,
    maxQueuedSignals: 3,
    handlers: {
      onWelcome: (peers) => events.welcomes.push([...peers]),
      onSignal: (from, data) => events.signals.push([from, data]),
      onError: (code, message) => events.errors.push(`${code}: ${message}`),
    },
    ...overrides,
  })
  c.joined.catch(() => {})
  clients.push(c)
  return { c, events }
}

afterEach(() => {
  for (const c of clients.splice(0)) c.close()
  FakeSocket.all = []
})

describe('signaling client', () => {
  it('joins, resolves on the welcome and sends queued signals after it', async () => {
    const { c, events } = client({ token: 'secret' })
    c.signal('b', { kind: 'request' })
    last().open()
    expect(last().sent).toEqual([{ type: 'join', room: 'r', peer: 'me', token: 'secret' }])
    last().receive({ type: 'welcome', room: 'r', peers: ['a', 'b'] })
    await c.joined
    expect(events.welcomes).toEqual([['a', 'b']])
    expect(last().sent.at(-1)).toEqual({ type: 'signal', room: 'r', to: 'b', data: { kind: 'request' } })
    last().receive({ type: 'signal', room: 'r', from: 'a', data: { x: 1 } })
    last().receive({ type: 'signal', room: 'other', from: 'a', data: { x: 2 } })
    expect(events.signals).toEqual([['a', { x: 1 }]])
  })

  it('a peer the server cannot reach (unknown, or its instance unreachable) is reported as such, not as a server error', async () => {
    const unknown: string[] = []
    const errors: string[] = []
    const { c } = client({
      handlers: {
        onWelcome: () => {},
        onSignal: () => {},
        onError: (code, message) => errors.push(`${code}: ${message}`),
        onUnknownPeer: (peer) => unknown.push(peer),
      },
    })
    last().open()
    last().receive({ type: 'welcome', room: 'r', peers: [] })
    await c.joined
    last().receive({ type: 'error', code: 'unknown-peer', message: 'no peer x in r', room: 'r', peer: 'x' })
    last().receive({
      type: 'error',
      code: 'unavailable',
      message: 'cannot reach y in r',
      room: 'r',
      peer: 'y',
    })
    expect(unknown).toEqual(['x', 'y'])
    expect(errors).toEqual([])
  })

  it('reports bad frames from the server and goes on', async () => {
    const { c, events } = client()
    last().open()
    last().receive('not json')
    last().receive({ type: 'welcome', room: 'r', peers: ['bad id!'] })
    last().onmessage?.({ data: new Uint8Array(3) })
    last().receive({ type: 'welcome', room: 'r', peers: [] })
    await c.joined
    expect(events.errors.map((e) => e.split(':')[0])).toEqual([
      'bad-server-frame',
      'bad-server-frame',
      'bad-server-frame',
    ])
    expect(c.stats().badFrames).toBe(3)
  })

  it('rejects the join when the server refuses it', async () => {
    const { c } = client()
    last().open()
    last().receive({ type: 'error', code: 'unauthorized', message: 'bad token' })
    await expect(c.joined).rejects.toMatchObject({ code: 'GM_ERR_JOIN_FAILED', message: /unauthorized/ })
  })

  it('rejects the join when the socket closes before the welcome', async () => {
    const { c } = client()
    last().drop()
    const err = await c.joined.catch((e) => e)
    expect(err).toBeInstanceOf(MeshJoinError)
    expect(err.code).toBe('GM_ERR_JOIN_FAILED')
  })

  it('rejects the join when no welcome comes in time', async () => {
    const { c } = client({ joinTimeoutMs: 20 })
    last().open()
    await expect(c.joined).rejects.toMatchObject({ code: 'GM_ERR_JOIN_TIMEOUT' })
    expect(last().readyState).toBe(3)
  })

  it('reconnects and rejoins after losing the socket, holding a bounded queue meanwhile', async () => {
    const { c, events } = client()
    last().open()
    last().receive({ type: 'welcome', room: 'r', peers: [] })
    await c.joined
    const first = last()
    first.drop()
    expect(events.errors.at(-1)).toMatch(/^disconnected/)
    for (const to of ['a', 'b', 'c', 'd', 'e']) c.signal(to, { kind: 'request' })
    await vi.waitFor(() => expect(FakeSocket.all).toHaveLength(2))
    last().open()
    last().receive({ type: 'welcome', room: 'r', peers: ['z'] })
    expect(events.welcomes).toEqual([[], ['z']])
    // Three fit in the queue; the two oldest were dropped.
    expect(last().sent.map((f) => f.to ?? f.type)).toEqual(['join', 'c', 'd', 'e'])
    expect(c.stats()).toMatchObject({ reconnects: 1, signalsDropped: 2 })
  })

  it('reconnects when the server asks it to', async () => {
    const { c } = client()
    last().open()
    last().receive({ type: 'welcome', room: 'r', peers: [] })
    await c.joined
    last().receive({ type: 'reconnect', reason: 'restart' })
    await vi.waitFor(() => expect(FakeSocket.all).toHaveLength(2))
  })

  it('leaves and stops for good on close', async () => {
    const { c } = client()
    last().open()
    last().receive({ type: 'welcome', room: 'r', peers: [] })
    await c.joined
    c.close()
    expect(last().sent.at(-1)).toEqual({ type: 'leave', room: 'r' })
    await new Promise((r) => setTimeout(r, 60))
    expect(FakeSocket.all).toHaveLength(1)
    c.signal('a', {})
    expect(last().sent.at(-1)).toEqual({ type: 'leave', room: 'r' })
  })

  it('drops a signal too large for the server', async () => {
    const { c, events } = client()
    last().open()
    last().receive({ type: 'welcome', room: 'r', peers: [] })
    await c.joined
    c.signal('a', { blob: 'x'.repeat(70_000) })
    expect(events.errors.at(-1)).toMatch(/^signal-dropped/)
    expect(last().sent).toHaveLength(1)
  })
})
