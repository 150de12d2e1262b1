/**
 * The skeleton node: flooding push with duplicate suppression, periodic push-pull
 * anti-entropy with one random neighbour, and heartbeat membership. Issue #3 replaces
 * the dissemination and membership with Plumtree, HyParView and SWIM behind the same
 * MeshNode contract.
 *
 *   const node = createNode({ id: 'a', replica: createYjsReplica(doc), random: seededRandom(7) })
 *   const effects = node.handle(0, { type: 'start' })
 */
import type { PeerId } from '../ids'
import { HeartbeatMembership } from '../membership/heartbeat-membership'
import { decodeFrame, encodeFrame } from '../wire/codec'
import type { Frame, MembershipFrame, SyncDiffFrame, SyncDigestFrame, UpdateFrame } from '../wire/frame'
import type { DropReason, Effect } from './effect'
import type { MeshNode } from './mesh-node'
import type { NodeEvent } from './node-event'
import { type NodeOptions, resolveNodeOptions } from './node-options'
import { emptyStats, type NodeStats } from './node-stats'
import { SeenCache } from './seen-cache'

export function createNode(options: NodeOptions): MeshNode {
  const o = resolveNodeOptions(options)
  const { id, replica, random } = o
  const stats: NodeStats = emptyStats()
  const seen = new SeenCache(o.seenCacheSize)
  const neighbors = new Set<PeerId>()
  /** Connections we asked for and when, so a silent failure does not block a slot forever. */
  const pending = new Map<PeerId, number>()
  /** Neighbours we have completed one anti-entropy exchange with. */
  const syncedWith = new Set<PeerId>()
  let membership: HeartbeatMembership | undefined
  let seq = 0
  /** Distinguishes this run's updates from those of an earlier run with the same id. */
  const session = random.int(2 ** 31)
  let started = false
  let left = false
  let nextHeartbeatAt = Number.POSITIVE_INFINITY
  let nextAntiEntropyAt = Number.POSITIVE_INFINITY

  const members = (): HeartbeatMembership => {
    if (membership === undefined) throw new Error('node not started')
    return membership
  }

  function send(out: Effect[], to: PeerId, frame: Frame): void {
    const bytes = encodeFrame(frame)
    stats.framesSent++
    stats.bytesSent += bytes.length
    out.push({ type: 'send', to, bytes })
  }

  function drop(out: Effect[], from: PeerId, reason: DropReason, detail: string): void {
    stats.dropped[reason] = (stats.dropped[reason] ?? 0) + 1
    out.push({ type: 'dropped', from, reason, detail })
  }

  function sendDigest(out: Effect[], to: PeerId, wantsReply: boolean): void {
    send(out, to, { type: 'sync-digest', digest: replica.digest(), wantsReply })
  }

  function sendMembership(out: Effect[], to: PeerId): void {
    send(out, to, { type: 'membership', records: members().gossip().slice(0, o.wireLimits.maxListItems) })
  }

  /** Open connections until we have `targetNeighbors`, choosing among members believed alive. */
  function fillConnections(out: Effect[], now: number): void {
    if (left) return
    for (const [peer, since] of pending) if (now - since >= o.connectTimeoutMs) pending.delete(peer)
    const want = o.targetNeighbors - neighbors.size - pending.size
    if (want <= 0) return
    const candidates = members()
      .aliveOthers()
      .filter((p) => !neighbors.has(p) && !pending.has(p))
    for (const peer of random.sample(candidates, want)) {
      pending.set(peer, now)
      out.push({ type: 'connect', peer })
    }
  }

  function onUpdate(out: Effect[], from: PeerId, f: UpdateFrame): void {
    if (!seen.add(`${f.origin}:${f.session}:${f.seq}`)) {
      stats.duplicatesReceived++
      return
    }
    const result = replica.apply(f.payload)
    if (!result.ok) {
      drop(out, from, 'bad-update', result.reason)
      return
    }
    if (result.value.changed) {
      stats.updatesApplied++
      out.push({ type: 'replica-changed', from })
    }
    const forward: UpdateFrame = { ...f, hops: f.hops + 1 }
    for (const n of neighbors) if (n !== from && n !== f.origin) send(out, n, forward)
  }

  function onDigest(out: Effect[], from: PeerId, f: SyncDigestFrame): void {
    const diff = replica.diff(f.digest)
    if (!diff.ok) {
      drop(out, from, 'bad-digest', diff.reason)
      return
    }
    if (diff.value !== null) send(out, from, { type: 'sync-diff', diff: diff.value })
    if (f.wantsReply) sendDigest(out, from, false)
    // An answer arrives after the diff the peer sent us (channels are ordered), so from
    // here on we hold at least what that neighbour held when it answered.
    else if (!syncedWith.has(from)) {
      const first = syncedWith.size === 0
      syncedWith.add(from)
      if (first) out.push({ type: 'synced', with: from })
    }
  }

  function onDiff(out: Effect[], from: PeerId, f: SyncDiffFrame): void {
    const result = replica.apply(f.diff)
    if (!result.ok) {
      drop(out, from, 'bad-update', result.reason)
      return
    }
    if (result.value.changed) {
      stats.updatesApplied++
      out.push({ type: 'replica-changed', from })
    }
  }

  function onMembership(out: Effect[], now: number, f: MembershipFrame): void {
    for (const member of members().merge(f.records, now)) out.push({ type: 'member-changed', member })
  }

  function onTick(out: Effect[], now: number): void {
    if (now >= nextHeartbeatAt) {
      nextHeartbeatAt = now + o.heartbeatIntervalMs
      members().beat(now)
      for (const member of members().expire(now, o)) out.push({ type: 'member-changed', member })
      for (const n of neighbors) sendMembership(out, n)
      fillConnections(out, now)
    }
    if (now >= nextAntiEntropyAt) {
      nextAntiEntropyAt = now + o.antiEntropyIntervalMs
      const peer = random.pick([...neighbors])
      if (peer !== undefined) sendDigest(out, peer, true)
    }
  }

  function handle(now: number, event: NodeEvent): Effect[] {
    const out: Effect[] = []
    if (event.type === 'start') {
      if (started) return out
      started = true
      membership = new HeartbeatMembership(id, now)
      nextHeartbeatAt = now + o.heartbeatIntervalMs
      nextAntiEntropyAt = now + o.antiEntropyIntervalMs
      return out
    }
    if (!started || left) return out
    switch (event.type) {
      case 'peers-discovered':
        for (const peer of event.peers) {
          if (peer === id) continue
          const member = members().discover(peer, now)
          if (member !== undefined) out.push({ type: 'member-changed', member })
        }
        fillConnections(out, now)
        break
      case 'neighbor-up': {
        pending.delete(event.peer)
        if (neighbors.size >= o.maxNeighbors) {
          out.push({ type: 'disconnect', peer: event.peer })
          break
        }
        neighbors.add(event.peer)
        const member = members().discover(event.peer, now)
        if (member !== undefined) out.push({ type: 'member-changed', member })
        // Catch up at once rather than waiting for the next anti-entropy round.
        sendMembership(out, event.peer)
        sendDigest(out, event.peer, true)
        break
      }
      case 'neighbor-down':
        pending.delete(event.peer)
        neighbors.delete(event.peer)
        syncedWith.delete(event.peer)
        fillConnections(out, now)
        break
      case 'frame': {
        stats.framesReceived++
        stats.bytesReceived += event.bytes.length
        if (!neighbors.has(event.from)) {
          drop(out, event.from, 'not-neighbor', 'frame from a peer without an open channel')
          break
        }
        const decoded = decodeFrame(event.bytes, o.wireLimits)
        if (!decoded.ok) {
          drop(out, event.from, decoded.error.code, decoded.error.detail)
          break
        }
        const f = decoded.frame
        if (f.type === 'update') onUpdate(out, event.from, f)
        else if (f.type === 'sync-digest') onDigest(out, event.from, f)
        else if (f.type === 'sync-diff') onDiff(out, event.from, f)
        else if (f.type === 'membership') onMembership(out, now, f)
        break
      }
      case 'tick':
        onTick(out, now)
        break
      case 'local-update': {
        seq++
        stats.updatesOriginated++
        seen.add(`${id}:${session}:${seq}`)
        const frame: UpdateFrame = {
          type: 'update',
          origin: id,
          session,
          seq,
          hops: 0,
          payload: event.update,
        }
        for (const n of neighbors) send(out, n, frame)
        break
      }
      case 'set-meta':
        out.push({ type: 'member-changed', member: members().beat(now, event.meta) })
        for (const n of neighbors) sendMembership(out, n)
        break
      case 'leave':
        left = true
        out.push({ type: 'member-changed', member: members().leave(now) })
        for (const n of neighbors) sendMembership(out, n)
        nextHeartbeatAt = Number.POSITIVE_INFINITY
        nextAntiEntropyAt = Number.POSITIVE_INFINITY
        break
    }
    return out
  }

  return {
    id,
    handle,
    nextWakeAt: () => Math.min(nextHeartbeatAt, nextAntiEntropyAt),
    members: () => (membership === undefined ? [] : membership.all()),
    neighbors: () => [...neighbors],
    stats: () => ({ ...stats, dropped: { ...stats.dropped } }),
  }
}
