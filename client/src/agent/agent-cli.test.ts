/**
 * The gossip-mesh-agent bin as a user runs it: a child process against a real signaling
 * server, seen from a peer in the same room.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createSignalingServer, type SignalingServer } from '@gossip-mesh/signaling-server'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'
import { joinMesh } from '../join-mesh'
import { loadNodeWrtc } from '../platform/node-wrtc'

const BIN = fileURLToPath(new URL('../../bin/gossip-mesh-agent.js', import.meta.url))
let server: SignalingServer

beforeAll(async () => {
  server = await createSignalingServer({ host: '127.0.0.1', port: 0 })
})
afterAll(async () => {
  await server.close()
})

function startAgent(args: string[]): { child: ChildProcess; lines: () => Record<string, unknown>[] } {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout?.on('data', (d) => {
    out += String(d)
  })
  child.stderr?.on('data', (d) => process.stderr.write(d))
  const lines = () =>
    out
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
  return { child, lines }
}

const exitOf = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode)
    else child.once('exit', (code) => resolve(code))
  })

describe('gossip-mesh-agent', () => {
  it('joins, publishes its status, logs members as JSON lines and leaves on SIGTERM', async () => {
    const room = 'agent-cli'
    const peer = await joinMesh({
      room,
      signaling: server.url,
      wrtc: loadNodeWrtc(),
      WebSocket,
      id: 'watcher',
      meta: { name: 'watcher' },
    })
    const agent = startAgent(['--room', room, '--signaling', server.url, '--name', 'bot', '--id', 'agent-1'])
    try {
      const agentMember = () => peer.members().find((m) => m.id === 'agent-1')
      await vi.waitFor(() => expect(agentMember()?.state).toBe('alive'), { timeout: 20_000 })
      await vi.waitFor(
        () => expect(agentMember()?.meta).toMatchObject({ kind: 'agent', name: 'bot', status: 'running' }),
        { timeout: 10_000 },
      )
      await vi.waitFor(
        () =>
          expect(agent.lines()).toContainEqual(
            expect.objectContaining({ event: 'member', id: 'watcher', state: 'alive' }),
          ),
        { timeout: 10_000 },
      )
      expect(agent.lines()[0]).toMatchObject({ event: 'joined', id: 'agent-1', room, name: 'bot' })

      agent.child.kill('SIGTERM')
      expect(await exitOf(agent.child)).toBe(0)
      expect(agent.lines().map((l) => l.event)).toEqual(expect.arrayContaining(['signal', 'leaving', 'left']))
      await vi.waitFor(() => expect(agentMember()?.state).toBe('left'), { timeout: 10_000 })
    } finally {
      agent.child.kill('SIGKILL')
      await peer.leave()
    }
  }, 60_000)

  it('exits 2 with a usage line when arguments are missing', async () => {
    const agent = startAgent(['--room', 'x'])
    expect(await exitOf(agent.child)).toBe(2)
  }, 30_000)
})
