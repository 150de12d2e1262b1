/**
 * The whole client in Node.js: real WebRTC (@roamhq/wrtc), a real signaling server on
 * 127.0.0.1, and the default node from @gossip-mesh/shared.
 */
import { NodeOptionsError } from '@gossip-mesh/shared'
import { createSignalingServer, type SignalingServer } from '@gossip-mesh/signaling-server'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'
import { MeshJoinError, MeshOptionsError } from './errors'
import type { JoinMeshOptions, Mesh } from './index'
import { joinMesh } from './join-mesh'
import { loadNodeWrtc } from './testing/node-wrtc'

const wrtc = loadNodeWrtc()
let server: SignalingServer
const meshes: Mesh[] = []
let roomCount = 0

async function join(room: string, extra: Partial<JoinMeshOptions> = {}): Promise<Mesh> {
  const mesh = await joinMesh({ room, signaling: server.url, wrtc, WebSocket, ...extra })
  meshes.push(mesh)
  return mesh
}

const cells = (mesh: Mesh) => mesh.doc.getMap<number>('cells').toJSON()

beforeAll(async () => {
  server = await createSignalingServer({ host: '127.0.0.1', port: 0 })
})
afterEach(async () => {
  await Promise.all(meshes.splice(0).map((m) => m.leave()))
})
afterAll(async () => {
  await server.close()
})

describe('joinMesh in Node.js', () => {
  it('connects three peers and converges their documents', async () => {
    const room = `node-${roomCount++}`
    const a = await join(room, { id: 'peer-a', meta: { name: 'Ada' } })
    const b = await join(room, { id: 'peer-b' })
    const c = await join(room, { id: 'peer-c' })
    a.doc.getMap<number>('cells').set('a', 1)
    b.doc.getMap<number>('cells').set('b', 2)
    c.doc.getMap<number>('cells').set('c', 3)
    const all = { a: 1, b: 2, c: 3 }
    await vi.waitFor(() => expect([a, b, c].map(cells)).toEqual([all, all, all]), {
      timeout: 15_000,
      interval: 50,
    })
    for (const mesh of [a, b, c]) {
      expect(mesh.neighbors().length).toBeGreaterThan(0)
      const states = Object.fromEntries(mesh.members().map((m) => [m.id, m.state]))
      expect(states).toEqual({ 'peer-a': 'alive', 'peer-b': 'alive', 'peer-c': 'alive' })
    }
    await vi.waitFor(
      () => expect(c.members().find((m) => m.id === 'peer-a')?.meta).toEqual({ name: 'Ada' }),
      {
        timeout: 5_000,
      },
    )
    const stats = a.stats()
    expect(stats.framesSent).toBeGreaterThan(0)
    expect(stats.updatesOriginated).toBe(1)
    expect(stats.connections.linksOpened).toBeGreaterThan(0)
  })

  it('sends a late joiner the whole document, over 16 KiB, through fragments', async () => {
    const room = `node-${roomCount++}`
    const a = await join(room)
    const text = a.doc.getText('t')
    text.insert(0, 'x'.repeat(200_000))
    let synced = false
    const b = await join(room)
    b.on('synced', () => {
      synced = true
    })
    await vi.waitFor(() => expect(b.doc.getText('t').length).toBe(200_000), { timeout: 15_000, interval: 50 })
    await vi.waitFor(() => expect(synced).toBe(true), { timeout: 5_000 })
    expect(b.synced).toBe(true)
    expect(a.stats().connections.chunksSent).toBeGreaterThan(10)
  })

  it('shows a peer that leaves as left to the others', async () => {
    const room = `node-${roomCount++}`
    const a = await join(room)
    const b = await join(room)
    await vi.waitFor(() => expect(a.neighbors()).toEqual([b.id]), { timeout: 10_000 })
    const seen: string[] = []
    a.on('members', (members) => {
      const state = members.find((m) => m.id === b.id)?.state
      if (state !== undefined) seen.push(state)
    })
    await b.leave()
    await vi.waitFor(() => expect(a.members().find((m) => m.id === b.id)?.state).toBe('left'), {
      timeout: 5_000,
    })
    await vi.waitFor(() => expect(a.neighbors()).toEqual([]), { timeout: 5_000 })
    expect(seen).toContain('left')
    // Edits after leaving stay local.
    b.doc.getMap('cells').set('late', 1)
    await new Promise((r) => setTimeout(r, 300))
    expect(cells(a)).toEqual({})
  })
})

describe('joinMesh errors', () => {
  it('names the bad option', async () => {
    const bad: Array<[Partial<JoinMeshOptions>, string]> = [
      [{ room: 'a b' }, 'room'],
      [{ signaling: 'http://x' }, 'signaling'],
      [{ id: '' }, 'id'],
      [{ iceServers: [{} as RTCIceServer] }, 'iceServers[0].urls'],
      [{ connectTimeoutMs: 0 }, 'connectTimeoutMs'],
      [{ maxChunkBytes: 10 }, 'maxChunkBytes'],
      [{ meta: 'x'.repeat(600) }, 'meta'],
      [
        {
          createNode: () => {
            throw new NodeOptionsError('fanout', 'must be a positive number')
          },
        },
        'node.fanout',
      ],
    ]
    for (const [override, field] of bad) {
      const err = await joinMesh({ room: 'r', signaling: server.url, wrtc, WebSocket, ...override }).catch(
        (e) => e,
      )
      expect(err, field).toBeInstanceOf(MeshOptionsError)
      expect(err.code).toBe('GM_ERR_INVALID_OPTION')
      expect(err.field).toBe(field)
    }
  })

  it('rejects with a join error when the server is unreachable', async () => {
    const gone = await createSignalingServer({ host: '127.0.0.1', port: 0 })
    await gone.close()
    const err = await joinMesh({ room: 'r', signaling: gone.url, wrtc, WebSocket }).catch((e) => e)
    expect(err).toBeInstanceOf(MeshJoinError)
    expect(err.code).toBe('GM_ERR_JOIN_FAILED')
  })
})
