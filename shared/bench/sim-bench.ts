/**
 * `pnpm bench:sim`: gossip-mesh and a memberlist-style baseline side by side over the
 * deterministic simulator, for each room size and loss rate. Prints a table; with
 * `--json FILE` also writes one object per (protocol, n, loss). See README.md.
 *
 *   pnpm bench:sim                                   # n = 100, 1000, 10000; loss = 0, 0.05, 0.1
 *   pnpm bench:sim -- --n 100,1000 --loss 0 --protocol baseline --seed 7 --json out.json
 *
 * A benchmark is a program, not a test: it never fails on a number, only on misuse.
 */
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { BASELINE_MEMBERSHIP } from './baseline/swim-baseline'
import { loadProtocol, PROTOCOL_NAMES, type ProtocolName, payloadFrameTypes } from './protocols'
import { DEFAULT_PLAN, emptyRow, type Plan, type Row, runScenario } from './scenario'

interface Args {
  n: number[]
  loss: number[]
  protocols: ProtocolName[]
  seed: number
  json: string | undefined
  verbose: boolean
  plan: Plan
  /** Runs in parallel, each in its own process. */
  jobs: number
  /** Whether --plan set budgetS (else it is chosen by room size). */
  budgetGiven: boolean
  /** Internal: run one (protocol, n, loss) and print its row as JSON (a child of the parent run). */
  worker: string | undefined
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    n: [100, 1_000, 10_000],
    loss: [0, 0.05, 0.1],
    protocols: [...PROTOCOL_NAMES],
    seed: 1,
    json: undefined,
    verbose: false,
    plan: { ...DEFAULT_PLAN },
    jobs: Math.max(1, Math.min(2, os.availableParallelism())),
    worker: undefined,
    budgetGiven: false,
  }
  const list = (value: string | undefined, flag: string): number[] => {
    const out = (value ?? '').split(',').map(Number)
    if (out.length === 0 || out.some((x) => !Number.isFinite(x)))
      usage(`${flag} takes numbers, e.g. ${flag} 100,1000`)
    return out
  }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]
    const value = argv[i + 1]
    if (flag === '--') continue
    if (flag === '--n') args.n = list(value, flag)
    else if (flag === '--loss') args.loss = list(value, flag)
    else if (flag === '--protocol') args.protocols = (value ?? '').split(',') as ProtocolName[]
    else if (flag === '--seed') args.seed = list(value, flag)[0] as number
    else if (flag === '--json') args.json = value
    else if (flag === '--jobs') args.jobs = Math.max(1, list(value, flag)[0] as number)
    else if (flag === '--worker') args.worker = value
    else if (flag === '--plan') {
      // Overrides for exploration, e.g. --plan steadyBroadcasts=5,recoveryMaxMs=0. The
      // published numbers use the default plan.
      for (const pair of (value ?? '').split(',')) {
        const [key, raw] = pair.split('=')
        if (key === undefined || !(key in args.plan) || !Number.isFinite(Number(raw)))
          usage(`--plan: bad override ${pair} (keys: ${Object.keys(args.plan).join(', ')})`)
        ;(args.plan as unknown as Record<string, number>)[key] = Number(raw)
        if (key === 'budgetS') args.budgetGiven = true
      }
    } else if (flag === '--verbose') {
      args.verbose = true
      continue
    } else usage(`unknown flag ${flag}`)
    i++
  }
  for (const p of args.protocols) if (!PROTOCOL_NAMES.includes(p)) usage(`--protocol: unknown protocol ${p}`)
  return args
}

function usage(problem: string): never {
  console.error(
    `${problem}\nusage: sim-bench [--n 100,1000,10000] [--loss 0,0.05,0.1] [--protocol gossip-mesh,baseline] [--seed N] [--json FILE] [--plan key=value,...] [--jobs 2] [--verbose]`,
  )
  process.exit(2)
}

interface Column {
  head: string
  width: number
  cell: (r: Row) => string
}

const num = (x: number | null, digits = 0): string =>
  x === null || Number.isNaN(x) ? '-' : x.toFixed(digits)

const COLUMNS: Column[] = [
  { head: 'protocol', width: 11, cell: (r) => r.protocol },
  { head: 'n', width: 6, cell: (r) => String(r.n) },
  { head: 'loss', width: 5, cell: (r) => num(r.loss, 2) },
  { head: 'deliv', width: 7, cell: (r) => num(r.deliveryRatio, 4) },
  { head: 'lat50', width: 6, cell: (r) => num(r.latencyP50Ms) },
  { head: 'lat99', width: 6, cell: (r) => num(r.latencyP99Ms) },
  { head: 'hop99', width: 5, cell: (r) => num(r.hopsP99) },
  { head: 'copies', width: 6, cell: (r) => num(r.payloadCopiesPerBroadcast, 2) },
  { head: 'ctrlB/bc', width: 9, cell: (r) => num(r.controlBytesPerBroadcast) },
  { head: 'conn', width: 6, cell: (r) => num(r.connectionsMean, 1) },
  { head: 'cmax', width: 5, cell: (r) => num(r.connectionsMax) },
  { head: 'det50', width: 6, cell: (r) => num(r.detectionP50Ms) },
  { head: 'det99', width: 6, cell: (r) => num(r.detectionP99Ms) },
  { head: 'miss', width: 6, cell: (r) => num(r.detectionMissedPairs) },
  { head: 'fDead', width: 5, cell: (r) => num(r.falseDead) },
  { head: 'recov', width: 6, cell: (r) => num(r.recoveryMs) },
  { head: 'known', width: 5, cell: (r) => num(r.membershipKnownRatio, 2) },
  { head: 'Mev', width: 6, cell: (r) => num(r.simEvents / 1e6, 2) },
  { head: 'kev/s', width: 6, cell: (r) => num(r.simEventsPerSec / 1e3) },
  { head: 'wall s', width: 6, cell: (r) => num(r.wallMs / 1e3, 1) },
  { head: 'rss MB', width: 6, cell: (r) => num(r.peakRssMB) },
  { head: 'status', width: 0, cell: (r) => (r.status === 'complete' ? 'ok' : r.status) },
]

const line = (cells: string[]): string => cells.map((c, i) => c.padStart(COLUMNS[i]?.width ?? 0)).join(' ')

interface RunSpec {
  protocol: ProtocolName
  n: number
  loss: number
}

/**
 * Time is shared out as the runs go: the whole matrix gets `totalS` seconds of wall time
 * (the issue allows 10 minutes; 540 s leaves room for start-up and overshoot), and a run starting with
 * R runs still to go gets its weight's share of the time left times the parallelism.
 * Time a run does not use passes to the runs after it. Runs go by room size, smallest
 * first: the 100- and 1,000-peer runs complete (the slowest, the baseline at 1,000 peers
 * and 10% loss, in ~90 s), and the 10,000-peer runs, which do not complete in 10 minutes
 * (README), get all the time left. Weights 1, 2, 1 for 100, 1,000, 10,000 keep a
 * 1,000-peer run's share above what it needs.
 */
const TOTAL_BUDGET_S = 540

function weight(n: number): number {
  return n <= 100 ? 1 : n <= 1_000 ? 2 : 1
}

function runOrder(spec: RunSpec): number {
  const group = spec.n <= 100 ? 0 : spec.n <= 1_000 ? 1 : 2
  return group * 10 + (spec.protocol === 'baseline' ? 0 : 1)
}

/** Memory budget of one run: a share of this machine's memory, leaving room for the others. */
function defaultMemoryMB(jobs: number): number {
  return Math.floor(Math.min(8_192, (os.totalmem() / 2 ** 20 / jobs) * 0.6))
}

/** A row for a run that died (e.g. V8 ran out of heap before the memory budget noticed). */
function failedRow(spec: RunSpec, seed: number, status: string): Row {
  return emptyRow(spec.protocol, spec.n, spec.loss, seed, status)
}

/** Run one scenario in a child process (same runtime flags, so tsx's loader too); resolves with its row. */
function runChild(spec: RunSpec, args: Args, budgetS: number): Promise<Row> {
  const plan: Plan = {
    ...args.plan,
    budgetS: args.budgetGiven ? args.plan.budgetS : budgetS,
    memoryMB: args.plan.memoryMB > 0 ? args.plan.memoryMB : defaultMemoryMB(args.jobs),
  }
  const argv = [
    ...process.execArgv,
    `--max-old-space-size=${plan.memoryMB + 2_048}`,
    fileURLToPath(import.meta.url),
    '--worker',
    JSON.stringify(spec),
    '--seed',
    String(args.seed),
    '--plan',
    Object.entries(plan)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    ...(args.verbose ? ['--verbose'] : []),
  ]
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      out += chunk
    })
    child.on('error', reject)
    child.on('close', (code, signal) => {
      const lines = out.split('\n').filter((l) => l.startsWith('{'))
      const last = lines.length > 0 ? (JSON.parse(lines[lines.length - 1] as string) as Row) : undefined
      if (code === 0 && last !== undefined) resolve(last)
      else {
        // The phases it finished, from its last progress line.
        const died = `run died (${signal ?? `exit code ${code}`}; out of memory?)`
        const row = last ?? failedRow(spec, args.seed, died)
        row.status = last === undefined ? died : `${died}; it was ${last.status}`
        row.wallMs = performance.now() - started
        resolve(row)
      }
    })
  })
}

async function runWorker(args: Args, spec: RunSpec): Promise<void> {
  const protocol = await loadProtocol(spec.protocol)
  const log = args.verbose ? (s: string) => console.error(s) : undefined
  // One JSON line per phase begun, then the final row: if the process dies (out of memory),
  // the parent still has the phases that finished.
  const line = (row: Row) => process.stdout.write(`${JSON.stringify(row)}\n`)
  line(runScenario(protocol, spec.n, spec.loss, args.seed, args.plan, payloadFrameTypes().numbers, log, line))
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  if (args.worker !== undefined) return runWorker(args, JSON.parse(args.worker) as RunSpec)
  const plan = args.plan
  const payload = payloadFrameTypes()
  const started = performance.now()
  console.log(
    `# gossip-mesh simulator benchmark  seed=${args.seed}  node ${process.version}  ${os.cpus().length} cpus`,
  )
  console.log(
    `# phases (virtual time): join (gossip-mesh ${plan.joinRatePerS}/s via 8-peer signaling samples; baseline knows all) ` +
      `→ warm-up ${plan.warmupMs / 1e3} s → ${plan.steadyBroadcasts} broadcasts every ${plan.steadyIntervalMs} ms ` +
      `+ ${plan.drainMs / 1e3} s drain → crash ${plan.crashCount} (detection, ≤ ${plan.detectMaxMs / 1e3} s) ` +
      `→ ${plan.stallFraction * 100}% stall ${plan.stallEachMs / 1e3} s at a time for ${plan.stallPhaseMs / 1e3} s ` +
      `+ ${plan.stallTailMs / 1e3} s tail → crash 50%, broadcast every ${plan.recoveryProbeIntervalMs / 1e3} s until ` +
      `${plan.recoveryStreak} in a row reach all survivors (≤ ${plan.recoveryMaxMs / 1e3} s)`,
  )
  console.log(
    `# payload frames: ${payload.names.join(', ')} (${plan.payloadBytes} B payload each); baseline membership: ${BASELINE_MEMBERSHIP}`,
  )
  console.log(
    `# budget: ${args.budgetGiven ? `${plan.budgetS} s per run` : `${TOTAL_BUDGET_S} s for the matrix, shared out by room size (weights 1, 2, 1 for 100, 1000, 10000; smallest first) as runs start`} wall, ` +
      `${plan.memoryMB > 0 ? plan.memoryMB : defaultMemoryMB(args.jobs)} MB RSS; ${args.jobs} runs at a time. ` +
      'A run that spends its budget stops and reports the phases it finished (status names where it stopped).',
  )
  console.log(
    '# deliv: steady broadcasts delivered / expected; lat, det, recov in ms; hop99: P99 hops; copies: payload frames ' +
      'per broadcast / (n-1); ctrlB/bc: control bytes per broadcast (all nodes); conn/cmax: open connections ' +
      '(baseline: distinct peers exchanged with in the steady phase); miss: undetected (crash, viewer) pairs; ' +
      'fDead: live nodes declared dead during stalls; known: share of room a node lists; Mev: simulated events',
  )
  console.log(line(COLUMNS.map((c) => c.head)))
  // One process per run, `jobs` at a time, in `runOrder`. Each run is seeded on its own,
  // so results do not depend on the order or the parallelism; rows are printed in table order.
  const specs: RunSpec[] = []
  for (const n of args.n)
    for (const loss of args.loss) for (const protocol of args.protocols) specs.push({ protocol, n, loss })
  const rows: (Row | undefined)[] = specs.map(() => undefined)
  let printed = 0
  const flush = () => {
    while (printed < rows.length && rows[printed] !== undefined) {
      console.log(line(COLUMNS.map((c) => c.cell(rows[printed] as Row))))
      printed++
    }
    if (args.json !== undefined)
      writeFileSync(
        args.json,
        `${JSON.stringify(
          rows.filter((r) => r !== undefined),
          null,
          2,
        )}\n`,
      )
  }
  const order = specs
    .map((_, i) => i)
    .sort((a, b) => runOrder(specs[a] as RunSpec) - runOrder(specs[b] as RunSpec) || a - b)
  const deadline = performance.now() + TOTAL_BUDGET_S * 1000
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < order.length) {
      const i = order[next++] as number
      const spec = specs[i] as RunSpec
      let weights = 0
      for (let k = next - 1; k < order.length; k++)
        weights += weight((specs[order[k] as number] as RunSpec).n)
      const left = (deadline - performance.now()) / 1000
      const budgetS = Math.max(
        5,
        Math.floor((left * Math.min(args.jobs, order.length - next + 1) * weight(spec.n)) / weights),
      )
      rows[i] = await runChild(spec, args, budgetS)
      flush()
    }
  }
  await Promise.all(Array.from({ length: args.jobs }, worker))
  const done = rows.filter((r): r is Row => r !== undefined)
  const wall = (performance.now() - started) / 1000
  const events = done.reduce((sum, r) => sum + r.simEvents, 0)
  const peak = Math.max(...done.map((r) => r.peakRssMB))
  console.log(
    `# total: ${done.length} runs on ${args.jobs} processes, ${wall.toFixed(1)} s wall, ` +
      `${(events / 1e6).toFixed(1)} M simulated events, ${(events / wall / 1e3).toFixed(0)} k events/s overall, ` +
      `peak RSS of one run ${peak.toFixed(0)} MB` +
      (args.json !== undefined ? `, rows written to ${args.json}` : ''),
  )
}

await main()
