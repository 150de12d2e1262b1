/**
 * One benchmark run: a protocol, a room size and a loss rate, through five phases on one
 * simulated network (virtual time; see README.md for what each phase measures).
 *
 *   join → warm-up → steady broadcasts → crash a few (detection) → stalls (false dead)
 *   → crash half (recovery)
 *
 *   const row = runScenario(GOSSIP_MESH, 1_000, 0.05, 42, DEFAULT_PLAN, payloadFrameTypes().numbers)
 */
import type { PeerId } from '../src/ids'
import { type Random, seededRandom } from '../src/random'
import { SimNetwork } from '../src/sim/sim-network'
import { SimRoom } from '../src/sim/sim-room'
import { type BenchReplica, createBenchReplica, encodeBenchUpdate } from './bench-replica'
import { histogramPercentile, percentile, sortNumbers } from './percentile'
import type { Protocol } from './protocols'
import { type BroadcastRecord, type Phase, Recorder } from './recorder'

/** Durations and counts of the phases. The same plan runs for every protocol, size and loss. */
export interface Plan {
  /** gossip-mesh joiners per second (the baseline starts with everyone at once). */
  joinRatePerS: number
  /** Quiet time after the last join, before anything is measured. */
  warmupMs: number
  /** Broadcasts in the steady-state phase, one every `steadyIntervalMs` from a random live node. */
  steadyBroadcasts: number
  steadyIntervalMs: number
  /** Time after the last steady broadcast before delivery is counted. */
  drainMs: number
  /** Nodes crashed at once to time failure detection. */
  crashCount: number
  /** Longest wait for every live node to declare every one of them dead. */
  detectMaxMs: number
  /** Length of the stall phase; every `stallEachMs` a fresh `stallFraction` of live nodes freezes for `stallEachMs`. */
  stallPhaseMs: number
  stallFraction: number
  stallEachMs: number
  /** Time after the stall phase during which 'dead' verdicts still count as false (suspicions expiring). */
  stallTailMs: number
  /** After half the nodes crash, one broadcast every `recoveryProbeIntervalMs` from a random survivor… */
  recoveryProbeIntervalMs: number
  /** …until `recoveryStreak` consecutive ones reach every survivor, or `recoveryMaxMs`. */
  recoveryStreak: number
  recoveryMaxMs: number
  /** Bytes of CRDT payload per broadcast (a small Yjs update). */
  payloadBytes: number
}

export const DEFAULT_PLAN: Plan = {
  joinRatePerS: 500,
  warmupMs: 20_000,
  steadyBroadcasts: 40,
  steadyIntervalMs: 250,
  drainMs: 5_000,
  crashCount: 10,
  detectMaxMs: 90_000,
  stallPhaseMs: 20_000,
  stallFraction: 0.2,
  stallEachMs: 2_000,
  stallTailMs: 20_000,
  recoveryProbeIntervalMs: 1_000,
  recoveryStreak: 5,
  recoveryMaxMs: 60_000,
  payloadBytes: 64,
}

export interface Row {
  protocol: string
  n: number
  loss: number
  seed: number
  deliveryRatio: number
  latencyP50Ms: number
  latencyP99Ms: number
  hopsP99: number | null
  payloadCopiesPerBroadcast: number
  controlBytesPerBroadcast: number
  connectionsMean: number
  connectionsMax: number
  detectionP50Ms: number | null
  detectionP99Ms: number | null
  /** (crashed, live viewer) pairs with no 'dead' verdict by the end of the detection phase. */
  detectionMissedPairs: number
  falseDead: number
  /** 'dead' verdicts on live nodes during the stall phase (falseDead counts distinct nodes). */
  falseDeadVerdicts: number
  recoveryMs: number | null
  /** Share of (recovery broadcast, survivor) pairs delivered by the end of the recovery phase. */
  recoveryDeliveryRatio: number
  /** Mean share of the room a node lists as alive or suspect after warm-up (sampled). */
  membershipKnownRatio: number
  virtualMs: number
  simEvents: number
  simEventsPerSec: number
  wallMs: number
  peakRssMB: number
}

export function runScenario(
  protocol: Protocol,
  n: number,
  loss: number,
  seed: number,
  plan: Plan,
  payloadTypes: ReadonlySet<number>,
  log: (line: string) => void = () => {},
): Row {
  const started = performance.now()
  let peakRss = process.memoryUsage.rss()
  const net = new SimNetwork({ seed, loss, datagram: protocol.datagram })
  /** The bench's own choices (origins, victims) draw from their own stream. */
  const pick: Random = seededRandom((seed ^ 0x5bd1e995) >>> 0)
  const ids: PeerId[] = Array.from({ length: n }, (_, i) => `p${i}`)
  const indexOf = (id: PeerId): number => net.indexOf(id)
  const rec = new Recorder(net, n, payloadTypes)
  const replicas: BenchReplica[] = []

  const makeNode = (i: number, random: Random) => {
    const replica = createBenchReplica((id) => rec.delivered(i, id), plan.payloadBytes)
    replicas[i] = replica
    return rec.wrap(i, protocol.make({ id: ids[i] as PeerId, replica, random, roster: ids, indexOf }))
  }
  /** Run in 1 s steps so memory is sampled during long phases too. */
  const run = (ms: number): void => {
    const end = net.now + ms
    while (net.now < end) {
      net.runUntil(Math.min(end, net.now + 1_000))
      const rss = process.memoryUsage.rss()
      if (rss > peakRss) peakRss = rss
    }
  }
  const phase = (name: string): void =>
    log(
      `  [${protocol.name} n=${n} loss=${loss}] ${name} at ${(net.now / 1000).toFixed(1)} s virtual, ` +
        `${((performance.now() - started) / 1000).toFixed(1)} s wall, ${net.eventsProcessed} events`,
    )
  const liveIndices = (): number[] => {
    const out: number[] = []
    for (let i = 0; i < n; i++) if (rec.crashed[i] === 0) out.push(i)
    return out
  }
  const broadcast = (phaseName: Phase, live: readonly number[]): BroadcastRecord => {
    let origin = live[pick.int(live.length)] as number
    // Prefer an origin that is not frozen right now (a user types in a tab that runs).
    for (let tries = 0; tries < 8 && net.isStalled(ids[origin] as PeerId); tries++)
      origin = live[pick.int(live.length)] as number
    const b = rec.issue(origin, phaseName)
    const update = encodeBenchUpdate(b.id, plan.payloadBytes)
    ;(replicas[origin] as BenchReplica).apply(update)
    net.inject(ids[origin] as PeerId, { type: 'local-update', update })
    return b
  }

  // 1. Join.
  if (protocol.bootstrap === 'room') {
    let next = 0
    const room = new SimRoom(net, (_id, random) => makeNode(next++, random))
    const gap = 1_000 / plan.joinRatePerS
    for (let i = 0; i < n; i++) {
      room.join(ids[i] as PeerId)
      net.runFor(gap)
    }
  } else {
    for (let i = 0; i < n; i++) net.addNode(ids[i] as PeerId, (random) => makeNode(i, random))
    for (let i = 0; i < n; i++) net.inject(ids[i] as PeerId, { type: 'peers-discovered', peers: ids })
  }
  phase('joined')

  // 2. Warm up, then sample how much of the room the nodes know.
  run(plan.warmupMs)
  let known = 0
  const sampled = pick.sample(liveIndices(), 20)
  for (const i of sampled) {
    const members = net.node(ids[i] as PeerId)?.members() ?? []
    let alive = 0
    for (const m of members) if (m.state === 'alive' || m.state === 'suspect') alive++
    known += alive / n
  }
  const membershipKnownRatio = sampled.length === 0 ? 0 : known / sampled.length
  phase('warmed up')

  // 3. Steady-state broadcasts.
  const before = { ...rec.traffic }
  if (protocol.datagram) rec.peerSets = Array.from({ length: n }, () => new Set<number>())
  let live = liveIndices()
  const steady: BroadcastRecord[] = []
  for (let k = 0; k < plan.steadyBroadcasts; k++) {
    steady.push(broadcast('steady', live))
    run(plan.steadyIntervalMs)
  }
  run(plan.drainMs)
  const expected = steady.length * (live.length - 1)
  let delivered = 0
  for (const b of steady) delivered += b.delivered
  const latencies = sortNumbers(rec.steadyLatencies)
  const payloadFrames = rec.traffic.payloadFrames - before.payloadFrames
  const controlBytes = rec.traffic.controlBytes - before.controlBytes
  let connSum = 0
  let connMax = 0
  for (const i of live) {
    const c =
      rec.peerSets !== undefined ? (rec.peerSets[i] as Set<number>).size : net.degree(ids[i] as PeerId)
    connSum += c
    if (c > connMax) connMax = c
  }
  const connectionsMean = connSum / live.length
  rec.peerSets = undefined
  phase('steady state measured')

  // 4. Crash a few nodes at once; time until every live node declares each dead.
  const victims = pick.sample(live, Math.min(plan.crashCount, Math.floor(n / 10)))
  for (const i of victims) {
    rec.crashed[i] = 1
    net.crash(ids[i] as PeerId)
  }
  rec.watchCrashes(victims)
  live = liveIndices()
  const expectedPairs = victims.length * live.length
  const detectedPairs = () => rec.detectionTimes().reduce((sum, t) => sum + t.length, 0)
  const detectEnd = net.now + plan.detectMaxMs
  while (net.now < detectEnd && detectedPairs() < expectedPairs) run(1_000)
  const detection = sortNumbers(rec.detectionTimes().flat())
  const missed = expectedPairs - detection.length
  // Missed pairs count as infinitely late: a percentile they reach is unknown (null).
  const detectionAt = (p: number): number | null => {
    const rank = Math.max(1, Math.ceil(p * expectedPairs))
    return rank > detection.length ? null : (detection[rank - 1] as number)
  }
  phase('detection measured')

  // 5. Stalls: a fresh fifth of the live nodes freezes for 2 s, again and again.
  rec.countFalseDead = true
  for (let t = 0; t < plan.stallPhaseMs; t += plan.stallEachMs) {
    for (const i of pick.sample(live, Math.round(plan.stallFraction * live.length)))
      net.stall(ids[i] as PeerId, plan.stallEachMs)
    run(plan.stallEachMs)
  }
  run(plan.stallTailMs)
  rec.countFalseDead = false
  phase('stalls measured')

  // 6. Half the live nodes crash at once; broadcast until they reach every survivor again.
  const crashAt = net.now
  for (const i of pick.sample(live, Math.floor(live.length / 2))) {
    rec.crashed[i] = 1
    net.crash(ids[i] as PeerId)
  }
  live = liveIndices()
  const probes: BroadcastRecord[] = []
  const complete = (b: BroadcastRecord) => b.delivered >= live.length - 1
  let recoveryMs: number | null = null
  while (net.now - crashAt < plan.recoveryMaxMs && recoveryMs === null) {
    probes.push(broadcast('recovery', live))
    run(plan.recoveryProbeIntervalMs)
    for (let k = 0; k + plan.recoveryStreak <= probes.length; k++) {
      if (probes.slice(k, k + plan.recoveryStreak).every(complete)) {
        recoveryMs = (probes[k] as BroadcastRecord).lastAt - crashAt
        break
      }
    }
  }
  let probeDelivered = 0
  for (const b of probes) probeDelivered += b.delivered
  phase('recovery measured')

  const wallMs = performance.now() - started
  return {
    protocol: protocol.name,
    n,
    loss,
    seed,
    deliveryRatio: expected === 0 ? 1 : delivered / expected,
    latencyP50Ms: percentile(latencies, 0.5),
    latencyP99Ms: percentile(latencies, 0.99),
    hopsP99: nullIfNaN(histogramPercentile(rec.steadyHops, 0.99)),
    payloadCopiesPerBroadcast: payloadFrames / steady.length / (n - 1),
    controlBytesPerBroadcast: controlBytes / steady.length,
    connectionsMean,
    connectionsMax: connMax,
    detectionP50Ms: detectionAt(0.5),
    detectionP99Ms: detectionAt(0.99),
    detectionMissedPairs: missed,
    falseDead: rec.falseDeadSubjects.size,
    falseDeadVerdicts: rec.falseDeadEvents,
    recoveryMs,
    recoveryDeliveryRatio: probes.length === 0 ? 1 : probeDelivered / (probes.length * (live.length - 1)),
    membershipKnownRatio,
    virtualMs: net.now,
    simEvents: net.eventsProcessed,
    simEventsPerSec: net.eventsProcessed / (wallMs / 1000),
    wallMs,
    peakRssMB: peakRss / 2 ** 20,
  }
}

function nullIfNaN(x: number): number | null {
  return Number.isNaN(x) ? null : x
}
