import { describe, expect, it } from 'vitest'
import type { PeerId } from '../ids'
import { seededRandom } from '../random'
import { withSeed } from '../sim/seeded'
import type { SwimFrame } from '../wire/frame'
import { Swim } from './swim'
import { resolveSwimOptions } from './swim-options'

/**
 * The probe ring is shuffled when the roster is seeded and newcomers join at a random
 * place (SWIM §4.3). Walked in roster order, every peer probed p0, p1, … in lockstep, and
 * a member crashing just after its turn went unprobed by anyone for ~N periods.
 */
describe('SWIM probe ring', () => {
  it('a member crashed right after its turn is probed again within a few periods, not ~N', () =>
    withSeed((seed) => {
      const n = 60
      const ids: PeerId[] = Array.from({ length: n }, (_, i) => `p${i}`)
      const victim: PeerId = 'p5'
      const o = resolveSwimOptions({ lifeguard: false })
      const nodes = ids.map((id, i) => {
        let outbox: { to: PeerId; frame: SwimFrame }[] = []
        const swim = new Swim(
          id,
          o,
          seededRandom(seed + i),
          { send: (to, frame) => outbox.push({ to, frame }), changed: () => {} },
          'members',
        )
        swim.start(0, undefined, 0, false)
        swim.seed(0, ids)
        const drain = () => {
          const sent = outbox
          outbox = []
          return sent
        }
        return { id, swim, drain }
      })
      // Everyone acks at once (no loss). The victim crashes once its turn has passed: two
      // periods after it was first probed (walking in lockstep, everyone probes it within one).
      let firstProbedAt = Number.POSITIVE_INFINITY
      let crashedAt = Number.POSITIVE_INFINITY
      let reprobedAt = Number.POSITIVE_INFINITY
      const firstTargets = new Set<PeerId>()
      for (let now = 0; now <= 50 * o.probeIntervalMs && reprobedAt === Number.POSITIVE_INFINITY; now += 50) {
        for (const node of nodes) {
          node.swim.tick(now)
          for (const { to, frame } of node.drain()) {
            if (frame.type !== 'ping') continue
            if (node.swim.stats.probes === 1) firstTargets.add(to)
            if (to === victim) {
              if (firstProbedAt === Number.POSITIVE_INFINITY) {
                firstProbedAt = now
                crashedAt = now + 2 * o.probeIntervalMs
              }
              if (now >= crashedAt) {
                reprobedAt = Math.min(reprobedAt, now)
                continue // crashed: no ack
              }
            }
            node.swim.onFrame(now, to, { type: 'ack', seq: frame.seq, members: [] })
          }
        }
      }
      // ~n peers each reach it with chance ~1/n per period, so someone probes it again within
      // a few periods; walking the roster in lockstep, nobody would for ~n periods.
      expect(reprobedAt - crashedAt, `time to the next probe of the victim (seed ${seed})`).toBeLessThan(
        8 * o.probeIntervalMs,
      )
      // No lockstep: in roster order every peer's first target would be p0 (p1 for p0).
      expect(firstTargets.size).toBeGreaterThan(5)
    }))
})
