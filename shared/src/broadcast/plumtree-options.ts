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
  /**
   * Plumtree's optimisation (§3.8, `hop-shortcuts.ts`): a lazy neighbour whose announcements
   * come, on average over `shortcutSamples` messages that our tree link X brought, at least
   * this many hops closer to their origins than X's copies, becomes our tree link in X's
   * place. 0 turns it off. Default 1 (a mean): averaged over the messages that actually
   * flow, a swap shortens the tree for the room's traffic, not for one origin. One tree
   * serves every origin, so the paper's single-message test swapped back and forth: with
   * it (threshold 2-3) 100 peers made 190-275 swaps in 40 broadcasts, and the swaps of
   * neighbours at the same moment split the tree (simulation, n = 100, loss 0).
   */
  shortcutThreshold?: number
  /** Messages averaged per (lazy neighbour, tree link) pair before a swap is judged. Default 4: a swap decided on few broadcasts, averaged enough that one origin's view does not decide. */
  shortcutSamples?: number
  /**
   * How the tree is shaped. 'rooted' (default, `rooted-tree.ts`): a breadth-first tree
   * around the lowest peer id, kept by distance advertisements (TREE frames); lost frames
   * are repaired without reshaping it, and the shortcut and join rules below do not apply.
   * 'emergent': the paper's tree, links cut where duplicates arrive and joined where
   * repairs go. Measured at 1,000 peers and 10% loss (PROTOCOL.md, "A rooted tree"): hops
   * P99 24 → 11, payload copies per broadcast 1.39 → 1.18, latency P50 1.0 → 0.6 s. The
   * emergent tree has no root whose stall delays messages that cross it. A room uses one.
   */
  tree?: 'rooted' | 'emergent'
  /** The rooted tree's advertisement goes to every neighbour again this often. Default 5,000 ms: a lost one (which nothing else showed) misleads a neighbour this long at most; 1.2 frames a second per peer. */
  treeRefreshMs?: number
  /**
   * Extra active neighbours the rooted tree's root keeps, over `activeViewSize` (its cap
   * rises as much), once it has been the root for 2 × `treeRefreshMs`, and for 12 ×
   * `treeRefreshMs` after it stops being one (`root-links.ts`). Default 32: a path
   * between two peers runs through their common ancestor, so the tree's depth sets the hop
   * count, and with ~6 links a peer a breadth-first tree of 10,000 is 6-7 deep; random
   * links at the root take levels off every path end. 16 took about one (10% loss, seed 1:
   * 3,000 peers, hops P99 14 → 11; 10,000, 15 → 14); 32 leaves 2-3% of 10,000 peers at the
   * seventh level instead of 9-13% (hops P99 13 / 13 / 12 / 12 → 11 / 12 / 11 / 11, seeds
   * 1-4; 1,000 peers, seeds 1-8, 8-9 instead of 9-13; PROTOCOL.md, "A rooted tree", the
   * tenth pass). The root's tab holds ~37 connections (in a room of fewer, all of them)
   * and pushes each broadcast to as many peers; every other peer is unchanged. 0 turns it
   * off; at most 46.
   */
  rootLinks?: number
  /** After a swap, no other for this long. Default 1,000 ms: the next broadcasts show how the new tree serves before it moves again. */
  shortcutSettleMs?: number
}

/** The default cap of 7, these and the root's connects in flight (3 + 8) make the client's `maxConnections` (64). */
const MAX_ROOT_LINKS = 46

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
  shortcutThreshold: 1,
  shortcutSamples: 4,
  shortcutSettleMs: 1_000,
  tree: 'rooted',
  treeRefreshMs: 5_000,
  rootLinks: 32,
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
    'treeRefreshMs',
  ])
  requireNumbers(o, ['shortcutThreshold', 'shortcutSettleMs', 'rootLinks'], 0)
  if (!Number.isInteger(o.rootLinks) || o.rootLinks > MAX_ROOT_LINKS)
    throw new NodeOptionsError('rootLinks', `must be an integer <= ${MAX_ROOT_LINKS}`)
  requireNumbers(o, ['shortcutSamples'])
  if (o.tree !== 'rooted' && o.tree !== 'emergent')
    throw new NodeOptionsError('tree', "must be 'rooted' or 'emergent'")
  if (o.seenCacheSize < o.messageCacheSize)
    throw new NodeOptionsError('seenCacheSize', 'must be >= messageCacheSize')
  return o
}
