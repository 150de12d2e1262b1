/**
 * Prometheus metrics of one server instance, in a registry of its own so that several
 * servers in one process (tests, embedders) never share or clash over counters.
 *
 *   const metrics = createMetrics(() => ({ connections: hub.connections, rooms: hub.roomCount }))
 *   const hub = new SignalingHub(options, metrics.observer)
 *   res.end(await metrics.registry.metrics())
 *
 * Names (all prefixed `gossip_mesh_signal_`):
 *   connections                      gauge    open WebSocket connections
 *   rooms                            gauge    rooms with a peer on this instance
 *   joins_total                      counter  joins accepted
 *   relayed_frames_total{route}      counter  signals relayed; route = local | cluster
 *   rejected_frames_total{reason}    counter  frames answered with an error; reason = error code
 *   dropped_frames_total{reason}     counter  frames not sent; reason = backpressure | cluster-error
 *   kicked_connections_total{reason} counter  sockets closed by the server; reason = abuse | heartbeat | origin
 *   refused_upgrades_total{reason}   counter  upgrades refused; reason = full | per-ip | shutting-down
 *   redis_ready                      gauge    1 while Redis is reachable, else 0 (only with Redis)
 *   plus prom-client's default process metrics (memory, CPU, event-loop lag) under the same prefix.
 */
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client'
import type { HubObserver } from './hub'

export const METRIC_PREFIX = 'gossip_mesh_signal_'

export interface Metrics {
  readonly registry: Registry
  readonly observer: HubObserver
  readonly kicked: Counter<'reason'>
  readonly refusedUpgrades: Counter<'reason'>
}

/** What the gauges read when scraped. `redisReady` is undefined without Redis: no gauge then. */
export interface GaugeSource {
  connections: number
  rooms: number
  redisReady: boolean | undefined
}

export function createMetrics(read: () => GaugeSource, options: { redis: boolean }): Metrics {
  const registry = new Registry()
  const p = METRIC_PREFIX
  const registers = [registry]
  new Gauge({
    name: `${p}connections`,
    help: 'Open WebSocket connections',
    registers,
    collect() {
      this.set(read().connections)
    },
  })
  new Gauge({
    name: `${p}rooms`,
    help: 'Rooms with at least one peer on this instance',
    registers,
    collect() {
      this.set(read().rooms)
    },
  })
  if (options.redis) {
    new Gauge({
      name: `${p}redis_ready`,
      help: '1 while Redis is reachable (rooms are shared with other instances), else 0',
      registers,
      collect() {
        this.set(read().redisReady === true ? 1 : 0)
      },
    })
  }
  const joins = new Counter({ name: `${p}joins_total`, help: 'Joins accepted', registers })
  const relayed = new Counter({
    name: `${p}relayed_frames_total`,
    help: 'Signals relayed to their target, by route (local socket or another instance)',
    labelNames: ['route'] as const,
    registers,
  })
  const rejected = new Counter({
    name: `${p}rejected_frames_total`,
    help: 'Client frames refused with an error frame, by error code',
    labelNames: ['reason'] as const,
    registers,
  })
  const dropped = new Counter({
    name: `${p}dropped_frames_total`,
    help: 'Frames to clients not sent: the socket is not reading, or Redis failed',
    labelNames: ['reason'] as const,
    registers,
  })
  const kicked = new Counter({
    name: `${p}kicked_connections_total`,
    help: 'Connections closed by the server, by reason',
    labelNames: ['reason'] as const,
    registers,
  })
  const refusedUpgrades = new Counter({
    name: `${p}refused_upgrades_total`,
    help: 'WebSocket upgrades refused, by reason',
    labelNames: ['reason'] as const,
    registers,
  })
  collectDefaultMetrics({ register: registry, prefix: p })
  return {
    registry,
    kicked,
    refusedUpgrades,
    observer: {
      joined: () => joins.inc(),
      relayed: (route) => relayed.inc({ route }),
      rejected: (code) => rejected.inc({ reason: code }),
      dropped: (reason) => dropped.inc({ reason }),
      kicked: (reason) => kicked.inc({ reason }),
    },
  }
}
