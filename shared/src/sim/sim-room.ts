/**
 * A room of simulated peers joining the way real ones do: each new peer is told a
 * bounded random sample of those already present, as the signaling server does.
 * Test and benchmark helper.
 *
 *   const room = new SimRoom(net, (id, random) => createNode({ id, replica: replicas.get(id), random }))
 *   room.join('p1'); room.join('p2')
 */
import type { PeerId } from '../ids'
import type { MeshNode } from '../node/mesh-node'
import type { Random } from '../random'
import type { SimNetwork } from './sim-network'

export class SimRoom {
  private readonly present: PeerId[] = []

  constructor(
    private readonly net: SimNetwork,
    private readonly make: (id: PeerId, random: Random) => MeshNode,
    /** Peers named to a joiner. Default 8, the signaling server's default sample. */
    private readonly sampleSize = 8,
  ) {}

  join(id: PeerId): MeshNode {
    const node = this.net.addNode(id, (random) => this.make(id, random))
    const peers = this.samplePresent()
    this.present.push(id)
    if (peers.length > 0) this.net.inject(id, { type: 'peers-discovered', peers })
    return node
  }

  /**
   * Up to `sampleSize` distinct live peers already present. Drawn by rejection so a join
   * costs O(sampleSize), not O(room): joining 10,000 peers stays linear.
   */
  private samplePresent(): PeerId[] {
    const { present, sampleSize, net } = this
    const picked = new Set<PeerId>()
    for (let tries = 0; tries < sampleSize * 4 && picked.size < sampleSize; tries++) {
      const p = present[net.random.int(present.length)]
      if (p !== undefined && net.isAlive(p)) picked.add(p)
    }
    if (picked.size < sampleSize && picked.size < present.length) {
      // Few live peers or bad luck: fall back to an exact sample.
      const alive = present.filter((p) => net.isAlive(p))
      return net.random.sample(alive, sampleSize)
    }
    return [...picked]
  }

  ids(): PeerId[] {
    return this.present.slice()
  }
}
