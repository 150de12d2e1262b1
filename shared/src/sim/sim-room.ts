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
    const alive = this.present.filter((p) => this.net.isAlive(p))
    const peers = this.net.random.sample(alive, this.sampleSize)
    this.present.push(id)
    if (peers.length > 0) this.net.inject(id, { type: 'peers-discovered', peers })
    return node
  }

  ids(): PeerId[] {
    return this.present.slice()
  }
}
