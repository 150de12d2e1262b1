/**
 * The whole client in Node.js: real WebRTC (node-datachannel), a real signaling server on
 * 127.0.0.1, and the default node from @gossip-mesh/shared.
 */
import { createNode, type Effect, type NodeEvent, NodeOptionsError } from '@gossip-mesh/shared'
import { createSignalingServer, type SignalingServer } from '@gossip-mesh/signaling-server'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'
import { MeshJoinError, MeshOptionsError } from './errors'
import type { JoinMeshOptions, Mesh } from './index'
import { joinMesh } from './join-mesh'
import { loadNodeWrtc } from './node'
import { createMemoryStorage, type KeyValueStorage } from './persistence/key-value-storage'

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

/** The node's own methods, bound (a spread copies no prototype methods): a test overrides the rest. */
const delegate = (inner: ReturnType<typeof createNode>) => ({
  ...inner,
  id: inner.id,
  nextWakeAt: () => inner.nextWakeAt(),
  members: () => inner.members(),
  neighbors: () => inner.neighbors(),
  stats: () => inner.stats(),
  member: (id: string) => inner.member(id),
})

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
    // Both ends open (one end can see the channel open before the other does) and a knows
    // b: only then can b's leave notice reach a.
    await vi.waitFor(
      () => {
        expect(a.neighbors()).toEqual([b.id])
        expect(b.neighbors()).toEqual([a.id])
        expect(a.members().find((m) => m.id === b.id)?.state).toBe('alive')
      },
      { timeout: 10_000 },
    )
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

describe('signaling through the mesh', () => {
  it('opens a channel with the signaling server down, signaled through a common neighbour', async () => {
    const own = await createSignalingServer({ host: '127.0.0.1', port: 0 })
    const room = `relay-${roomCount++}`
    // a and c never connect on their own (their connect effects to each other are held
    // back), so they meet only through b, a - b - c, until the test lets a ask for c.
    let allow = false
    let asked = false
    const holdBack =
      (self: string, other: string): JoinMeshOptions['createNode'] =>
      (options) => {
        const inner = createNode(options)
        return {
          ...delegate(inner),
          handle(now, event) {
            // A held-back connect fails at once, as one to an unreachable peer would.
            const effects: Effect[] = []
            let next: NodeEvent | undefined = event
            while (next !== undefined) {
              const out = inner.handle(now, next)
              next = out.some((e) => e.type === 'connect' && e.peer === other)
                ? { type: 'neighbor-down', peer: other }
                : undefined
              effects.push(...out.filter((e) => !(e.type === 'connect' && e.peer === other)))
            }
            if (allow && !asked && self === 'a') {
              asked = true
              effects.push({ type: 'connect', peer: other })
            }
            return effects
          },
        }
      }
    const join3 = (id: string, createNode?: JoinMeshOptions['createNode']) =>
      joinMesh({
        room,
        signaling: own.url,
        wrtc,
        WebSocket,
        persist: false,
        id,
        ...(createNode === undefined ? {} : { createNode }),
        reconnectMinDelayMs: 5_000,
        reconnectMaxDelayMs: 10_000,
      })
    const a = await join3('a', holdBack('a', 'c'))
    const b = await join3('b')
    const c = await join3('c', holdBack('c', 'a'))
    meshes.push(a, b, c)
    await vi.waitFor(() => expect(b.neighbors().sort()).toEqual(['a', 'c']), { timeout: 25_000 })
    expect(a.neighbors()).toEqual(['b'])

    const cSaw: string[][] = []
    c.on('neighbors', (ids) => cSaw.push(ids))
    await own.close()
    await vi.waitFor(() => expect(a.online || c.online).toBe(false), { timeout: 5_000 })
    allow = true
    await vi.waitFor(() => expect(cSaw.some((ids) => ids.includes('a'))).toBe(true), { timeout: 15_000 })
    expect(a.stats().signaling.sentViaMesh).toBeGreaterThan(0)
    expect(c.stats().signaling.sentViaMesh).toBeGreaterThan(0)
  }, 60_000)
})

describe('a member held dead while the signaling server is down', () => {
  it('is not signaled through the mesh: the connect fails at once, and no signal floods the room', async () => {
    const own = await createSignalingServer({ host: '127.0.0.1', port: 0 })
    const room = `ghost-${roomCount++}`
    // HyParView now and then asks to connect to a member it holds dead (partition healing).
    // Here a's node holds 'ghost' dead and asks for it once the server is gone.
    let ask = false
    let asked = false
    const failedAt: number[] = []
    const askAt: number[] = []
    const withGhost: JoinMeshOptions['createNode'] = (options) => {
      const inner = createNode(options)
      return {
        ...delegate(inner),
        member: (id) => {
          const self = inner.member(inner.id)
          return id === 'ghost' && self !== undefined ? { ...self, id, state: 'dead' } : inner.member(id)
        },
        handle(now, event) {
          if (event.type === 'neighbor-down' && event.peer === 'ghost') {
            failedAt.push(Date.now())
            return []
          }
          const effects = inner.handle(now, event)
          if (ask && !asked) {
            asked = true
            askAt.push(Date.now())
            effects.push({ type: 'connect', peer: 'ghost' })
          }
          return effects
        },
      }
    }
    const options = { room, signaling: own.url, wrtc, WebSocket, persist: false, reconnectMinDelayMs: 5_000 }
    const a = await joinMesh({ ...options, id: 'a', createNode: withGhost })
    const b = await joinMesh({ ...options, id: 'b' })
    meshes.push(a, b)
    await vi.waitFor(() => expect(a.neighbors()).toEqual(['b']), { timeout: 25_000 })
    await own.close()
    await vi.waitFor(() => expect(a.online).toBe(false), { timeout: 5_000 })
    ask = true
    await vi.waitFor(() => expect(failedAt).toHaveLength(1), { timeout: 5_000 })
    // Failed in the same turn of the event loop, not after a connect timeout.
    expect((failedAt[0] as number) - (askAt[0] as number)).toBeLessThan(1_000)
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(a.stats().signaling.sentViaMesh).toBe(0)
  }, 60_000)
})

describe('joinMesh with persistence', () => {
  it('restores the document with no signaling server, then catches up once it is back', async () => {
    const room = `persist-${roomCount++}`
    const storage = createMemoryStorage()
    const a = await join(room, { id: 'p-a', persist: { storage } })
    a.doc.getMap('cells').set('kept', 1)
    await a.flush()
    await a.leave()

    const gone = await createSignalingServer({ host: '127.0.0.1', port: 0 })
    await gone.close()
    const started = Date.now()
    const again = await joinMesh({
      room,
      signaling: gone.url,
      wrtc,
      WebSocket,
      id: 'p-a',
      persist: { storage },
      reconnectMinDelayMs: 50,
      reconnectMaxDelayMs: 100,
    })
    meshes.push(again)
    expect(Date.now() - started).toBeLessThan(1_000)
    expect(again.restored).toBe(true)
    expect(again.online).toBe(false)
    expect(cells(again)).toEqual({ kept: 1 })
    const codes: string[] = []
    again.on('error', (e) => codes.push(`${e.source}:${e.code}`))
    await vi.waitFor(() => expect(codes).toContain('signaling:unreachable'), { timeout: 5_000 })
    // Offline edits are persisted too.
    again.doc.getMap('cells').set('offline', 2)
    await again.flush()
    const keys = await storage.keys(`gm/${room}/`)
    expect(keys.length).toBeGreaterThan(1)
  })

  it('a restored peer catches up by the difference only, not the whole document', async () => {
    const room = `persist-${roomCount++}`
    const storage = createMemoryStorage()
    const a = await join(room, { id: 'p-a', persist: { storage } })
    const b = await join(room, { id: 'p-b', persist: false })
    const big = 'x'.repeat(200_000)
    a.doc.getText('t').insert(0, big)
    await vi.waitFor(() => expect(b.doc.getText('t').length).toBe(big.length), { timeout: 10_000 })
    await a.flush()
    await a.leave()
    b.doc.getMap('cells').set('while-away', 1)

    const again = await join(room, { id: 'p-a', persist: { storage } })
    expect(again.restored).toBe(true)
    await vi.waitFor(() => expect(cells(again)).toEqual({ 'while-away': 1 }), { timeout: 10_000 })
    expect(again.doc.getText('t').length).toBe(big.length)
    // Far less than the 200 KB document came over the network.
    expect(again.stats().bytesReceived).toBeLessThan(20_000)
  })

  it('reports a storage that fails and keeps running in memory', async () => {
    const room = `persist-${roomCount++}`
    const broken: KeyValueStorage = {
      ...createMemoryStorage(),
      set: async () => {
        throw new Error('QuotaExceededError: quota reached')
      },
    }
    const codes: string[] = []
    const a = await join(room, { persist: { storage: broken } })
    a.on('error', (e) => codes.push(`${e.source}:${e.code}`))
    const b = await join(room, { persist: false })
    a.doc.getMap('cells').set('x', 1)
    await expect(a.flush()).rejects.toThrow('Quota')
    expect(codes).toContain('storage:write-failed')
    expect(a.stats().persistence?.failed).toBe(true)
    await vi.waitFor(() => expect(cells(b)).toEqual({ x: 1 }), { timeout: 10_000 })
    await expect(b.flush()).resolves.toBeUndefined()
  })

  it('keeps the document in a directory of files for Node agents', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises')
    const { tmpdir } = await import('node:os')
    const { join: joinPath } = await import('node:path')
    const dir = await mkdtemp(joinPath(tmpdir(), 'gm-join-'))
    try {
      const room = `persist-${roomCount++}`
      const a = await join(room, { persist: { dir } })
      a.doc.getText('t').insert(0, 'on disk')
      await a.flush()
      await a.leave()
      const b = await join(room, { persist: { dir } })
      expect(b.restored).toBe(true)
      expect(b.doc.getText('t').toString()).toBe('on disk')
    } finally {
      await Promise.all(meshes.splice(0).map((m) => m.leave()))
      await rm(dir, { recursive: true, force: true })
    }
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
      [{ persist: 'yes' as unknown as boolean }, 'persist'],
      [{ persist: { dir: '' } }, 'persist.dir'],
      [{ persist: { storage: {} as KeyValueStorage } }, 'persist.storage.get'],
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
