/**
 * Options of Plumtree broadcast (Leitão, Pereira, Rodrigues, SRDS 2007) and of the
 * anti-entropy that backs it up.
 */
import { NodeOptionsError, requireNumbers, stripUndefined } from '../node/options-error'

export interface PlumtreeOptions {
  /**
   * IHAVE announcements (to every neighbour, tree links included) are batched and flushed
   * this long after the first one queued. Default 250 ms: long enough that the push usually
   * arrives first and a batch holds a busy room's burst (one hop is ~50 ms); short enough
   * that a lost push, which its sender's announcement reveals, is GRAFTed within ~0.3 s.
   */
  lazyPushDelayMs?: number
  /**
   * Wait after a lazy neighbour's IHAVE for a message our tree has not brought, before
   * fetching it from that neighbour (without making it a tree link); also the unit of the
   * waits before a lazy link joins the tree where it looks broken. Default 1,000 ms: the
   * paper's timer. A lost push over a tree link is GRAFTed at once instead; this covers a
   * repair further up the tree (~0.3 s per lost hop) and a broken tree.
   */
  graftTimeoutMs?: number
  /** Wait for the answer to a GRAFT before asking the next announcer (or the same one again). Default 500 ms: the paper's second timer, above a 99th-percentile round trip. */
  graftRetryMs?: number
  /** Messages kept to answer GRAFTs. Default 1,024: covers several seconds of a busy room; older losses fall to anti-entropy. */
  messageCacheSize?: number
  /** Bytes of payload kept in that cache at most. Default 8 MiB. */
  messageCacheBytes?: number
  /** Message ids remembered for duplicate detection. Default 16,384: far longer than any message stays in flight. */
  seenCacheSize?: number
  /** Missing messages tracked at once. Default 1,024: beyond that, anti-entropy repairs. */
  maxMissing?: number
  /** Period of push-pull anti-entropy with one random active neighbour. Default 5,000 ms: Plumtree delivers; this only repairs, so it can be slow. */
  antiEntropyIntervalMs?: number
  /**
   * Payload bytes resent to one neighbour per second in answer to its GRAFTs (one message
   * always fits). Default 1 MiB: a neighbour repairing a lost burst of ordinary edits needs
   * far less; without a cap an 8 KB GRAFT could ask for the whole 8 MiB cache, repeatedly.
   */
  graftBudgetBytes?: number
}

export type ResolvedPlumtreeOptions = Required<PlumtreeOptions>

export const PLUMTREE_DEFAULTS: ResolvedPlumtreeOptions = {
  lazyPushDelayMs: 250,
  graftTimeoutMs: 1_000,
  graftRetryMs: 500,
  messageCacheSize: 1_024,
  messageCacheBytes: 8 << 20,
  seenCacheSize: 16_384,
  maxMissing: 1_024,
  antiEntropyIntervalMs: 5_000,
  graftBudgetBytes: 1 << 20,
}

export function resolvePlumtreeOptions(options: PlumtreeOptions = {}): ResolvedPlumtreeOptions {
  const o = { ...PLUMTREE_DEFAULTS, ...stripUndefined(options) }
  requireNumbers(o, [
    'lazyPushDelayMs',
    'graftTimeoutMs',
    'graftRetryMs',
    'messageCacheSize',
    'messageCacheBytes',
    'seenCacheSize',
    'maxMissing',
    'antiEntropyIntervalMs',
    'graftBudgetBytes',
  ])
  if (o.seenCacheSize < o.messageCacheSize)
    throw new NodeOptionsError('seenCacheSize', 'must be >= messageCacheSize')
  return o
}
