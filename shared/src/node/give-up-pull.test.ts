/**
 * A message Plumtree gives up on (its GRAFTs went unanswered) is pulled by anti-entropy
 * at once, from a neighbour that announced it, not left for the next periodic round
 * (up to `antiEntropyIntervalMs` later, and a round whose diff is lost costs another).
 */
import { describe, expect, it } from 'vitest'
import type { PeerId } from '../ids'
import { withSeed } from '../sim/seeded'
import { FrameType } from '../wire/frame-type'
import type { GossipNode } from './gossip-node'
import type { MeshNode } from './mesh-node'
import { buildMesh } from './test-mesh'

/** `node`, except that no UPDATE frame it sends reaches `victim`: Plumtree can never deliver there. */
function noUpdatesTo(victim: PeerId, self: PeerId, node: GossipNode): MeshNode {
  return {
    id: self,
    nextWakeAt: () => node.nextWakeAt(),
    members: () => node.members(),
    neighbors: () => node.neighbors(),
    stats: () => node.stats(),
    handle: (now, event) =>
      node
        .handle(now, event)
        .filter((e) => !(e.type === 'send' && e.to === victim && e.bytes[1] === FrameType.Update)),
  }
}

describe('a message Plumtree gives up on', () => {
  it('reaches the peer within a round trip of the give-up, by anti-entropy', () =>
    withSeed((seed) => {
      const n = 60
      const victim = 'p7'
      const mesh = buildMesh({
        seed,
        n,
        joinEveryMs: 20,
        wrap: (self, node) => noUpdatesTo(victim, self, node),
      })
      mesh.net.runFor(10_000)
      const latencies: number[] = []
      for (let i = 0; i < 10; i++) {
        const origin = `p${(i * 13 + 20) % n}`
        const seq = mesh.write(origin)
        const start = mesh.net.now
        mesh.net.runUntilTrue(() => mesh.replica(victim).has(origin, seq), 15_000, 10)
        latencies.push(Math.round(mesh.net.now - start))
        expect(
          mesh.net.runUntilTrue(() => mesh.allHave(origin, seq), 10_000),
          `all have it (seed ${seed})`,
        ).toBe(true)
        // The next broadcast finds a quiet room, no pull going on, and the periodic rounds
        // in another phase.
        mesh.net.runFor(3_000 + ((i * 1_700) % 5_000))
      }
      const gaveUp = mesh.node(victim).stats().broadcast?.graftsAbandoned ?? 0
      // Four GRAFTs 500 ms apart after the first announcement (~0.3 s) give up ~2.3 s in;
      // a pull is one round trip (~0.1 s) after that. The periodic round comes 0-5 s later.
      expect(
        Math.max(...latencies),
        `latencies at ${victim}: ${latencies.join(', ')} ms (seed ${seed})`,
      ).toBeLessThan(3_000)
      expect(gaveUp, `messages given up at ${victim} (seed ${seed})`).toBeGreaterThan(0)
    }))
})
