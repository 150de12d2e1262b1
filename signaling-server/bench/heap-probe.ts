/**
 * Where a held connection's memory goes: start a server (ours or y-webrtc's, the same way
 * for both) with `--expose-gc`, take a heap snapshot, connect and join N clients, take
 * another, and print the live heap per connection after a full GC, split by constructor.
 *
 *   npx tsx signaling-server/bench/heap-probe.ts --server ours --clients 2000 --rooms 200
 *   npx tsx signaling-server/bench/heap-probe.ts --server baseline
 *   npx tsx signaling-server/bench/heap-probe.ts --server floor      # bare ws, see floor-server.mjs
 *
 * A diagnostic program, not a test: it prints a table and exits. RSS (what the benchmark
 * compares) also counts garbage not yet collected and heap pages V8 keeps; this shows the
 * floor under it, the bytes that stay reachable per connection.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import WebSocket from 'ws'

const here = dirname(fileURLToPath(import.meta.url))
const OUR_BIN = resolve(here, '../bin/gossip-mesh-signal.js')
const YWEBRTC_BIN = realpathSync(resolve(here, '../node_modules/y-webrtc/bin/server.js'))
const AGENT = resolve(here, 'heap-agent.mjs')
const LOOPBACK_ONLY = resolve(here, 'loopback-only.mjs')
const FLOOR = resolve(here, 'floor-server.mjs')

const { values: args } = parseArgs({
  options: {
    server: { type: 'string', default: 'ours' },
    clients: { type: 'string', default: '2000' },
    rooms: { type: 'string', default: '200' },
    top: { type: 'string', default: '25' },
  },
})
/** ours, baseline (y-webrtc's server), or floor (floor-server.mjs: bare `ws`, no state). */
const KIND = args.server === 'baseline' || args.server === 'floor' ? args.server : 'ours'
const CLIENTS = Number(args.clients)
const ROOMS = Number(args.rooms)

type Reply = { evt: 'memory'; usage: NodeJS.MemoryUsage } | { evt: 'snapshot'; file: string }

function ask<E extends Reply['evt']>(
  child: ChildProcess,
  cmd: object,
  evt: E,
): Promise<Extract<Reply, { evt: E }>> {
  return new Promise((resolveReply) => {
    const on = (m: Reply): void => {
      if (m.evt !== evt) return
      child.off('message', on)
      resolveReply(m as Extract<Reply, { evt: E }>)
    }
    child.on('message', on)
    child.send(cmd)
  })
}

async function start(): Promise<{ child: ChildProcess; url: string }> {
  const flags = ['--expose-gc', '--import', AGENT]
  const port = 20_000 + Math.floor(Math.random() * 10_000)
  const child =
    KIND === 'ours'
      ? spawn(
          process.execPath,
          [...flags, OUR_BIN, '--port', String(port), '--log-level', 'warn', '--max-connections-per-ip', '0'],
          { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] },
        )
      : spawn(
          process.execPath,
          [...flags, '--import', LOOPBACK_ONLY, KIND === 'floor' ? FLOOR : YWEBRTC_BIN],
          {
            stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
            env: { ...process.env, PORT: String(port) },
          },
        )
  await new Promise<void>((ok, fail) => {
    let seen = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk
      if (/listening on|running on/.test(seen)) ok()
    })
    child.once('exit', (code) => fail(new Error(`server exited (${code}): ${seen}`)))
  })
  return { child, url: `ws://127.0.0.1:${port}` }
}

function connectOne(url: string, id: string, room: string, held: WebSocket[]): Promise<void> {
  return new Promise((ok, fail) => {
    const ws = new WebSocket(url, { perMessageDeflate: false })
    ws.once('error', fail)
    ws.on('message', (data) => {
      const m = JSON.parse(String(data))
      if (m.type === 'welcome' || (m.type === 'publish' && m.data?.from === id)) {
        held.push(ws)
        ok()
      }
    })
    ws.once('open', () => {
      if (KIND !== 'baseline') ws.send(JSON.stringify({ type: 'join', room, peer: id }))
      else {
        ws.send(JSON.stringify({ type: 'subscribe', topics: [room] }))
        ws.send(JSON.stringify({ type: 'publish', topic: room, data: { type: 'announce', from: id } }))
      }
    })
  })
}

interface Tally {
  count: number
  size: number
}

/** Self size and count per `type:name` of every node in a V8 heap snapshot. */
function histogram(file: string): Map<string, Tally> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }
    nodes: number[]
    strings: string[]
  }
  const fields = snap.snapshot.meta.node_fields
  const types = snap.snapshot.meta.node_types[0]
  const stride = fields.length
  const iType = fields.indexOf('type')
  const iName = fields.indexOf('name')
  const iSize = fields.indexOf('self_size')
  const out = new Map<string, Tally>()
  for (let i = 0; i < snap.nodes.length; i += stride) {
    const type = types[snap.nodes[i + iType] as number] as string
    // Strings and code are named by their content: group them by type only.
    const raw = snap.strings[snap.nodes[i + iName] as number] as string
    const name =
      type === 'object' || type === 'closure' || type === 'native' || type === 'hidden'
        ? raw.slice(0, 60)
        : ''
    const key = `${type}:${name}`
    const t = out.get(key) ?? { count: 0, size: 0 }
    t.count++
    t.size += snap.nodes[i + iSize] as number
    out.set(key, t)
  }
  return out
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'heap-probe-'))
  const { child, url } = await start()
  const held: WebSocket[] = []
  try {
    await new Promise((r) => setTimeout(r, 500))
    const m0 = (await ask(child, { cmd: 'memory' }, 'memory')).usage
    const s0 = (await ask(child, { cmd: 'snapshot', file: join(dir, 'before.heapsnapshot') }, 'snapshot'))
      .file
    let next = 0
    const lane = async (): Promise<void> => {
      while (next < CLIENTS) {
        const i = next++
        await connectOne(url, `peer-${i}`, `room-${i % ROOMS}`, held)
      }
    }
    await Promise.all(Array.from({ length: 50 }, lane))
    await new Promise((r) => setTimeout(r, 500))
    const m1 = (await ask(child, { cmd: 'memory' }, 'memory')).usage
    const s1 = (await ask(child, { cmd: 'snapshot', file: join(dir, 'after.heapsnapshot') }, 'snapshot')).file
    const per = (a: number, b: number) => ((b - a) / CLIENTS).toFixed(0)
    process.stdout.write(
      `${KIND}: ${CLIENTS} connections in ${ROOMS} rooms, bytes per connection after a full GC\n` +
        `  heapUsed ${per(m0.heapUsed, m1.heapUsed)}  external ${per(m0.external, m1.external)}` +
        `  arrayBuffers ${per(m0.arrayBuffers, m1.arrayBuffers)}\n`,
    )
    const before = histogram(s0)
    const after = histogram(s1)
    const rows = [...after]
      .map(([key, t]) => {
        const b = before.get(key) ?? { count: 0, size: 0 }
        return { key, count: t.count - b.count, size: t.size - b.size }
      })
      .filter((r) => r.size > 0)
      .sort((x, y) => y.size - x.size)
    const total = rows.reduce((n, r) => n + r.size, 0)
    process.stdout.write(`  snapshot growth: ${(total / CLIENTS).toFixed(0)} B per connection\n`)
    process.stdout.write(
      `  ${'type:constructor'.padEnd(50)} ${'per conn'.padStart(9)} ${'B/conn'.padStart(7)}\n`,
    )
    for (const r of rows.slice(0, Number(args.top))) {
      process.stdout.write(
        `  ${r.key.padEnd(50)} ${(r.count / CLIENTS).toFixed(2).padStart(9)} ${(r.size / CLIENTS).toFixed(0).padStart(7)}\n`,
      )
    }
  } finally {
    for (const ws of held) ws.terminate()
    child.kill('SIGKILL')
    if (process.env.KEEP_SNAPSHOTS) process.stdout.write(`snapshots kept in ${dir}\n`)
    else rmSync(dir, { recursive: true, force: true })
  }
}

await main()
process.exit(0)
