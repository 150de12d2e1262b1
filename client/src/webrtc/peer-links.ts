/**
 * The data channels to other peers: opening them through signaling, timing out the ones
 * that never open, framing messages into chunks, and telling the shell when a channel
 * comes up or goes down. It knows nothing of the protocol: bytes in, bytes out.
 *
 * Promises: `send` is best-effort (a message may be dropped when the channel is gone or
 * its buffer is full; counted in stats); messages that arrive are whole and in order.
 * `onDown` fires once for a link that was up, or that the caller asked for with
 * `connect` and that failed or timed out; never after `disconnect` or `close`.
 *
 *   const links = createPeerLinks({ self: 'a', createPeer, sendSignal, handlers, ...LINK_DEFAULTS })
 *   links.connect('b')                  // later: handlers.onUp('b') or handlers.onDown('b')
 *   links.handleSignal('b', data)       // relayed by the signaling server
 *   links.send('b', frameBytes)
 */
import type { PeerId } from '@gossip-mesh/shared'
import { createEarlyCandidates } from './early-candidates'
import { createReassembler, fragment, type Reassembler } from './fragmentation'
import type { PeerFactory, PeerLike } from './peer-like'
import { isInitiator, parseSignalEnvelope, type RtcSignal, type SignalEnvelope } from './signal-envelope'

export interface PeerLinkHandlers {
  onUp(peer: PeerId): void
  onDown(peer: PeerId): void
  onMessage(peer: PeerId, bytes: Uint8Array): void
  /** Something a peer sent was dropped, or a connection failed; never thrown. */
  onError(code: PeerLinkErrorCode, detail: string, peer: PeerId): void
}

export type PeerLinkErrorCode = 'bad-signal' | 'bad-chunk' | 'connection-failed' | 'too-many-links'

export interface PeerLinksOptions {
  self: PeerId
  createPeer: PeerFactory
  /** Relay an envelope to `to` through the signaling server. */
  sendSignal(to: PeerId, envelope: SignalEnvelope): void
  handlers: PeerLinkHandlers
  /** A fresh, unguessable attempt id (a few random characters). */
  newAttemptId(): string
  /** A link not open after this long is closed and reported down. */
  connectTimeoutMs: number
  /** Largest data-channel message sent, fragment header included. */
  maxChunkBytes: number
  /** Largest message reassembled from fragments; bounds memory per link. */
  maxMessageBytes: number
  /** A send is dropped while the channel already buffers more than this. */
  maxBufferedBytes: number
  /** Most links, open or opening, at once; further requests are refused. */
  maxLinks: number
}

export interface PeerLinkStats {
  linksOpened: number
  linksClosed: number
  connectTimeouts: number
  chunksSent: number
  chunksReceived: number
  /** Messages not sent: no open channel, full buffer, or the channel threw. */
  sendsDropped: number
  /**
   * Signals for an attempt that is no longer current, including candidates held for an
   * offer that never came (see early-candidates.ts). Normal after a retry; not errors.
   */
  staleSignals: number
  /** Links now being opened (a connection exists or is awaited, the channel is not open yet). */
  opening: number
}

export interface PeerLinks {
  connect(peer: PeerId): void
  disconnect(peer: PeerId): void
  /** The link to `peer` cannot open (it is gone): drop it and report it down if asked for. */
  fail(peer: PeerId): void
  send(peer: PeerId, bytes: Uint8Array): boolean
  handleSignal(from: PeerId, data: unknown): void
  /** Peers with an open data channel. */
  open(): PeerId[]
  stats(): PeerLinkStats
  /**
   * Resolve once every open channel has drained its send buffer and the other ends had a
   * moment (`FLUSH_SETTLE_MS`) to read what was sent, or after `timeoutMs`.
   */
  flush(timeoutMs: number): Promise<void>
  /** Close every link without reporting any down. */
  close(): void
}

interface Link {
  readonly peer: PeerId
  /** Undefined while the higher id waits for the lower id's offer. */
  rtc: PeerLike | undefined
  attempt: string | undefined
  open: boolean
  /** The caller asked for this link, so a failure to open is reported down. */
  requested: boolean
  closed: boolean
  timer: ReturnType<typeof setTimeout> | undefined
  readonly reassembler: Reassembler
}

/**
 * How long `flush` lets the other ends read before the caller closes. Measured with the
 * leave test under load (two busy loops on two cores, node-datachannel): closing at once
 * lost the leave notice in 9 of 12 runs; 100 ms later, in none of 20.
 */
const FLUSH_SETTLE_MS = 100
/** Peers whose early candidates are held at once; a join storm rarely has more offers in flight. */
const EARLY_CANDIDATE_PEERS = 64
/** A data-channel connection gathers a few host candidates per interface; 16 is ample. */
const EARLY_CANDIDATES_PER_PEER = 16

export function createPeerLinks(options: PeerLinksOptions): PeerLinks {
  const { self, handlers } = options
  const links = new Map<PeerId, Link>()
  const stats: PeerLinkStats = {
    linksOpened: 0,
    linksClosed: 0,
    connectTimeouts: 0,
    chunksSent: 0,
    chunksReceived: 0,
    sendsDropped: 0,
    staleSignals: 0,
    opening: 0,
  }

  const early = createEarlyCandidates({
    maxPeers: EARLY_CANDIDATE_PEERS,
    maxPerPeer: EARLY_CANDIDATES_PER_PEER,
    onDiscard: (count) => {
      stats.staleSignals += count
    },
  })

  const isCurrent = (link: Link): boolean => !link.closed && links.get(link.peer) === link

  /** Tear a link down; report it down when it was up or asked for, unless `quiet`. */
  const drop = (link: Link, quiet: boolean): void => {
    if (link.closed) return
    link.closed = true
    clearTimeout(link.timer)
    if (links.get(link.peer) === link) links.delete(link.peer)
    link.rtc?.destroy()
    if (link.open) stats.linksClosed++
    if (!quiet && (link.open || link.requested)) handlers.onDown(link.peer)
  }

  const newLink = (peer: PeerId, requested: boolean): Link => {
    const link: Link = {
      peer,
      rtc: undefined,
      attempt: undefined,
      open: false,
      requested,
      closed: false,
      timer: undefined,
      reassembler: createReassembler({ maxMessageBytes: options.maxMessageBytes }),
    }
    link.timer = setTimeout(() => {
      if (!isCurrent(link) || link.open) return
      stats.connectTimeouts++
      drop(link, false)
    }, options.connectTimeoutMs)
    links.set(peer, link)
    return link
  }

  const markOpen = (link: Link): void => {
    if (link.open) return
    link.open = true
    clearTimeout(link.timer)
    stats.linksOpened++
    handlers.onUp(link.peer)
  }

  const attach = (link: Link, initiator: boolean, attempt: string): PeerLike => {
    const rtc = options.createPeer({ initiator })
    link.rtc = rtc
    link.attempt = attempt
    rtc.on('signal', (data) => {
      if (isCurrent(link)) options.sendSignal(link.peer, { kind: 'rtc', attempt, data })
    })
    rtc.on('connect', () => {
      if (isCurrent(link)) markOpen(link)
    })
    rtc.on('data', (chunk) => {
      if (!isCurrent(link)) return
      // simple-peer reports 'connect' only after an asynchronous getStats, so the other
      // side's first frames can arrive before it: a message proves the channel is open.
      markOpen(link)
      if (!isCurrent(link)) return
      stats.chunksReceived++
      const result = link.reassembler.push(chunk)
      if (result.type === 'message') handlers.onMessage(link.peer, result.bytes)
      else if (result.type === 'error')
        handlers.onError('bad-chunk', `${result.reason}: ${result.detail}`, link.peer)
    })
    rtc.on('error', (err) => {
      if (isCurrent(link)) handlers.onError('connection-failed', err.message, link.peer)
    })
    rtc.on('close', () => {
      if (isCurrent(link)) drop(link, false)
    })
    return rtc
  }

  /** Replace whatever link exists to `peer` with a fresh one, keeping whether it was asked for. */
  const replace = (peer: PeerId, requested: boolean): Link | undefined => {
    const old = links.get(peer)
    if (old !== undefined) drop(old, !old.open)
    else if (links.size >= options.maxLinks) {
      handlers.onError('too-many-links', `already ${links.size} links`, peer)
      return undefined
    }
    return newLink(peer, requested || (old?.requested ?? false))
  }

  const startInitiator = (link: Link): void => {
    attach(link, true, options.newAttemptId())
  }

  const onRequest = (from: PeerId): void => {
    if (!isInitiator(self, from)) {
      handlers.onError('bad-signal', 'connect request from a lower id', from)
      return
    }
    const existing = links.get(from)
    // A pending attempt of ours answers the request already (this is the glare case).
    if (existing !== undefined && !existing.open) return
    // An open link the other side asks for again was lost on its side: start over.
    const link = replace(from, false)
    if (link !== undefined) startInitiator(link)
  }

  const onRtc = (from: PeerId, envelope: Extract<SignalEnvelope, { kind: 'rtc' }>): void => {
    const existing = links.get(from)
    if (existing?.rtc !== undefined && existing.attempt === envelope.attempt) {
      signalTo(existing, envelope.data)
      return
    }
    // A candidate from the lower id may be ahead of its attempt's offer: keep it for that.
    if (envelope.data.type === 'candidate' && !isInitiator(self, from)) {
      early.hold(from, envelope.attempt, envelope.data)
      return
    }
    // Only an offer from the lower id starts (or restarts) a link; anything else is stale.
    if (envelope.data.type !== 'offer' || isInitiator(self, from)) {
      stats.staleSignals++
      return
    }
    let link: Link | undefined = existing
    if (link === undefined || link.rtc !== undefined) link = replace(from, false)
    const held = early.take(from, envelope.attempt)
    if (link === undefined) {
      stats.staleSignals += held.length // refused: no connection will use them
      return
    }
    attach(link, false, envelope.attempt)
    let applied = 0
    if (signalTo(link, envelope.data)) {
      while (applied < held.length && isCurrent(link) && signalTo(link, held[applied] as RtcSignal)) applied++
    }
    // What a dead connection could not take is stale (its close reports the link).
    stats.staleSignals += held.length - applied
  }

  /** False when the connection threw: it died between its last event and this signal. */
  const signalTo = (link: Link, data: RtcSignal): boolean => {
    try {
      link.rtc?.signal(data)
      return true
    } catch (err) {
      // Its close event reports the link down.
      handlers.onError('connection-failed', (err as Error).message, link.peer)
      return false
    }
  }

  return {
    connect(peer) {
      if (peer === self) return
      const existing = links.get(peer)
      if (existing !== undefined) {
        existing.requested = true
        return
      }
      if (links.size >= options.maxLinks) {
        handlers.onError('too-many-links', `already ${links.size} links`, peer)
        // Reported asynchronously, like every other outcome of connect.
        queueMicrotask(() => handlers.onDown(peer))
        return
      }
      const link = newLink(peer, true)
      if (isInitiator(self, peer)) startInitiator(link)
      else options.sendSignal(peer, { kind: 'request' })
    },

    disconnect(peer) {
      const link = links.get(peer)
      if (link !== undefined) drop(link, true)
    },

    fail(peer) {
      const link = links.get(peer)
      if (link !== undefined && !link.open) drop(link, false)
    },

    send(peer, bytes) {
      const link = links.get(peer)
      const rtc = link?.rtc
      if (
        link === undefined ||
        rtc === undefined ||
        !link.open ||
        rtc.bufferSize + bytes.length > options.maxBufferedBytes
      ) {
        stats.sendsDropped++
        return false
      }
      try {
        for (const chunk of fragment(bytes, options.maxChunkBytes)) {
          rtc.send(chunk)
          stats.chunksSent++
        }
        return true
      } catch {
        // The channel closed under us; its close event reports the link down.
        stats.sendsDropped++
        return false
      }
    },

    handleSignal(from, data) {
      if (from === self) return
      const parsed = parseSignalEnvelope(data)
      if (!parsed.ok) {
        handlers.onError('bad-signal', parsed.reason, from)
        return
      }
      if (parsed.envelope.kind === 'request') onRequest(from)
      else onRtc(from, parsed.envelope)
    },

    open: () => [...links.values()].filter((l) => l.open).map((l) => l.peer),
    stats: () => ({
      ...stats,
      opening: [...links.values()].filter((l) => !l.open && l.rtc !== undefined).length,
    }),

    async flush(timeoutMs) {
      const deadline = Date.now() + timeoutMs
      const buffered = () => [...links.values()].some((l) => l.open && (l.rtc?.bufferSize ?? 0) > 0)
      while (buffered() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
      // Drained means handed to the transport, not read: a connection closed right after
      // its last message can lose it (node-datachannel did, see FLUSH_SETTLE_MS; a close
      // that reaches the other end first makes simple-peer drop what is still queued).
      const settle = Math.min(FLUSH_SETTLE_MS, deadline - Date.now())
      if (settle > 0 && [...links.values()].some((l) => l.open))
        await new Promise((r) => setTimeout(r, settle))
    },

    close() {
      for (const link of [...links.values()]) drop(link, true)
      early.clear()
    },
  }
}
