/**
 * Push-pull anti-entropy of the document between overlay neighbours (PROTOCOL.md, "How the
 * layers fit"): digests (the replica's state vector) and diffs, on a new link, in a
 * periodic round with a random neighbour, in a pull of what Plumtree gave up GRAFTing,
 * and in a push to every neighbour after a diff brought news no broadcast carries (a
 * healed partition).
 *
 *   const sync = new DocumentSync(options, stats, host)
 *   sync.start(now)
 *   sync.linked(peer)                 // a new neighbour: exchange digests at once
 *   sync.onDigest(now, from, frame)   // SYNC_DIGEST; sync.onDiff(now, from, frame) SYNC_DIFF
 *   sync.tick(now)                    // rounds, pulls and pushes that are due
 */
import type { PeerId } from '../ids'
import type { Random } from '../random'
import { PastDigest } from '../replica/past-digest'
import type { Replica } from '../replica/replica'
import type { Frame, SyncDiffFrame, SyncDigestFrame } from '../wire/frame'
import { DiffAdmission } from './diff-admission'
import type { DropReason } from './effect'
import type { NodeStats } from './node-stats'

/**
 * Least time between two rounds of digests pushed after anti-entropy brought news. The
 * wait for the graft window (2 × `graftTimeoutMs`, 2 s by default) is longer; this binds
 * when that option is set under 500 ms.
 */
const REPAIR_PUSH_INTERVAL_MS = 1_000

/**
 * Openers sent to pull what Plumtree gave up on, each to another neighbour, until one is
 * answered with a diff. One fails when the opener or the diff is lost (19% at 10% frame
 * loss) or that neighbour sent us a diff within the interval (it answers with its digest
 * only: then the next goes at once, else a second later). Five all fail ~0.02% of the
 * time at 10% loss; the periodic round is left then. (Three were not enough: at 10,000
 * peers, 10% loss, seed 1, a message whose 4 GRAFT round trips all lost a frame was then
 * pulled from a neighbour that had just sent a diff and two whose round trips were lost,
 * and arrived 3.5 s after the benchmark's drain.)
 */
const PULL_ASKS = 5
const PULL_RETRY_MS = 1_000

export interface DocumentSyncOptions {
  replica: Replica
  random: Random
  antiEntropyIntervalMs: number
  graftTimeoutMs: number
}

/** What anti-entropy needs of the node around it. */
export interface DocumentSyncHost {
  send(to: PeerId, frame: Frame): void
  drop(from: PeerId, reason: DropReason, detail: string): void
  /** Merge a remote payload into the replica (the node counts and reports it). */
  apply(from: PeerId, payload: Uint8Array): 'changed' | 'unchanged' | 'bad'
  /** The first exchange with any neighbour completed: this peer holds what that one held. */
  synced(peer: PeerId): void
  isActive(peer: PeerId): boolean
  activeView(): PeerId[]
  /** A broadcast is still on its way through the tree (Plumtree will deliver it). */
  inFlight(now: number): boolean
}

/**
 * A pull of what Plumtree gave up on: neighbours to ask (those holding it first), asks
 * left, when the next one is due, and whom we asked last (its diff ends the pull).
 */
interface Pull {
  holders: PeerId[]
  left: number
  at: number
  asked: PeerId | undefined
}

export class DocumentSync {
  /** Neighbours we completed an exchange with. */
  private readonly syncedWith = new Set<PeerId>()
  /** Which digests earn a diff of the document. */
  private readonly admission: DiffAdmission
  /** What the replica held a moment ago: routine rounds leave out what came since. */
  private readonly pastDigest: PastDigest
  private nextRoundAt = Number.POSITIVE_INFINITY
  /** When to push digests to every neighbour after anti-entropy brought news (rate-limited). */
  private repairPushAt = Number.POSITIVE_INFINITY
  private lastRepairPush = Number.NEGATIVE_INFINITY
  private pull: Pull | undefined

  constructor(
    private readonly o: DocumentSyncOptions,
    private readonly stat: NodeStats,
    private readonly host: DocumentSyncHost,
  ) {
    // The window `inFlight` uses too: past it, a broadcast that has not arrived was lost.
    this.pastDigest = new PastDigest(o.replica, 2 * o.graftTimeoutMs)
    this.admission = new DiffAdmission(o.antiEntropyIntervalMs)
  }

  start(now: number): void {
    this.nextRoundAt = now + this.o.antiEntropyIntervalMs
  }

  /** Catch a new neighbour up at once rather than at the next round. */
  linked(peer: PeerId): void {
    this.sendDigest(peer, true)
  }

  /** Per-peer state of a neighbour that is gone. */
  forget(peer: PeerId): void {
    this.syncedWith.delete(peer)
    this.admission.forget(peer)
  }

  tick(now: number): void {
    if (this.pull !== undefined && now >= this.pull.at) this.pullNext(now)
    if (now >= this.repairPushAt) this.repairPush(now)
    if (now >= this.nextRoundAt) {
      this.nextRoundAt = now + this.o.antiEntropyIntervalMs
      const peer = this.o.random.pick(this.host.activeView())
      if (peer !== undefined) this.sendDigest(peer, true, true)
    }
    this.pastDigest.tick(now)
  }

  nextWakeAt(): number {
    return Math.min(this.nextRoundAt, this.repairPushAt, this.pull?.at ?? Number.POSITIVE_INFINITY)
  }

  /**
   * A digest asks for a diff, which can be the whole document: answered as DiffAdmission
   * says (a reply to an opener we sent; an opener from an active neighbour, within its
   * limits, past which only our digest goes back). Anything else is dropped.
   */
  onDigest(now: number, from: PeerId, f: SyncDigestFrame): void {
    let answer = true
    if (f.wantsReply) {
      if (!this.host.isActive(from)) {
        this.host.drop(from, 'unsolicited', 'sync digest from a peer outside the active view')
        return
      }
      answer = this.admission.mayAnswerOpener(now, from)
    } else if (!this.admission.takeReply(from)) {
      this.host.drop(from, 'unsolicited', 'sync digest reply to no opener of ours')
      return
    }
    if (!answer) this.stat.diffsDeferred = (this.stat.diffsDeferred ?? 0) + 1
    else if (f.routine) {
      const lacksOnlyRecent = this.pastDigest.heldBy(f.digest)
      if (!lacksOnlyRecent.ok) {
        this.host.drop(from, 'bad-digest', lacksOnlyRecent.reason)
        return
      }
      if (lacksOnlyRecent.value) {
        answer = false
        this.stat.diffsInFlight = (this.stat.diffsInFlight ?? 0) + 1
      }
    }
    if (answer) {
      const diff = this.o.replica.diff(f.digest)
      if (!diff.ok) {
        this.host.drop(from, 'bad-digest', diff.reason)
        return
      }
      if (diff.value !== null) {
        if (f.wantsReply) this.admission.diffSent(now, from)
        this.host.send(from, { type: 'sync-diff', diff: diff.value })
      }
    }
    if (f.wantsReply) this.sendDigest(from, false, f.routine)
    // The neighbour we pulled from answered with no diff before its digest (channels are
    // ordered): it had sent us one within the interval, or the diff was lost. Ask the next.
    // (A routine answer is to an earlier routine opener, not to the pull.)
    else if (!f.routine && this.pull?.asked === from) this.pullNext(now)
    // An answer arrives after the diff the peer sent us (channels are ordered), so from
    // here on we hold at least what that neighbour held when it answered (on a routine
    // round, what it held a moment before: newer updates are still coming by broadcast).
    if (!f.wantsReply && !this.syncedWith.has(from)) {
      const first = this.syncedWith.size === 0
      this.syncedWith.add(from)
      if (first) this.host.synced(from)
    }
  }

  onDiff(now: number, from: PeerId, f: SyncDiffFrame): void {
    // It holds all `from` had that we lacked when it answered, what it announced included.
    if (this.pull?.asked === from) this.pull = undefined
    // Data that only anti-entropy brought (a healed partition) is not in any Plumtree
    // message: pass it on by opening exchanges with the other neighbours, at most once a second.
    // While a broadcast is in flight, news in a diff is almost surely that broadcast, which
    // Plumtree delivers anyway; pushing digests then only finds the next one in flight.
    if (
      this.host.apply(from, f.diff) === 'changed' &&
      this.repairPushAt === Number.POSITIVE_INFINITY &&
      !this.host.inFlight(now)
    )
      // Wait out the graft window first: a broadcast still in flight is not worth repairing.
      this.repairPushAt = Math.max(
        now + 2 * this.o.graftTimeoutMs,
        this.lastRepairPush + REPAIR_PUSH_INTERVAL_MS,
      )
  }

  /**
   * Plumtree gave up GRAFTing messages (every ask unanswered, or no announcer left). The
   * periodic round would come up to `antiEntropyIntervalMs` later, and one whose diff is
   * lost costs another interval: ask a neighbour that announced them now, and another a
   * second later, until a diff comes (`PULL_ASKS` at most).
   */
  startPull(now: number, holders: readonly PeerId[]): void {
    const p = this.pull
    if (p === undefined) {
      this.pull = { holders: holders.slice(0, 2 * PULL_ASKS), left: PULL_ASKS, at: now, asked: undefined }
      return
    }
    p.left = PULL_ASKS
    // Bounded: more holders than asks left are never reached.
    for (const h of holders) if (p.holders.length < 2 * PULL_ASKS && !p.holders.includes(h)) p.holders.push(h)
  }

  /** `routine`: a periodic round, which leaves out what is still in flight (see PastDigest). */
  private sendDigest(to: PeerId, wantsReply: boolean, routine = false): void {
    if (wantsReply) this.admission.openerSent(to)
    this.host.send(to, { type: 'sync-digest', digest: this.o.replica.digest(), wantsReply, routine })
  }

  private pullNext(now: number): void {
    const p = this.pull as Pull
    let peer: PeerId | undefined
    while (peer === undefined && p.holders.length > 0) {
      const h = p.holders.shift() as PeerId
      if (h !== p.asked && this.host.isActive(h)) peer = h
    }
    // No holder left: any other neighbour very likely has it by now.
    peer ??= this.o.random.pick(this.host.activeView().filter((a) => a !== p.asked))
    if (p.left === 0 || peer === undefined) {
      this.pull = undefined
      return
    }
    p.left--
    p.asked = peer
    p.at = now + PULL_RETRY_MS
    this.stat.pulls = (this.stat.pulls ?? 0) + 1
    this.sendDigest(peer, true)
  }

  private repairPush(now: number): void {
    this.repairPushAt = Number.POSITIVE_INFINITY
    this.lastRepairPush = now
    for (const peer of this.host.activeView()) this.sendDigest(peer, true)
  }
}
