/**
 * One load-generator process of the signaling benchmark. The parent forks a few of these
 * so the clients' CPU and memory never count against the server being measured. Each
 * worker owns whole rooms, so a signal's sender and target live in the same worker and
 * it can time the relay with one clock.
 *
 * Speaks two dialects over the same workload:
 *   ours      join → welcome; signal {to} → delivered to `to` only
 *   baseline  y-webrtc: subscribe + publish an announce → the announce echoed back;
 *             publish {data: {to}} → delivered to every subscriber of the room
 *
 * Driven by IPC messages from signaling-bench.ts: join, relay, close.
 */
import { performance } from 'node:perf_hooks'
import WebSocket from 'ws'

export type Kind = 'ours' | 'baseline'

export type WorkerCommand =
  | { cmd: 'join'; url: string; kind: Kind; clients: Array<[id: string, room: string]>; concurrency: number }
  | { cmd: 'relay'; warmupMs: number; durationMs: number; window: number }
  | { cmd: 'close' }

export type WorkerEvent =
  | { evt: 'joined'; latencies: number[]; failed: number }
  | {
      evt: 'relayed'
      delivered: number
      sent: number
      extraneous: number
      errors: number
      latencies: number[]
    }
  | { evt: 'closed' }

interface Client {
  readonly id: string
  readonly room: string
  readonly ws: WebSocket
}

/** A trickled ICE candidate is the most common signal; its size makes the frames realistic. */
const CANDIDATE =
  'candidate:842163049 1 udp 1677729535 127.0.0.1 50000 typ srflx raddr 127.0.0.1 rport 50000 generation 0 ufrag sK1a network-cost 999'

let kind: Kind = 'ours'
const clients: Client[] = []
const rooms = new Map<string, Client[]>()
/** Signals sent and not yet delivered: seq → send time. */
const pending = new Map<number, number>()
let measuring: { from: number; to: number } | undefined
let delivered = 0
let extraneous = 0
let errors = 0
let relayLatencies: number[] = []

function reply(event: WorkerEvent): void {
  process.send?.(event)
}

function inWindow(now: number): boolean {
  return measuring !== undefined && now >= measuring.from && now <= measuring.to
}

function onDelivered(seq: number): void {
  const sentAt = pending.get(seq)
  if (sentAt === undefined) return
  pending.delete(seq)
  const now = performance.now()
  if (inWindow(now)) {
    delivered++
    // Keep a bounded sample of latencies: every 10th delivery is plenty for p50/p99.
    if (delivered % 10 === 0) relayLatencies.push(now - sentAt)
  }
}

function onMessage(client: Client, text: string, joined: (() => void) | undefined): void {
  const m = JSON.parse(text)
  if (kind === 'ours') {
    if (m.type === 'welcome') joined?.()
    else if (m.type === 'signal') onDelivered(m.data.seq)
    else if (m.type === 'error') errors++
    return
  }
  if (m.type !== 'publish') return
  const data = m.data
  if (data.type === 'announce') {
    if (data.from === client.id) joined?.()
  } else if (data.type === 'signal') {
    // y-webrtc sends every publish to the whole room; only the addressee uses it.
    if (data.to === client.id) onDelivered(data.seq)
    else if (inWindow(performance.now())) extraneous++
  }
}

function connectOne(url: string, id: string, room: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false })
    const client: Client = { id, room, ws }
    let joinedAt: (() => void) | undefined
    ws.on('message', (data) => onMessage(client, String(data), joinedAt))
    ws.once('error', reject)
    ws.once('open', () => {
      const start = performance.now()
      joinedAt = () => {
        joinedAt = undefined
        clients.push(client)
        const members = rooms.get(room) ?? []
        members.push(client)
        rooms.set(room, members)
        resolve(performance.now() - start)
      }
      if (kind === 'ours') ws.send(JSON.stringify({ type: 'join', room, peer: id }))
      else {
        ws.send(JSON.stringify({ type: 'subscribe', topics: [room] }))
        ws.send(JSON.stringify({ type: 'publish', topic: room, data: { type: 'announce', from: id } }))
      }
    })
  })
}

async function join(cmd: Extract<WorkerCommand, { cmd: 'join' }>): Promise<void> {
  kind = cmd.kind
  const latencies: number[] = []
  let failed = 0
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < cmd.clients.length) {
      const [id, room] = cmd.clients[next++] as [string, string]
      try {
        latencies.push(await connectOne(cmd.url, id, room))
      } catch {
        failed++
      }
    }
  }
  await Promise.all(Array.from({ length: cmd.concurrency }, lane))
  reply({ evt: 'joined', latencies, failed })
}

/** Rooms with two or more members, fixed when the relay phase starts. */
let roomList: Client[][] = []

function sendSignal(seq: number): void {
  const members = roomList[Math.floor(Math.random() * roomList.length)] as Client[]
  const i = Math.floor(Math.random() * members.length)
  const j = (i + 1 + Math.floor(Math.random() * (members.length - 1))) % members.length
  const from = members[i] as Client
  const to = members[j] as Client
  pending.set(seq, performance.now())
  const signal = { type: 'candidate', candidate: CANDIDATE, seq }
  if (kind === 'ours') {
    from.ws.send(JSON.stringify({ type: 'signal', room: from.room, to: to.id, data: signal }))
  } else {
    // The shape y-webrtc itself uses for a WebRTC signal: the addressee is inside `data`.
    const data = { type: 'signal', from: from.id, to: to.id, seq, signal }
    from.ws.send(JSON.stringify({ type: 'publish', topic: from.room, data }))
  }
}

async function relay(cmd: Extract<WorkerCommand, { cmd: 'relay' }>): Promise<void> {
  delivered = 0
  extraneous = 0
  errors = 0
  relayLatencies = []
  let seq = 0
  let sent = 0
  roomList = [...rooms.values()].filter((members) => members.length >= 2)
  if (roomList.length === 0) throw new Error('no room has two clients: use more clients than rooms')
  const start = performance.now()
  measuring = { from: start + cmd.warmupMs, to: start + cmd.warmupMs + cmd.durationMs }
  // Closed loop: keep `window` signals in flight, so the load follows the server's pace
  // instead of queueing without bound; a signal lost for 5 s frees its slot.
  while (performance.now() < measuring.to) {
    const now = performance.now()
    for (const [s, t] of pending) {
      if (now - t < 5000) break
      pending.delete(s)
    }
    while (pending.size < cmd.window) {
      sendSignal(++seq)
      if (now >= measuring.from) sent++
    }
    await new Promise((resolve) => setImmediate(resolve))
  }
  // Let the signals in flight land so the next phase starts clean.
  const drainUntil = performance.now() + 2000
  while (pending.size > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 20))
  pending.clear()
  measuring = undefined
  reply({ evt: 'relayed', delivered, sent, extraneous, errors, latencies: relayLatencies })
}

async function close(): Promise<void> {
  await Promise.all(
    clients.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.ws.readyState === WebSocket.CLOSED) return resolve()
          c.ws.once('close', () => resolve())
          c.ws.terminate()
        }),
    ),
  )
  reply({ evt: 'closed' })
  process.disconnect?.()
}

process.on('message', (cmd: WorkerCommand) => {
  const run = cmd.cmd === 'join' ? join(cmd) : cmd.cmd === 'relay' ? relay(cmd) : close()
  run.catch((err) => {
    process.stderr.write(`load worker: ${(err as Error).stack}\n`)
    process.exit(1)
  })
})
