/**
 * GossipProvider in Node.js over real WebRTC and a real signaling server: documents and
 * y-protocols awareness (what editor cursors ride on) reach the other providers.
 */
import { createSignalingServer, type SignalingServer } from '@gossip-mesh/signaling-server'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import { loadNodeWrtc } from '../platform/node-wrtc'
import { GossipProvider, type GossipProviderOptions } from './gossip-provider'
import { roomForPassword } from './room-password'

const wrtc = loadNodeWrtc()
let server: SignalingServer
let rooms = 0

beforeAll(async () => {
  server = await createSignalingServer({ host: '127.0.0.1', port: 0 })
})
afterAll(async () => {
  await server.close()
})

const provider = (room: string, extra: Partial<GossipProviderOptions> = {}) =>
  new GossipProvider(room, new Y.Doc(), {
    signaling: [server.url],
    wrtc,
    WebSocket,
    persist: false,
    ...extra,
  })

describe('GossipProvider', () => {
  it('shares the document and awareness, and reports status, synced and peers', async () => {
    const room = `provider-${rooms++}`
    const a = provider(room)
    const b = provider(room)
    const c = provider(room)
    const events: string[] = []
    a.on('status', ({ connected }) => events.push(`status:${connected}`))
    a.on('peers', ({ webrtcPeers }) => events.push(`peers:${webrtcPeers.length}`))
    try {
      await Promise.all([a.connect(), b.connect(), c.connect()])
      expect(a.connected).toBe(true)
      a.doc.getText('t').insert(0, 'hello')
      await vi.waitFor(() => expect(c.doc.getText('t').toString()).toBe('hello'), { timeout: 10_000 })
      await vi.waitFor(() => expect(c.synced || b.synced).toBe(true), { timeout: 10_000 })

      a.awareness.setLocalStateField('user', { name: 'Ada', cursor: 3 })
      for (const p of [b, c]) {
        await vi.waitFor(
          () =>
            expect(p.awareness.getStates().get(a.doc.clientID)).toEqual({ user: { name: 'Ada', cursor: 3 } }),
          { timeout: 10_000 },
        )
      }
      expect(events.some((e) => e.startsWith('peers:'))).toBe(true)

      // Disconnecting removes the local awareness state everywhere and says so.
      await a.disconnect()
      expect(a.connected).toBe(false)
      expect(events).toContain('status:false')
      await vi.waitFor(() => expect(c.awareness.getStates().has(a.doc.clientID)).toBe(false), {
        timeout: 10_000,
      })
      // And connect() brings it back.
      await a.connect()
      a.awareness.setLocalStateField('user', { name: 'Ada again' })
      await vi.waitFor(
        () => expect(c.awareness.getStates().get(a.doc.clientID)).toEqual({ user: { name: 'Ada again' } }),
        { timeout: 10_000 },
      )
    } finally {
      for (const p of [a, b, c]) p.destroy()
      await Promise.all([a, b, c].map((p) => p.disconnect()))
    }
  }, 60_000)

  it('keeps peers with different passwords apart', async () => {
    const room = `provider-${rooms++}`
    const a = provider(room, { password: 'right' })
    const b = provider(room, { password: 'right' })
    const c = provider(room, { password: 'wrong' })
    try {
      await Promise.all([a.connect(), b.connect(), c.connect()])
      a.doc.getMap('m').set('secret', 1)
      await vi.waitFor(() => expect(b.doc.getMap('m').get('secret')).toBe(1), { timeout: 10_000 })
      await new Promise((r) => setTimeout(r, 500))
      expect(c.doc.getMap('m').get('secret')).toBeUndefined()
      expect(a.mesh?.room).toBe(await roomForPassword(room, 'right'))
      expect(a.mesh?.room).not.toContain('right')
    } finally {
      for (const p of [a, b, c]) p.destroy()
      await Promise.all([a, b, c].map((p) => p.disconnect()))
    }
  }, 60_000)

  it('reports a failed join as an error event instead of throwing', async () => {
    const gone = await createSignalingServer({ host: '127.0.0.1', port: 0 })
    await gone.close()
    const p = new GossipProvider('x', new Y.Doc(), {
      signaling: gone.url,
      wrtc,
      WebSocket,
      persist: false,
      connect: false,
    })
    const errors: string[] = []
    p.on('error', (e) => errors.push(e.code))
    await p.connect()
    expect(p.connected).toBe(false)
    expect(errors).toEqual(['GM_ERR_JOIN_FAILED'])
    p.destroy()
  })
})

describe('@gossip-mesh/client in Node.js', () => {
  it('imports cleanly and exports joinMesh and GossipProvider', async () => {
    const client = await import('@gossip-mesh/client')
    expect(typeof client.joinMesh).toBe('function')
    expect(typeof client.GossipProvider).toBe('function')
  })
})
