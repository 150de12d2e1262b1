/**
 * Churn: peers join and leave a room many times over real WebRTC (node-datachannel) while a
 * few stay; afterwards no RTCPeerConnection is left open. Bounded: 500 cycles, several at
 * a time (GM_CHURN_CYCLES changes the count).
 */
import { createSignalingServer, type SignalingServer } from '@gossip-mesh/signaling-server'
import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'
import { joinMesh } from './join-mesh'
import type { Mesh } from './mesh'
import type { JoinMeshOptions } from './mesh-options'
import { loadNodeWrtc } from './node'
import { countingWrtc } from './testing/counting-wrtc'

const CYCLES = Number(process.env.GM_CHURN_CYCLES ?? 500)
const AT_ONCE = Number(process.env.GM_CHURN_AT_ONCE ?? 10)
let server: SignalingServer

beforeAll(async () => {
  server = await createSignalingServer({ host: '127.0.0.1', port: 0 })
})
afterAll(async () => {
  await server.close()
})

it(`${CYCLES} join/leave cycles leave no RTCPeerConnection open`, async () => {
  const wrtc = countingWrtc(loadNodeWrtc())
  const room = 'churn'
  const options: JoinMeshOptions = {
    room,
    signaling: server.url,
    wrtc,
    WebSocket,
    persist: false,
    leaveFlushMs: 50,
    connectTimeoutMs: 5_000,
  }
  const stable = await Promise.all([0, 1, 2].map((i) => joinMesh({ ...options, id: `stable-${i}` })))
  let done = 0
  let started = 0
  let opened = 0
  const cycle = async (): Promise<void> => {
    const mesh: Mesh = await joinMesh(options)
    // A quarter of the cycles wait for a channel; the others leave while connections are
    // still opening (the case where a half-made RTCPeerConnection is easiest to leak).
    if (started++ % 4 === 0) {
      await vi.waitFor(() => expect(mesh.neighbors().length).toBeGreaterThan(0), { timeout: 10_000 })

      opened++
    }
    await mesh.leave()
    done++
  }
  for (let i = 0; i < CYCLES; i += AT_ONCE) {
    await Promise.all(Array.from({ length: Math.min(AT_ONCE, CYCLES - i) }, cycle))
  }
  expect(done).toBe(CYCLES)
  expect(opened).toBeGreaterThan(0)
  expect(wrtc.created()).toBeGreaterThan(CYCLES / 2)

  // The stable peers close what the leavers left behind: only their own links stay open.
  const stableLinks = () => stable.reduce((n, m) => n + m.neighbors().length, 0)
  await vi.waitFor(() => expect(wrtc.open()).toBe(stableLinks()), { timeout: 15_000 })
  await Promise.all(stable.map((m) => m.leave()))
  await vi.waitFor(() => expect(wrtc.open()).toBe(0), { timeout: 10_000 })
  console.log(`churn: ${CYCLES} cycles, ${wrtc.created()} RTCPeerConnections made, ${wrtc.open()} open after`)
}, 240_000)
