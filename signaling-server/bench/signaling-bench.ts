/**
 * `pnpm bench:signaling`: hold N WebSocket clients in M rooms against our signaling server
 * and against y-webrtc's own (`y-webrtc/bin/server.js`), with the same workload, in one run.
 *
 *   pnpm bench:signaling                                    # 10,000 clients, 1,000 rooms
 *   pnpm bench:signaling --clients 2000 --rooms 200 --json .tmp/signaling-bench.json
 *
 * Each server runs alone in a child process with the same Node flags (`--node-flags`,
 * none by default), so its resident memory (from /proc) is its own; the clients live in
 * separate load-worker processes. Per server:
 *   1. start it, let it settle, read its idle RSS;
 *   2. connect and join every client (`--concurrency` at a time per worker): join latency is
 *      join sent → welcome (ours) or subscribe sent → own announce echoed (y-webrtc);
 *   3. read RSS again: rssPer1000MB = (joined − idle) / clients × 1000;
 *   4. relay: with both servers up, alternate between them in `--slices` slices (so load
 *      from elsewhere on the machine hits both alike); in each, every worker keeps
 *      `--window` signals in flight between random pairs of the same room, after a 0.5 s
 *      warm-up, for `--seconds` in all per server; relayPerSec counts only signals that
 *      reached the peer they were addressed to (y-webrtc also sends each one to the other
 *      room members; those copies are reported as `extraneousPerSec`, not as throughput).
 *      Server CPU time and peak RSS are read over the same window.
 * It prints a table, writes JSON with --json, and never fails on a number.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process'
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import type { Kind, WorkerCommand, WorkerEvent } from './load-worker'
import { percentile, readCpuSeconds, readRssBytes } from './stats'

const here = dirname(fileURLToPath(import.meta.url))
const OUR_BIN = resolve(here, '../bin/gossip-mesh-signal.js')
const YWEBRTC_BIN = realpathSync(resolve(here, '../node_modules/y-webrtc/bin/server.js'))
const LOOPBACK_ONLY = resolve(here, 'loopback-only.mjs')
const WORKER = resolve(here, 'load-worker.ts')

const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '10000' },
    rooms: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    workers: { type: 'string', default: '2' },
    window: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '50' },
    slices: { type: 'string', default: '5' },
    json: { type: 'string' },
    only: { type: 'string' },
    'node-flags': { type: 'string', default: '' },
  },
})
const CLIENTS = Number(args.clients)
const ROOMS = Number(args.rooms)
const SECONDS = Number(args.seconds)
const WORKERS = Number(args.workers)
const WINDOW = Number(args.window)
const CONCURRENCY = Number(args.concurrency)
const SLICES = Math.max(1, Number(args.slices))
/** V8/Node flags for both server processes alike, e.g. `--max-semi-space-size=2`. */
const NODE_FLAGS = (args['node-flags'] ?? '').split(' ').filter((f) => f !== '')

export interface ServerResult {
  server: string
  clients: number
  joined: number
  failedJoins: number
  rooms: number
  joinP50Ms: number
  joinP99Ms: number
  relayPerSec: number
  relayP50Ms: number
  relayP99Ms: number
  extraneousPerSec: number
  errorFrames: number
  idleRssMB: number
  joinedRssMB: number
  underLoadRssMB: number
  rssPer1000MB: number
  rssPer1000UnderLoadMB: number
  serverCpuSecondsPer100kRelays: number
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const MB = 1024 * 1024
const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits

function freePortUrl(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolveUrl, reject) => {
    let seen = ''
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${seen}`)), 30_000)
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk
      const m = seen.match(pattern)
      if (m) {
        clearTimeout(timer)
        resolveUrl(m[1] as string)
      }
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      seen += chunk
    })
    child.once('exit', (code) => reject(new Error(`server exited (${code}):\n${seen}`)))
  })
}

async function startServer(kind: Kind): Promise<{ child: ChildProcess; url: string }> {
  if (kind === 'ours') {
    // Limits sized for the benchmark's 10,000 clients, which all come from 127.0.0.1 (so
    // no per-address limit); everything else is the default.
    const child = spawn(
      process.execPath,
      [
        ...NODE_FLAGS,
        OUR_BIN,
        '--port',
        '0',
        '--log-level',
        'warn',
        '--max-connections',
        String(CLIENTS + 1000),
        '--max-connections-per-ip',
        '0',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    return { child, url: await freePortUrl(child, /listening on (ws:\/\/\S+)/) }
  }
  const port = 20_000 + Math.floor(Math.random() * 10_000)
  const child = spawn(process.execPath, [...NODE_FLAGS, '--import', LOOPBACK_ONLY, YWEBRTC_BIN], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: String(port) },
  })
  await freePortUrl(child, /(running on localhost)/)
  return { child, url: `ws://127.0.0.1:${port}` }
}

class Worker {
  readonly #child: ChildProcess
  #waiting: ((e: WorkerEvent) => void) | undefined
  constructor() {
    this.#child = fork(WORKER, [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    this.#child.on('message', (e: WorkerEvent) => this.#waiting?.(e))
    this.#child.once('exit', (code) => {
      if (code !== 0 && code !== null) process.stderr.write(`load worker exited with ${code}\n`)
    })
  }
  ask<E extends WorkerEvent['evt']>(cmd: WorkerCommand, evt: E): Promise<Extract<WorkerEvent, { evt: E }>> {
    return new Promise((resolveEvent) => {
      this.#waiting = (e) => {
        if (e.evt === evt) resolveEvent(e as Extract<WorkerEvent, { evt: E }>)
      }
      this.#child.send(cmd)
    })
  }
  kill(): void {
    this.#child.kill('SIGKILL')
  }
}

async function settledRss(pid: number): Promise<number> {
  // Give the server's GC a moment after a burst, then take the lower of a few readings.
  let best = Number.POSITIVE_INFINITY
  for (let i = 0; i < 5; i++) {
    await sleep(400)
    best = Math.min(best, readRssBytes(pid))
  }
  return best
}

interface Setup {
  readonly kind: Kind
  readonly child: ChildProcess
  readonly pid: number
  readonly workers: Worker[]
  readonly idle: number
  readonly joined: number
  readonly latencies: number[]
  readonly failedJoins: number
}

interface Tally {
  delivered: number
  extraneous: number
  errors: number
  cpu: number
  underLoad: number
  latencies: number[]
}

const live: Setup[] = []

/** Start one server, measure it idle, join every client, measure it again. */
async function setUp(kind: Kind): Promise<Setup> {
  const { child, url } = await startServer(kind)
  const pid = child.pid as number
  const workers = Array.from({ length: WORKERS }, () => new Worker())
  live.push({ kind, child, pid, workers, idle: 0, joined: 0, latencies: [], failedJoins: 0 })
  const idle = await settledRss(pid)
  // Whole rooms per worker: room r lives in worker r % WORKERS, client i in room i % ROOMS.
  const perWorker: Array<Array<[string, string]>> = workers.map(() => [])
  for (let i = 0; i < CLIENTS; i++) {
    const room = i % ROOMS
    perWorker[room % WORKERS]?.push([`peer-${i}`, `room-${room}`])
  }
  process.stdout.write(`  ${kind}: joining ${CLIENTS} clients…\n`)
  const joins = await Promise.all(
    workers.map((w, i) =>
      w.ask({ cmd: 'join', url, kind, clients: perWorker[i] ?? [], concurrency: CONCURRENCY }, 'joined'),
    ),
  )
  const joined = await settledRss(pid)
  return {
    kind,
    child,
    pid,
    workers,
    idle,
    joined,
    latencies: joins.flatMap((j) => j.latencies),
    failedJoins: joins.reduce((n, j) => n + j.failed, 0),
  }
}

/** One relay slice against one server; CPU and RSS are read over the measured window only. */
async function relaySlice(setup: Setup, seconds: number, tally: Tally): Promise<void> {
  const WARMUP_MS = 500
  let cpuStart = 0
  let cpuEnd = 0
  const sampler = setInterval(() => {
    tally.underLoad = Math.max(tally.underLoad, readRssBytes(setup.pid))
  }, 250)
  const t0 = setTimeout(() => {
    cpuStart = readCpuSeconds(setup.pid)
  }, WARMUP_MS)
  const t1 = setTimeout(
    () => {
      cpuEnd = readCpuSeconds(setup.pid)
    },
    WARMUP_MS + seconds * 1000,
  )
  const relays = await Promise.all(
    setup.workers.map((w) =>
      w.ask({ cmd: 'relay', warmupMs: WARMUP_MS, durationMs: seconds * 1000, window: WINDOW }, 'relayed'),
    ),
  )
  clearInterval(sampler)
  clearTimeout(t0)
  clearTimeout(t1)
  tally.cpu += cpuEnd - cpuStart
  for (const r of relays) {
    tally.delivered += r.delivered
    tally.extraneous += r.extraneous
    tally.errors += r.errors
    tally.latencies.push(...r.latencies)
  }
}

function result(setup: Setup, tally: Tally): ServerResult {
  return {
    server: setup.kind === 'ours' ? 'gossip-mesh-signal' : 'y-webrtc bin/server.js',
    clients: CLIENTS,
    joined: setup.latencies.length,
    failedJoins: setup.failedJoins,
    rooms: ROOMS,
    joinP50Ms: round(percentile(setup.latencies, 0.5)),
    joinP99Ms: round(percentile(setup.latencies, 0.99)),
    relayPerSec: Math.round(tally.delivered / SECONDS),
    relayP50Ms: round(percentile(tally.latencies, 0.5)),
    relayP99Ms: round(percentile(tally.latencies, 0.99)),
    extraneousPerSec: Math.round(tally.extraneous / SECONDS),
    errorFrames: tally.errors,
    idleRssMB: round(setup.idle / MB),
    joinedRssMB: round(setup.joined / MB),
    underLoadRssMB: round(tally.underLoad / MB),
    rssPer1000MB: round((((setup.joined - setup.idle) / CLIENTS) * 1000) / MB, 3),
    rssPer1000UnderLoadMB: round((((tally.underLoad - setup.idle) / CLIENTS) * 1000) / MB, 3),
    serverCpuSecondsPer100kRelays: round((tally.cpu / Math.max(1, tally.delivered)) * 100_000, 3),
  }
}

/**
 * Both servers stay up with all their clients, and the relay phase alternates between
 * them in `--slices` slices, so a change in the machine's load (it may be shared) hits
 * both alike instead of skewing the ratio.
 */
async function runAll(kinds: Kind[]): Promise<ServerResult[]> {
  try {
    const setups: Setup[] = []
    for (const kind of kinds) setups.push(await setUp(kind))
    const tallies = setups.map(
      (): Tally => ({ delivered: 0, extraneous: 0, errors: 0, cpu: 0, underLoad: 0, latencies: [] }),
    )
    const slice = SECONDS / SLICES
    process.stdout.write(`  relaying for ${SECONDS} s per server, in ${SLICES} alternating slices…\n`)
    for (let k = 0; k < SLICES; k++) {
      for (const [i, setup] of setups.entries()) await relaySlice(setup, slice, tallies[i] as Tally)
    }
    return setups.map((setup, i) => result(setup, tallies[i] as Tally))
  } finally {
    for (const s of live) {
      for (const w of s.workers) w.kill()
      s.child.kill('SIGKILL')
    }
  }
}

function table(rows: ServerResult[]): string {
  const fields: Array<[keyof ServerResult, string]> = [
    ['joined', 'clients joined'],
    ['joinP50Ms', 'join p50 (ms)'],
    ['joinP99Ms', 'join p99 (ms)'],
    ['relayPerSec', 'signals delivered to target /s'],
    ['relayP50Ms', 'relay p50 (ms)'],
    ['relayP99Ms', 'relay p99 (ms)'],
    ['extraneousPerSec', 'copies to non-targets /s'],
    ['errorFrames', 'error frames'],
    ['serverCpuSecondsPer100kRelays', 'server CPU s per 100k relays'],
    ['idleRssMB', 'idle RSS (MB)'],
    ['joinedRssMB', 'RSS with all joined (MB)'],
    ['rssPer1000MB', 'RSS per 1,000 connections (MB)'],
    ['underLoadRssMB', 'peak RSS while relaying (MB)'],
    ['rssPer1000UnderLoadMB', '… per 1,000 connections (MB)'],
  ]
  const w0 = Math.max(...fields.map(([, l]) => l.length))
  const cols = rows.map((r) => Math.max(r.server.length, 10))
  const line = (label: string, cells: string[]) =>
    `${label.padEnd(w0)}  ${cells.map((c, i) => c.padStart(cols[i] as number)).join('  ')}`
  return [
    line(
      '',
      rows.map((r) => r.server),
    ),
    ...fields.map(([k, label]) =>
      line(
        label,
        rows.map((r) => String(r[k])),
      ),
    ),
  ].join('\n')
}

async function main(): Promise<void> {
  // The machine may be shared: record its load so a reader can judge the absolute figures.
  const loadAtStart = loadavg()
  process.stdout.write(
    `signaling benchmark: ${CLIENTS} clients, ${ROOMS} rooms, ${SECONDS} s of relays, ${WORKERS} load workers, ${cpus().length} CPUs\n`,
  )
  const kinds: Kind[] =
    args.only === 'ours' ? ['ours'] : args.only === 'baseline' ? ['baseline'] : ['ours', 'baseline']
  const results = await runAll(kinds)
  process.stdout.write(`\n${table(results)}\n`)
  const ours = results.find((r) => r.server === 'gossip-mesh-signal')
  const baseline = results.find((r) => r.server !== 'gossip-mesh-signal')
  const ratios =
    ours && baseline
      ? {
          throughputRatio: round(ours.relayPerSec / baseline.relayPerSec),
          memoryRatio: round(ours.rssPer1000MB / baseline.rssPer1000MB),
          memoryRatioUnderLoad: round(ours.rssPer1000UnderLoadMB / baseline.rssPer1000UnderLoadMB),
        }
      : {}
  if (ours && baseline) {
    process.stdout.write(
      `\nthroughputRatio ${ratios.throughputRatio} (target ≥ 2)   memoryRatio ${ratios.memoryRatio} (target ≤ 0.5)` +
        `   memoryRatioUnderLoad ${ratios.memoryRatioUnderLoad}\n`,
    )
  }
  if (args.json !== undefined) {
    const out = {
      ...(ours ?? {}),
      ...(baseline ? { baseline } : {}),
      ...ratios,
      machine: {
        cpus: cpus().length,
        node: process.version,
        loadAverageAtStart: loadAtStart,
        loadAverageAtEnd: loadavg(),
      },
      settings: {
        seconds: SECONDS,
        workers: WORKERS,
        window: WINDOW,
        concurrency: CONCURRENCY,
        nodeFlags: NODE_FLAGS,
      },
    }
    mkdirSync(dirname(resolve(args.json)), { recursive: true })
    writeFileSync(args.json, `${JSON.stringify(out, null, 2)}\n`)
    process.stdout.write(`wrote ${args.json}\n`)
  }
}

await main()
process.exit(0)
