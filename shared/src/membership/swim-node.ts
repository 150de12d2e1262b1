/**
 * SWIM + Lifeguard on its own, as a MeshNode over a connectionless transport: every
 * member is probed and gossiped to directly, as memberlist does over UDP. The composed
 * node does not use this (it probes over the overlay); benchmarks use it as the
 * failure detector of the baseline, with `lifeguard: false` for classic SWIM.
 *
 *   const node = createSwimNode({ id: 'a', random, roster: ['a', 'b', 'c'], lifeguard: false })
 *   node.handle(0, { type: 'start' })   // then frames, ticks; `send` effects go to any member
 */
import type { PeerId } from '../ids'
import { isPeerId } from '../ids'
import type { Effect } from '../node/effect'
import type { MemberView } from '../node/member-view'
import type { MeshNode } from '../node/mesh-node'
import type { NodeEvent } from '../node/node-event'
import { emptyStats, type NodeStats } from '../node/node-stats'
import { NodeOptionsError } from '../node/options-error'
import type { Random } from '../random'
import { decodeFrame, encodeFrame } from '../wire/codec'
import type { SwimFrame } from '../wire/frame'
import { DEFAULT_WIRE_LIMITS, type WireLimits } from '../wire/limits'
import type { MemberIndex } from './member-index'
import { Swim } from './swim'
import { resolveSwimOptions, type SwimOptions } from './swim-options'

export interface SwimNodeOptions extends SwimOptions {
  id: PeerId
  random: Random
  /** Members known at start (memberlist joins with a list). Default none. */
  roster?: readonly PeerId[]
  /** Metadata published at start. Default empty. */
  meta?: Uint8Array
  /** Decoder caps. Default DEFAULT_WIRE_LIMITS. */
  wireLimits?: WireLimits
  /** Ids ↔ member-table slots (a simulator shares one index across nodes). Default: the node's own. */
  memberIndex?: MemberIndex
}

export interface SwimNode extends MeshNode {
  member(id: PeerId): MemberView | undefined
  healthScore(): number
}

export function createSwimNode(options: SwimNodeOptions): SwimNode {
  if (!isPeerId(options.id)) throw new NodeOptionsError('id', 'must be 1-64 characters of [A-Za-z0-9_.:@-]')
  if (options.random === undefined) throw new NodeOptionsError('random', 'is required')
  const o = resolveSwimOptions(options)
  const limits = options.wireLimits ?? DEFAULT_WIRE_LIMITS
  const stats: NodeStats = emptyStats()
  let out: Effect[] = []
  let started = false
  let left = false
  let wakeAt = Number.POSITIVE_INFINITY

  const swim = new Swim(
    options.id,
    o,
    options.random,
    {
      send(to: PeerId, frame: SwimFrame) {
        const bytes = encodeFrame(frame)
        stats.framesSent++
        stats.bytesSent += bytes.length
        out.push({ type: 'send', to, bytes })
      },
      changed(member) {
        out.push({ type: 'member-changed', member })
      },
    },
    'members',
    options.memberIndex,
  )

  function dispatch(now: number, event: NodeEvent): void {
    switch (event.type) {
      case 'frame': {
        stats.framesReceived++
        stats.bytesReceived += event.bytes.length
        const decoded = decodeFrame(event.bytes, limits)
        if (!decoded.ok) {
          stats.dropped[decoded.error.code] = (stats.dropped[decoded.error.code] ?? 0) + 1
          out.push({
            type: 'dropped',
            from: event.from,
            reason: decoded.error.code,
            detail: decoded.error.detail,
          })
          return
        }
        const f = decoded.frame
        if (
          f.type === 'ping' ||
          f.type === 'ack' ||
          f.type === 'ping-req' ||
          f.type === 'nack' ||
          f.type === 'member-gossip'
        )
          swim.onFrame(now, event.from, f)
        return
      }
      case 'tick':
        swim.tick(now)
        return
      case 'set-meta':
        swim.setMeta(now, event.meta)
        return
      case 'leave': {
        const goodbye = swim.leave(now)
        // Hand the goodbye to a few members directly; their gossip spreads it.
        for (let i = 0; i < o.gossipFanout; i++) {
          const to = swim.randomLive()
          if (to !== undefined) swim.sendTo(to, { type: 'member-gossip', members: [goodbye] })
        }
        left = true
        return
      }
      default:
        return
    }
  }

  return {
    id: options.id,
    handle(now, event) {
      out = []
      if (event.type === 'start') {
        if (!started) {
          started = true
          const roster = options.roster ?? []
          swim.start(now, options.meta, roster.length > 0 ? 0 : 1, roster.length === 0)
          swim.seed(now, roster)
        }
      } else if (started && !left) {
        if (now > wakeAt + o.lateToleranceMs) swim.missedDeadline(now)
        dispatch(now, event)
      }
      wakeAt = left ? Number.POSITIVE_INFINITY : swim.nextWakeAt()
      const effects = out
      out = []
      return effects
    },
    nextWakeAt: () => wakeAt,
    members: () => swim.members(),
    member: (id) => swim.member(id),
    neighbors: () => [],
    healthScore: () => swim.healthScore,
    stats: () => ({
      ...stats,
      dropped: { ...stats.dropped },
      membership: { ...swim.stats, healthScore: swim.healthScore, members: swim.size },
    }),
  }
}
