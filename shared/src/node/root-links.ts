/**
 * When the rooted tree's root keeps extra active neighbours (`rootLinks`). A path between
 * two peers runs through their common ancestor, near the root for most pairs, so the
 * tree's depth sets the hop count; random links at the root make its subtrees smaller and
 * the tree a level shallower for nearly everyone.
 *
 *   const links = new RootLinks(16, 10_000, 60_000)
 *   overlay.setExtraActive(now, links.slots(now, isRoot))
 *
 * Granted after being the root for `growMs`: every peer starts as the root of a tree of
 * its own until its neighbours' TREE frames name a lower id, and joiners must not open
 * connections for that moment. Kept for `holdMs` after it stops being the root: a root
 * that stalls now and then (a throttled tab, declared dead and back) hands the role back
 * and forth, and each handover must not cost a dozen WebRTC connections on both sides.
 */
export class RootLinks {
  private rootSince: number | undefined
  private lostAt: number | undefined
  private granted = false

  constructor(
    private readonly extra: number,
    private readonly growMs: number,
    private readonly holdMs: number,
  ) {}

  /** Extra active-view slots for now. */
  slots(now: number, isRoot: boolean): number {
    if (isRoot) {
      this.lostAt = undefined
      this.rootSince ??= now
      if (now - this.rootSince >= this.growMs) this.granted = true
    } else {
      this.rootSince = undefined
      if (this.granted) {
        this.lostAt ??= now
        if (now - this.lostAt >= this.holdMs) this.granted = false
      }
    }
    return this.granted ? this.extra : 0
  }
}
