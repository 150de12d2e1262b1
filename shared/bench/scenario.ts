/**
 * One benchmark run: a protocol, a room size and a loss rate, through six phases on one
 * simulated network (virtual time; see README.md for what each phase measures).
 *
 *   join → warm-up → steady broadcasts → crash a few (detection) → stalls (false dead)
 *   → crash half (recovery)
 *
 *   const protocol = await loadProtocol('gossip-mesh')
 *   const row = runScenario(protocol, 1_000, 0.05, 42, DEFAULT_PLAN, payloadFrameTypes().numbers)
 */
import { existsSync } from 'node:fs'
import type { PeerId } from '../src/ids'
import { SharedMemberIndex } from '../src/membership/member-index'
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
  /**
   * Wall-clock budget of one run, seconds; 0 for none. When spent, the run stops where it
   * is and reports the phases it finished (`status` names the one it was in), so the whole
   * benchmark stays inside its 10 minutes whatever the protocol costs to simulate.
   */
  budgetS: number
  /** Resident memory above which a run stops the same way, MB; 0 for none. */
  memoryMB: number
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
  budgetS: 0,
  memoryMB: 0,
}

/** Thrown inside a run when its budget is spent; caught at the top of `runScenario`. */
class BudgetSpent extends Error {}

export interface Row {
  protocol: string
  n: number
  loss: number
  seed: number
  /** 'complete', or which budget stopped the run in which phase; metrics of phases not finished are null. */
  status: string
  deliveryRatio: number | null
  latencyP50Ms: number | null
  latencyP99Ms: number | null
  hopsP99: number | null
  payloadCopiesPerBroadcast: number | null
  controlBytesPerBroadcast: number | null
  connectionsMean: number | null
  connectionsMax: number | null
  detectionP50Ms: number | null
  detectionP99Ms: number | null
  /** (crashed, live viewer) pairs with no 'dead' verdict by the end of the detection phase. */
  detectionMissedPairs: number | null
  falseDead: number | null
  /** 'dead' verdicts on live nodes during the stall phase (falseDead counts distinct nodes). */
  falseDeadVerdicts: number | null
  recoveryMs: number | null
  /** Share of (recovery broadcast, survivor) pairs delivered by the end of the recovery phase. */
  recoveryDeliveryRatio: number | null
  /** Mean share of the room a node lists as alive or suspect after warm-up (sampled). */
  membershipKnownRatio: number | null
  virtualMs: number
  simEvents: number
  simEventsPerSec: number
  wallMs: number
  peakRssMB: number
}

/** A row with every measurement still unknown: filled in phase by phase, or left so when a run stops early. */
export function emptyRow(
  protocol: Row['protocol'],
  n: number,
  loss: number,
  seed: number,
  status: string,
): Row {
  return {
    protocol,
    n,
    loss,
    seed,
    status,
    deliveryRatio: null,
    latencyP50Ms: null,
    latencyP99Ms: null,
    hopsP99: null,
    payloadCopiesPerBroadcast: null,
    controlBytesPerBroadcast: null,
    connectionsMean: null,
    connectionsMax: null,
    detectionP50Ms: null,
    detectionP99Ms: null,
    detectionMissedPairs: null,
    falseDead: null,
    falseDeadVerdicts: null,
    recoveryMs: null,
    recoveryDeliveryRatio: null,
    membershipKnownRatio: null,
    virtualMs: 0,
    simEvents: 0,
    simEventsPerSec: 0,
    wallMs: 0,
    peakRssMB: 0,
  }
}

export function runScenario(
  protocol: Protocol,
  n: number,
  loss: number,
  seed: number,
  plan: Plan,
  payloadTypes: ReadonlySet<number>,
  log: (line: string) => void = () => {},
  /** Called with the row so far as each phase begins, so a run that dies still reports what it finished. */
  progressRow: (row: Row) => void = () => {},
): Row {
  const started = performance.now()
  const stopFile = process.env.GM_BENCH_STOP_FILE
  let peakRss = process.memoryUsage.rss()
  let phaseName = 'join'
  /** Where in the phase the run is, for a budget stop's status (e.g. nodes joined so far). */
  const progress = { detail: '' }
  const net = new SimNetwork({ seed, loss, datagram: protocol.datagram })
  const row = emptyRow(protocol.name, n, loss, seed, 'complete')
  const where = () =>
    `${phaseName}${progress.detail === '' ? '' : ` (${progress.detail})`} at ${(net.now / 1000).toFixed(1)} s virtual`
  /** Sample memory and stop the run if a budget is spent. */
  const checkBudget = (): void => {
    const rss = process.memoryUsage.rss()
    if (rss > peakRss) peakRss = rss
    if (plan.budgetS > 0 && performance.now() - started > plan.budgetS * 1000)
      throw new BudgetSpent(`time budget (${plan.budgetS} s) spent in ${where()}`)
    if (plan.memoryMB > 0 && rss > plan.memoryMB * 2 ** 20)
      throw new BudgetSpent(`memory budget (${plan.memoryMB} MB) spent in ${where()}`)
    // A run is synchronous, so no signal handler can stop it: a file can (see README.md).
    if (stopFile !== undefined && existsSync(stopFile))
      throw new BudgetSpent(`stopped by ${stopFile} in ${where()}`)
  }
  const enter = (name: string): void => {
    log(
      `  [${protocol.name} n=${n} loss=${loss}] ${name} at ${(net.now / 1000).toFixed(1)} s virtual, ` +
        `${((performance.now() - started) / 1000).toFixed(1)} s wall, ${net.eventsProcessed} events, ` +
        `${(process.memoryUsage.rss() / 2 ** 20).toFixed(0)} MB RSS`,
    )
    phaseName = name
    progress.detail = ''
    // The status of a progress row is read only if the run dies before its next one.
    if (name !== 'done') progressRow(withCost({ ...row, status: `in ${name}` }))
  }
  /** `r` with the simulator's cost so far. */
  const withCost = (r: Row): Row => {
    const wallMs = performance.now() - started
    return {
      ...r,
      virtualMs: net.now,
      simEvents: net.eventsProcessed,
      simEventsPerSec: net.eventsProcessed / (wallMs / 1000),
      wallMs,
      peakRssMB: peakRss / 2 ** 20,
    }
  }
  try {
    runPhases(protocol, n, plan, payloadTypes, net, seed, row, checkBudget, enter, progress)
  } catch (err) {
    if (!(err instanceof BudgetSpent)) throw err
    row.status = err.message
    log(`  [${protocol.name} n=${n} loss=${loss}] stopped: ${err.message}`)
  }
  return withCost(row)
}

function runPhases(
  protocol: Protocol,
  n: number,
  plan: Plan,
  payloadTypes: ReadonlySet<number>,
  net: SimNetwork,
  seed: number,
  row: Row,
  checkBudget: () => void,
  enter: (phase: string) => void,
  progress: { detail: string },
): void {
  /** The bench's own choices (origins, victims) draw from their own stream. */
  const pick: Random = seededRandom((seed ^ 0x5bd1e995) >>> 0)
  const ids: PeerId[] = Array.from({ length: n }, (_, i) => `p${i}`)
  const indexOf = (id: PeerId): number => net.indexOf(id)
  const rec = new Recorder(net, n, payloadTypes)
  const replicas: BenchReplica[] = []
  const memberIndex = new SharedMemberIndex()
  for (const id of ids) memberIndex.slotOf(id)

  const makeNode = (i: number, random: Random) => {
    const replica = createBenchReplica((id) => rec.delivered(i, id), plan.payloadBytes)
    replicas[i] = replica
    return rec.wrap(
      i,
      protocol.make({ id: ids[i] as PeerId, replica, random, roster: ids, indexOf, memberIndex }),
    )
  }
  /** Run in 250 ms steps, checking the budget between steps (a step of 1,000 nodes can take seconds). */
  const run = (ms: number): void => {
    const end = net.now + ms
    while (net.now < end) {
      net.runUntil(Math.min(end, net.now + 250))
      checkBudget()
    }
  }
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
  enter('join')
  if (protocol.bootstrap === 'room') {
    let next = 0
    const room = new SimRoom(net, (_id, random) => makeNode(next++, random))
    const gap = 1_000 / plan.joinRatePerS
    for (let i = 0; i < n; i++) {
      room.join(ids[i] as PeerId)
      net.runFor(gap)
      progress.detail = `${i + 1}/${n} joined`
      if (i % 16 === 15) checkBudget()
    }
  } else {
    for (let i = 0; i < n; i++) {
      net.addNode(ids[i] as PeerId, (random) => makeNode(i, random))
      progress.detail = `${i + 1}/${n} nodes created`
      if (i % 16 === 15) checkBudget()
    }
    for (let i = 0; i < n; i++) net.inject(ids[i] as PeerId, { type: 'peers-discovered', peers: ids })
  }

  // 2. Warm up, then sample how much of the room the nodes know.
  enter('warm-up')
  run(plan.warmupMs)
  let known = 0
  const sampled = pick.sample(liveIndices(), 20)
  for (const i of sampled) {
    const members = net.node(ids[i] as PeerId)?.members() ?? []
    let alive = 0
    for (const m of members) if (m.state === 'alive' || m.state === 'suspect') alive++
    known += alive / n
  }
  row.membershipKnownRatio = sampled.length === 0 ? 0 : known / sampled.length

  // 3. Steady-state broadcasts.
  enter('steady')
  const before = { ...rec.traffic }
  if (protocol.datagram) rec.peerSets = Array.from({ length: n }, () => new Set<number>())
  let live = liveIndices()
  const steady: BroadcastRecord[] = []
  for (let k = 0; k < plan.steadyBroadcasts; k++) {
    progress.detail = `broadcast ${k + 1}/${plan.steadyBroadcasts}`
    steady.push(broadcast('steady', live))
    run(plan.steadyIntervalMs)
  }
  run(plan.drainMs)
  const expected = steady.length * (live.length - 1)
  let delivered = 0
  for (const b of steady) delivered += b.delivered
  const latencies = sortNumbers(rec.steadyLatencies)
  let connSum = 0
  let connMax = 0
  for (const i of live) {
    const c =
      rec.peerSets !== undefined ? (rec.peerSets[i] as Set<number>).size : net.degree(ids[i] as PeerId)
    connSum += c
    if (c > connMax) connMax = c
  }
  rec.peerSets = undefined
  row.deliveryRatio = expected === 0 ? 1 : delivered / expected
  row.latencyP50Ms = nullIfNaN(percentile(latencies, 0.5))
  row.latencyP99Ms = nullIfNaN(percentile(latencies, 0.99))
  row.hopsP99 = nullIfNaN(histogramPercentile(rec.steadyHops, 0.99))
  row.payloadCopiesPerBroadcast = (rec.traffic.payloadFrames - before.payloadFrames) / steady.length / (n - 1)
  row.controlBytesPerBroadcast = (rec.traffic.controlBytes - before.controlBytes) / steady.length
  row.connectionsMean = connSum / live.length
  row.connectionsMax = connMax

  // 4. Crash a few nodes at once; time until every live node declares each dead.
  enter('detection')
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
  // Missed pairs count as infinitely late: a percentile they reach is unknown (null).
  const detectionAt = (p: number): number | null => {
    const rank = Math.max(1, Math.ceil(p * expectedPairs))
    return rank > detection.length ? null : (detection[rank - 1] as number)
  }
  row.detectionP50Ms = detectionAt(0.5)
  row.detectionP99Ms = detectionAt(0.99)
  row.detectionMissedPairs = expectedPairs - detection.length

  // 5. Stalls: a fresh fifth of the live nodes freezes for 2 s, again and again.
  enter('stalls')
  rec.countFalseDead = true
  for (let t = 0; t < plan.stallPhaseMs; t += plan.stallEachMs) {
    for (const i of pick.sample(live, Math.round(plan.stallFraction * live.length)))
      net.stall(ids[i] as PeerId, plan.stallEachMs)
    run(plan.stallEachMs)
  }
  run(plan.stallTailMs)
  rec.countFalseDead = false
  row.falseDead = rec.falseDeadSubjects.size
  row.falseDeadVerdicts = rec.falseDeadEvents

  // 6. Half the live nodes crash at once; broadcast until they reach every survivor again.
  enter('recovery')
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
    progress.detail = `${probes.length + 1} broadcasts`
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
  row.recoveryMs = recoveryMs
  row.recoveryDeliveryRatio = probes.length === 0 ? 1 : probeDelivered / (probes.length * (live.length - 1))
  enter('done')
}

function nullIfNaN(x: number): number | null {
  return Number.isNaN(x) ? null : x
}
