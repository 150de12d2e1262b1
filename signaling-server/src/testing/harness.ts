/**
 * Per-test servers and clients that are always cleaned up, for the socket-level tests.
 *
 *   const h = useServers()
 *   it('…', async () => {
 *     const server = await h.start({ maxWelcomePeers: 2 })
 *     const a = await h.connect(server)
 *   })
 */

import { afterEach } from 'vitest'
import type { ClientOptions } from 'ws'
import type { SignalingServerOptions } from '../options'
import { createSignalingServer, type SignalingServer } from '../server'
import { TestClient } from './test-client'

export interface Harness {
  start(options?: SignalingServerOptions): Promise<SignalingServer>
  connect(server: SignalingServer, options?: ClientOptions): Promise<TestClient>
  /** GET a path on the server's HTTP port. */
  get(server: SignalingServer, path: string): Promise<{ status: number; body: string; type: string | null }>
}

export function useServers(): Harness {
  const servers: SignalingServer[] = []
  const clients: TestClient[] = []
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()))
    await Promise.all(servers.splice(0).map((s) => s.close()))
  })
  return {
    async start(options = {}) {
      const server = await createSignalingServer({ port: 0, ...options })
      servers.push(server)
      return server
    },
    async connect(server, options = {}) {
      const client = await TestClient.connect(server.url, options)
      clients.push(client)
      return client
    },
    async get(server, path) {
      const res = await fetch(`http://127.0.0.1:${server.port}${path}`)
      return { status: res.status, body: await res.text(), type: res.headers.get('content-type') }
    },
  }
}
