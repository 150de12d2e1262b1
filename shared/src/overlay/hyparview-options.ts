/**
 * Options of the HyParView overlay (Leitão, Pereira, Rodrigues, DSN 2007). The paper's
 * defaults assume TCP links that cost little; a WebRTC data channel costs a handshake
 * through signaling and memory in the tab, so the active view is smaller.
 */
import { NodeOptionsError, requireNumbers, stripUndefined } from '../node/options-error'

export interface HyParViewOptions {
  /**
   * Active neighbours a peer tries to keep (open data channels). Default 5: the paper sizes
   * it ln N + 1 for gossip fanout; Plumtree needs only connectivity, and 5 random links keep a
   * 10,000-peer graph connected and its diameter about log_4 N ≈ 7.
   */
  activeViewSize?: number
  /** Hard cap on active neighbours, incoming included. Default 7 (activeViewSize + 2): slack so joins need not evict. The rooted tree's root may hold `rootLinks` more. */
  maxActiveView?: number
  /** Peers known but not connected, for repairs. Default 30: the paper's k·(ln N + 1) with k = 3, rounded. */
  passiveViewSize?: number
  /** Active random walk length of FORWARD_JOIN (ARWL). Default 6: the paper's value. */
  activeRandomWalkLength?: number
  /** Hop at which a FORWARD_JOIN also adds the joiner to the passive view (PRWL). Default 3: the paper's value. */
  passiveRandomWalkLength?: number
  /** Period of the passive-view shuffle. Default 10,000 ms: a few per minute refresh the passive view at negligible cost. */
  shuffleIntervalMs?: number
  /** Active entries in a SHUFFLE (ka). Default 3: the paper's value. */
  shuffleActive?: number
  /** Passive entries in a SHUFFLE (kp). Default 4: the paper's value. */
  shufflePassive?: number
  /** Give up on a `connect` that never reported back. Default 15,000 ms: ICE through a relay can take this long. */
  connectTimeoutMs?: number
  /** An incoming channel must say JOIN or NEIGHBOR within this. Default 5,000 ms. */
  handshakeTimeoutMs?: number
  /** DISCONNECT is resent this often until the peer closes its side, then the channel is closed anyway. Default 1,000 ms. */
  disconnectRetryMs?: number
  /** Connection attempts (promotions, joins) in flight at once. Default 3: repairs in parallel without a connection storm. The rooted tree's root: up to 8 more for its extra slots. */
  maxPendingConnects?: number
}

export type ResolvedHyParViewOptions = Required<HyParViewOptions>

export const HYPARVIEW_DEFAULTS: ResolvedHyParViewOptions = {
  activeViewSize: 5,
  maxActiveView: 7,
  passiveViewSize: 30,
  activeRandomWalkLength: 6,
  passiveRandomWalkLength: 3,
  shuffleIntervalMs: 10_000,
  shuffleActive: 3,
  shufflePassive: 4,
  connectTimeoutMs: 15_000,
  handshakeTimeoutMs: 5_000,
  disconnectRetryMs: 1_000,
  maxPendingConnects: 3,
}

export function resolveHyParViewOptions(options: HyParViewOptions = {}): ResolvedHyParViewOptions {
  const given = stripUndefined(options)
  const o = { ...HYPARVIEW_DEFAULTS, ...given }
  // The cap follows the target unless set: raising only activeViewSize must not trip the check below.
  if (given.maxActiveView === undefined) o.maxActiveView = Math.max(o.maxActiveView, o.activeViewSize + 2)
  requireNumbers(o, [
    'activeViewSize',
    'maxActiveView',
    'passiveViewSize',
    'activeRandomWalkLength',
    'shuffleIntervalMs',
    'connectTimeoutMs',
    'handshakeTimeoutMs',
    'disconnectRetryMs',
    'maxPendingConnects',
  ])
  requireNumbers(o, ['passiveRandomWalkLength', 'shuffleActive', 'shufflePassive'], 0)
  if (o.maxActiveView < o.activeViewSize)
    throw new NodeOptionsError('maxActiveView', 'must be >= activeViewSize')
  if (o.passiveRandomWalkLength > o.activeRandomWalkLength)
    throw new NodeOptionsError('passiveRandomWalkLength', 'must be <= activeRandomWalkLength')
  if (o.activeRandomWalkLength > 15)
    throw new NodeOptionsError('activeRandomWalkLength', 'must be <= 15 (walk paths are capped on the wire)')
  return o
}
