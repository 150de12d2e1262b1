/**
 * A Node.js agent: one peer of a room that publishes its status in its member metadata
 * and logs what it sees as JSON lines. `cli.ts` is the command-line face of it.
 *
 *   const agent = await runAgent({ room: 'demo', signaling: 'ws://127.0.0.1:4444', name: 'a1' }, console.log)
 *   await agent.stop()   // status 'leaving', then a graceful leave
 */
import { joinMesh } from '../join-mesh'
import type { Member, Mesh } from '../mesh'
import type { JoinMeshOptions } from '../mesh-options'
import { loadNodeWrtc } from '../platform/node-wrtc'

export interface AgentOptions {
  room: string
  signaling: string
  /** Shown to others in `meta.name`. Default: the peer id. */
  name?: string
  /** Peer id. Default: random. */
  id?: string
  /** Keep the room's document in this directory across restarts. Default: memory only. */
  persistDir?: string
  /** Anything else joinMesh takes (node timing, iceServers). */
  mesh?: Partial<JoinMeshOptions>
}

/** What an agent publishes about itself. */
export interface AgentMeta {
  readonly kind: 'agent'
  readonly name: string
  readonly status: 'running' | 'leaving'
  readonly pid: number
  readonly since: number
}

export type AgentLog = (line: string) => void

export interface Agent {
  readonly mesh: Mesh
  stop(): Promise<void>
}

export async function runAgent(options: AgentOptions, log: AgentLog): Promise<Agent> {
  const emit = (event: string, fields: Record<string, unknown> = {}) =>
    log(JSON.stringify({ t: new Date().toISOString(), event, ...fields }))
  const since = Date.now()
  const meta = (status: AgentMeta['status'], name: string): AgentMeta => ({
    kind: 'agent',
    name,
    status,
    pid: process.pid,
    since,
  })

  const mesh = await joinMesh({
    wrtc: loadNodeWrtc(),
    ...options.mesh,
    room: options.room,
    signaling: options.signaling,
    ...(options.id === undefined ? {} : { id: options.id }),
    ...(options.persistDir === undefined ? {} : { persist: { dir: options.persistDir } }),
  })
  const name = options.name ?? mesh.id
  mesh.setMeta(meta('running', name))
  emit('joined', { id: mesh.id, room: mesh.room, name, restored: mesh.restored, online: mesh.online })

  // Log each member whose state or metadata changed since the last event.
  const known = new Map<string, string>()
  const onMembers = (members: Member[]) => {
    for (const m of members) {
      if (m.self) continue
      const key = `${m.state} ${JSON.stringify(m.meta ?? null)}`
      if (known.get(m.id) === key) continue
      known.set(m.id, key)
      emit('member', { id: m.id, state: m.state, meta: m.meta ?? null })
    }
  }
  mesh.on('members', onMembers)
  mesh.on('neighbors', (neighbors) => emit('neighbors', { neighbors }))
  mesh.on('synced', ({ with: peer }) => emit('synced', { with: peer }))
  mesh.on('error', (e) => emit('error', { source: e.source, code: e.code, message: e.message, peer: e.peer }))

  let stopping: Promise<void> | undefined
  return {
    mesh,
    stop() {
      stopping ??= (async () => {
        mesh.setMeta(meta('leaving', name))
        emit('leaving', { id: mesh.id })
        await mesh.leave()
        emit('left', { id: mesh.id })
      })()
      return stopping
    },
  }
}
