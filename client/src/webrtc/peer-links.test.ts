import { EventEmitter } from 'node:events'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { PeerLike } from './peer-like'
import { createPeerLinks, type PeerLinks, type PeerLinksOptions } from './peer-links'
import type { RtcSignal } from './signal-envelope'

/**
 * An in-memory stand-in for simple-peer: an offer names its initiator, the answer
 * names the responder, and once both are paired they exchange chunks in order.
 */
class FakePeer extends EventEmitter implements PeerLike {
  static registry = new Map<string, FakePeer>()
  static count = 0
  readonly token = `t${FakePeer.count++}`
  partner: FakePeer | undefined
  destroyed = false
  bufferSize = 0
  sent: Uint8Array[] = []
  /** Every signal given to this peer, in order. */
  received: RtcSignal[] = []

  constructor(
    readonly initiator: boolean,
    readonly mute: boolean,
  ) {
    super()
    FakePeer.registry.set(this.token, this)
    if (initiator) setTimeout(() => this.emitSignal({ type: 'offer', sdp: this.token }))
  }

  private emitSignal(data: RtcSignal): void {
    if (!this.destroyed && !this.mute) this.emit('signal', data)
  }

  signal(data: RtcSignal): void {
    if (this.destroyed) throw new Error('cannot signal after peer is destroyed')
    this.received.push(data)
    if (data.type === 'candidate') return
    const other = FakePeer.registry.get(data.sdp)
    if (other === undefined) return
    if (data.type === 'offer' && !this.initiator) {
      this.partner = other
      setTimeout(() => this.emitSignal({ type: 'answer', sdp: this.token }))
    } else if (data.type === 'answer' && this.initiator && other.partner === this) {
      this.partner = other
      setTimeout(() => {
        if (this.destroyed || other.destroyed) return
        this.emit('connect')
        other.emit('connect')
      })
    }
  }

  send(chunk: Uint8Array): void {
    if (this.destroyed) throw new Error('channel closed')
    this.sent.push(chunk)
    const partner = this.partner
    queueMicrotask(() => {
      if (partner !== undefined && !partner.destroyed) partner.emit('data', chunk)
    })
  }

  destroy(): void {
    if (this.destroyed) return
    this.destroyed = true
    setTimeout(() => this.emit('close'))
    const partner = this.partner
    if (partner !== undefined && partner.partner === this) setTimeout(() => partner.destroy())
  }
}

interface Side {
  links: PeerLinks
  up: string[]
  down: string[]
  messages: Array<[string, Uint8Array]>
  errors: string[]
  peers: FakePeer[]
}

const sides = new Map<string, Side>()
let attempt = 0

function side(self: string, overrides: Partial<PeerLinksOptions> & { mute?: boolean } = {}): Side {
  const s: Side = { up: [], down: [], messages: [], errors: [], peers: [] } as unknown as Side
  s.links = createPeerLinks({
    self,
    createPeer: ({ initiator }) => {
      const p = new FakePeer(initiator, overrides.mute ?? false)
      s.peers.push(p)
      return p
    },
    // The signaling server: relays in order, a little later.
    sendSignal: (to, envelope) => setTimeout(() => sides.get(to)?.links.handleSignal(self, envelope)),
    newAttemptId: () => `a${attempt++}`,
    connectTimeoutMs: 1_000,
    maxChunkBytes: 1024,
    maxMessageBytes: 1 << 20,
    maxBufferedBytes: 1 << 22,
    maxLinks: 8,
    handlers: {
      onUp: (p) => s.up.push(p),
      onDown: (p) => s.down.push(p),
      onMessage: (p, bytes) => s.messages.push([p, bytes]),
      onError: (code, detail) => s.errors.push(`${code}: ${detail}`),
    },
    ...overrides,
  })
  sides.set(self, s)
  return s
}

afterEach(() => {
  for (const s of sides.values()) s.links.close()
  sides.clear()
  FakePeer.registry.clear()
})

describe('peer links', () => {
  it('opens a link when the lower id connects, and carries a large message whole', async () => {
    const a = side('a')
    const b = side('b')
    a.links.connect('b')
    await vi.waitFor(() => expect([a.up, b.up]).toEqual([['b'], ['a']]))
    const big = new Uint8Array(100_000).map((_, i) => i & 0xff)
    expect(a.links.send('b', big)).toBe(true)
    await vi.waitFor(() => expect(b.messages).toHaveLength(1))
    expect(Buffer.from(b.messages[0]?.[1] as Uint8Array).equals(Buffer.from(big))).toBe(true)
    expect(a.links.stats().chunksSent).toBe(Math.ceil(100_000 / (1024 - 5)))
  })

  it('opens a link when the higher id connects, through a request', async () => {
    const a = side('a')
    const b = side('b')
    b.links.connect('a')
    await vi.waitFor(() => expect([a.up, b.up]).toEqual([['b'], ['a']]))
    expect(a.peers.map((p) => p.initiator)).toEqual([true])
    expect(b.peers.map((p) => p.initiator)).toEqual([false])
  })

  it('opens exactly one link when both sides connect at once (glare)', async () => {
    const a = side('a')
    const b = side('b')
    a.links.connect('b')
    b.links.connect('a')
    await vi.waitFor(() => expect([a.up, b.up]).toEqual([['b'], ['a']]))
    await new Promise((r) => setTimeout(r, 20))
    expect(a.peers).toHaveLength(1)
    expect(b.peers).toHaveLength(1)
    expect([a.down, b.down]).toEqual([[], []])
  })

  it('reports a requested link that never opens as down after the timeout', async () => {
    const a = side('a', { connectTimeoutMs: 30 })
    side('b', { mute: true })
    a.links.connect('b')
    await vi.waitFor(() => expect(a.down).toEqual(['b']))
    expect(a.up).toEqual([])
    expect(a.links.stats().connectTimeouts).toBe(1)
    expect(a.peers[0]?.destroyed).toBe(true)
  })

  it('does not report an inbound link that never opens', async () => {
    side('a', { mute: true })
    const b = side('b', { connectTimeoutMs: 30 })
    sides.get('a')?.links.handleSignal('b', { kind: 'request' })
    await vi.waitFor(() => expect(b.links.stats().connectTimeouts).toBe(0))
    await new Promise((r) => setTimeout(r, 60))
    expect(b.down).toEqual([])
  })

  it('closes quietly on disconnect; the other side sees it go down', async () => {
    const a = side('a')
    const b = side('b')
    a.links.connect('b')
    await vi.waitFor(() => expect(b.up).toEqual(['a']))
    a.links.disconnect('b')
    await vi.waitFor(() => expect(b.down).toEqual(['a']))
    expect(a.down).toEqual([])
    expect(a.links.open()).toEqual([])
    expect(a.links.send('b', new Uint8Array(1))).toBe(false)
  })

  it('replaces an open link when the lower id restarts and offers again', async () => {
    const a = side('a')
    const b = side('b')
    a.links.connect('b')
    await vi.waitFor(() => expect(b.up).toEqual(['a']))
    // "a" restarts: a fresh instance with the same id, which knows nothing of the old link.
    sides.delete('a')
    const a2 = side('a')
    a2.links.connect('b')
    await vi.waitFor(() => expect(b.up).toEqual(['a', 'a']))
    expect(b.down).toEqual(['a'])
    expect(b.links.open()).toEqual(['a'])
    a.links.close()
  })

  it('drops and reports bad signals, and counts stale ones', async () => {
    const b = side('b')
    b.links.handleSignal('a', { kind: 'nonsense' })
    b.links.handleSignal('a', { kind: 'request' })
    b.links.handleSignal('a', { kind: 'rtc', attempt: 'x', data: { type: 'answer', sdp: 'nope' } })
    expect(b.errors).toHaveLength(2)
    expect(b.errors[1]).toMatch(/lower id/)
    expect(b.links.stats().staleSignals).toBe(1)
    expect(b.peers).toHaveLength(0)
  })

  it('refuses links beyond the cap and reports the requested one down', async () => {
    const a = side('a', { maxLinks: 1 })
    a.links.connect('b')
    a.links.connect('c')
    await vi.waitFor(() => expect(a.down).toEqual(['c']))
    expect(a.errors.some((e) => e.startsWith('too-many-links'))).toBe(true)
  })

  it('reports a bad chunk from a peer without closing the link', async () => {
    const a = side('a')
    const b = side('b')
    a.links.connect('b')
    await vi.waitFor(() => expect(b.up).toEqual(['a']))
    a.peers[0]?.send(Uint8Array.of(7, 7, 7))
    a.links.send('b', Uint8Array.of(1, 2, 3))
    await vi.waitFor(() => expect(b.messages).toHaveLength(1))
    expect(b.errors).toEqual([expect.stringMatching(/^bad-chunk/)])
    expect(b.links.open()).toEqual(['a'])
  })
})

describe('peer links, early data', () => {
  it('reports a link up when data arrives before its connect event', async () => {
    const a = side('a')
    const b = side('b')
    a.links.connect('b')
    await vi.waitFor(() => expect(b.peers).toHaveLength(1))
    const rtcB = b.peers[0] as FakePeer
    // The channel delivers a message before simple-peer's (delayed) 'connect'.
    rtcB.emit('data', Uint8Array.of(0, 42))
    expect(b.up).toEqual(['a'])
    expect(b.messages.map(([p, m]) => [p, [...m]])).toEqual([['a', [42]]])
    await vi.waitFor(() => expect(a.up).toEqual(['b']))
    expect(b.up).toEqual(['a'])
  })
})

describe('peer links, candidates ahead of their offer', () => {
  const candidate = (n: number): RtcSignal => ({
    type: 'candidate',
    candidate: {
      candidate: `candidate:${n} 1 UDP 1 192.0.2.1 ${5000 + n} typ host`,
      sdpMid: '0',
      sdpMLineIndex: 0,
    },
  })
  const rtc = (attempt: string, data: RtcSignal) => ({ kind: 'rtc', attempt, data })

  it('applies candidates that came before the offer, after it, in order', () => {
    const b = side('b')
    b.links.handleSignal('a', rtc('x', candidate(1)))
    b.links.handleSignal('a', rtc('x', candidate(2)))
    expect(b.peers).toHaveLength(0)
    b.links.handleSignal('a', rtc('x', { type: 'offer', sdp: 'unpaired' }))
    expect(b.peers).toHaveLength(1)
    expect(b.peers[0]?.received).toEqual([{ type: 'offer', sdp: 'unpaired' }, candidate(1), candidate(2)])
    expect(b.links.stats().staleSignals).toBe(0)
  })

  it("counts an abandoned attempt's candidates stale, and never gives them to a newer attempt", () => {
    const b = side('b')
    b.links.handleSignal('a', rtc('old', candidate(1)))
    b.links.handleSignal('a', rtc('new', candidate(2)))
    b.links.handleSignal('a', rtc('new', { type: 'offer', sdp: 'unpaired' }))
    expect(b.peers[0]?.received).toEqual([{ type: 'offer', sdp: 'unpaired' }, candidate(2)])
    expect(b.links.stats().staleSignals).toBe(1)
  })

  it("gives a restarted attempt's early candidates to the new connection, not the open one", async () => {
    const a = side('a')
    const b = side('b')
    a.links.connect('b')
    await vi.waitFor(() => expect(b.up).toEqual(['a']))
    const open = b.peers[0] as FakePeer
    const before = open.received.length
    b.links.handleSignal('a', rtc('again', candidate(7)))
    b.links.handleSignal('a', rtc('again', { type: 'offer', sdp: 'unpaired' }))
    expect(open.received).toHaveLength(before)
    expect(b.peers[1]?.received).toEqual([{ type: 'offer', sdp: 'unpaired' }, candidate(7)])
  })

  it('counts the held candidates of an offer refused over the link cap as stale', () => {
    const b = side('b', { maxLinks: 1 })
    b.links.connect('c')
    b.links.handleSignal('a', rtc('x', candidate(1)))
    b.links.handleSignal('a', rtc('x', { type: 'offer', sdp: 'unpaired' }))
    expect(b.peers.filter((p) => !p.initiator)).toHaveLength(0)
    expect(b.links.stats().staleSignals).toBe(1)
  })

  it('does not hold candidates from a higher id, which never offers', () => {
    const a = side('a')
    a.links.handleSignal('b', rtc('x', candidate(1)))
    expect(a.links.stats().staleSignals).toBe(1)
  })
})

describe('peer links, flush', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  /** Whether `promise` has settled, read after advancing the fake clock. */
  const watch = (promise: Promise<unknown>): { done: boolean } => {
    const state = { done: false }
    void promise.then(() => {
      state.done = true
    })
    return state
  }

  it('waits for the other end to read (100 ms) after the buffer drains, within the timeout', async () => {
    const a = side('a')
    const b = side('b')
    a.links.connect('b')
    await vi.waitFor(() => expect(a.up).toEqual(['b']))
    vi.useFakeTimers()
    const long = watch(a.links.flush(500))
    await vi.advanceTimersByTimeAsync(99)
    expect(long.done).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(long.done).toBe(true)

    const short = watch(a.links.flush(30))
    await vi.advanceTimersByTimeAsync(30)
    expect(short.done).toBe(true)
    expect(b.down).toEqual([])
  })

  it('returns at once with no open link', async () => {
    const a = side('a')
    vi.useFakeTimers()
    const flushed = watch(a.links.flush(500))
    await vi.advanceTimersByTimeAsync(0)
    expect(flushed.done).toBe(true)
  })
})
