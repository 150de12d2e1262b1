/**
 * Options of SWIM + Lifeguard membership. Defaults are memberlist's `DefaultLANConfig`
 * (hashicorp/memberlist config.go), which Consul runs on LANs of thousands of nodes;
 * where this mesh differs (probes over an overlay, browser tabs) the reason is given.
 */
import { NodeOptionsError, requireNumbers, stripUndefined } from '../node/options-error'
import { DEFAULT_WIRE_LIMITS } from '../wire/limits'

export interface SwimOptions {
  /** Period of one probe (and of one round-robin step). Default 1,000 ms: memberlist ProbeInterval. */
  probeIntervalMs?: number
  /** Wait for a direct ack before asking helpers. Default 500 ms: memberlist ProbeTimeout (> a 99th-percentile RTT). */
  probeTimeoutMs?: number
  /** Helpers asked to probe indirectly. Default 3: memberlist IndirectChecks. */
  indirectProbes?: number
  /** Suspicion timeout = mult · log10(N+1) · probe interval at least. Default 4: memberlist SuspicionMult. */
  suspicionMult?: number
  /** The suspicion timeout starts at this multiple of its minimum. Default 6: memberlist SuspicionMaxTimeoutMult. */
  suspicionMaxMult?: number
  /** Each update is piggybacked mult · ⌈log10(N+1)⌉ times by each peer. Default 4: memberlist RetransmitMult. */
  retransmitMult?: number
  /** Period of membership-only gossip while news is queued. Default 200 ms: memberlist GossipInterval. */
  gossipIntervalMs?: number
  /** Members gossiped to per period over a connectionless transport. Default 3: memberlist GossipNodes. Over the overlay every active neighbour is (see PROTOCOL.md). */
  gossipFanout?: number
  /**
   * Lifeguard (Dadgar et al., 2018): local health awareness, nacks, suspicion shrinking
   * with confirmations. Default true. False gives classic SWIM (fixed suspicion timeout
   * = the minimum, no nacks, no health score), used as the benchmark's baseline.
   */
  lifeguard?: boolean
  /** Highest probe-timing multiplier of the health score. Default 8: memberlist AwarenessMaxMultiplier. */
  awarenessMaxMultiplier?: number
  /**
   * A tick or event this late past the node's own wake-up time means this peer was
   * stalled (a throttled tab): it raises its health score and judges no one for a grace
   * period. Default 250 ms: half a probe timeout, well above timer jitter.
   */
  lateToleranceMs?: number
  /** How long dead and left members are remembered, so stale news cannot revive them. Default 120,000 ms (memberlist keeps the dead for GossipToTheDeadTime 30 s; longer here so a healed partition can still find the peers it declared dead). */
  deadRetentionMs?: number
  /** Largest metadata a member may publish. Default 512 bytes (the wire cap): it rides on membership gossip. */
  maxMetaBytes?: number
  /** Membership bytes piggybacked on one frame. Default 1,200: memberlist fills a 1,400-byte UDP packet. */
  piggybackBytes?: number
  /**
   * Over the overlay: most membership bytes in one MEMBER_GOSSIP frame. Default 8,192: a
   * data channel carries it as one message (under the 16 KiB fragment), and a frame every
   * gossip interval then keeps up with ~2,000 changes a second per link, a room of
   * 10,000 joining at once.
   */
  gossipBytes?: number
  /**
   * Over the overlay: most news items waiting for the slowest neighbour. Default 4,096
   * (~300 KB at most); a link further behind skips the oldest (`newsOverrun`) and is
   * repaired by snapshots.
   */
  newsLogCapacity?: number
  /**
   * Over the overlay: a new link is sent the news of this last stretch of time, so a flood
   * is not missed by a peer whose links changed while it went by. Default 1,000 ms: a
   * flood's lifetime at a peer (a few gossip intervals).
   */
  newsRetainMs?: number
  /**
   * Over the overlay: period of membership anti-entropy, a digest of the member table sent
   * to one random neighbour (and to every new neighbour), answered with the records where
   * the tables differ. Default 3,000 ms: flooding delivers news in well under a second;
   * this repairs what a flood missed, at ~1 KB per round (memberlist's full push-pull
   * runs every 30 s, but sends the whole table).
   */
  memberDigestIntervalMs?: number
  /**
   * A digest bucket that changed this recently is not answered: it holds news the flood is
   * still delivering. Default 2,000 ms: a flood crosses a 10,000-peer overlay in ~10 hops
   * of ~50 ms plus a gossip interval each.
   */
  memberDigestSettleMs?: number
  /**
   * Over the overlay: after a failed probe of a neighbour, ping it directly this many more
   * times, one every half probe timeout, and suspect it only if nothing at all is heard
   * from it until a probe timeout after the last (a window of one probe interval with the
   * defaults). Default 3: a suspicion and its refutation each flood the room, and at 10%
   * frame loss ~0.2% of probes fail on live peers; 3 more pings all fail ~0.7% of the
   * time (see rechecks.ts). 0 suspects at once, as memberlist does.
   */
  recheckPings?: number
  /** Indirect probes this peer relays at once for others. Default 64: bounds memory against PING_REQ floods. */
  maxRelays?: number
  /**
   * Most live members (alive or suspect, self included) this peer tracks; news of further
   * new members is dropped and counted (`membersRejected`). Default 20,000: twice the
   * largest room the protocol is benchmarked at, and a bound on what a neighbour
   * injecting fake members can make this peer hold (~2 KB per member at most).
   */
  maxMembers?: number
}

export type ResolvedSwimOptions = Required<SwimOptions>

export const SWIM_DEFAULTS: ResolvedSwimOptions = {
  probeIntervalMs: 1_000,
  probeTimeoutMs: 500,
  indirectProbes: 3,
  suspicionMult: 4,
  suspicionMaxMult: 6,
  retransmitMult: 4,
  gossipIntervalMs: 200,
  gossipFanout: 3,
  lifeguard: true,
  awarenessMaxMultiplier: 8,
  lateToleranceMs: 250,
  deadRetentionMs: 120_000,
  maxMetaBytes: DEFAULT_WIRE_LIMITS.maxMetaBytes,
  piggybackBytes: 1_200,
  gossipBytes: 8_192,
  newsLogCapacity: 4_096,
  newsRetainMs: 1_000,
  memberDigestIntervalMs: 3_000,
  memberDigestSettleMs: 2_000,
  recheckPings: 3,
  maxRelays: 64,
  maxMembers: 20_000,
}

export function resolveSwimOptions(options: SwimOptions = {}): ResolvedSwimOptions {
  const o = { ...SWIM_DEFAULTS, ...stripUndefined(options) }
  requireNumbers(o, [
    'probeIntervalMs',
    'probeTimeoutMs',
    'suspicionMult',
    'suspicionMaxMult',
    'retransmitMult',
    'gossipIntervalMs',
    'gossipFanout',
    'awarenessMaxMultiplier',
    'lateToleranceMs',
    'deadRetentionMs',
    'piggybackBytes',
    'gossipBytes',
    'newsLogCapacity',
    'newsRetainMs',
    'memberDigestIntervalMs',
    'memberDigestSettleMs',
    'maxRelays',
    'maxMembers',
  ])
  requireNumbers(o, ['indirectProbes', 'maxMetaBytes', 'recheckPings'], 0)
  if (o.probeTimeoutMs >= o.probeIntervalMs)
    throw new NodeOptionsError('probeTimeoutMs', 'must be shorter than probeIntervalMs')
  if (o.suspicionMaxMult < 1) throw new NodeOptionsError('suspicionMaxMult', 'must be >= 1')
  if (typeof o.lifeguard !== 'boolean') throw new NodeOptionsError('lifeguard', 'must be a boolean')
  return o
}
