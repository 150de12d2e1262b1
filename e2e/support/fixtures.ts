/**
 * Test fixtures: the built demo served once per worker, a fresh signaling server and a
 * fresh room per test, and `openPeer` to open one tab (one peer) in that room.
 *
 *   test('…', async ({ openPeer }) => {
 *     const a = await openPeer()
 *     const b = await openPeer({ suspectAfterMs: 1000 })
 *   })
 */
import { createSignalingServer, type SignalingServer } from '@gossip-mesh/signaling-server'
import { type BrowserContext, test as base, type Page } from '@playwright/test'
import { demoBuildDir } from './paths'
import { type StaticServer, serveStatic } from './static-server'

/** Query parameters of the demo page beyond room and signaling (see demo/src/page-params.ts). */
export type PeerParams = Record<string, string | number>

export interface Peer {
  readonly page: Page
  readonly id: string
}

interface Fixtures {
  signaling: SignalingServer
  room: string
  /** Open a tab in the test's room and wait until it has joined; in `inContext` if given (another browser's). */
  openPeer(params?: PeerParams, inContext?: BrowserContext): Promise<Peer>
}

interface WorkerFixtures {
  demo: StaticServer
}

export const test = base.extend<Fixtures, WorkerFixtures>({
  demo: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright requires the destructuring
    async ({}, use) => {
      const server = await serveStatic(demoBuildDir)
      await use(server)
      await server.close()
    },
    { scope: 'worker' },
  ],

  // biome-ignore lint/correctness/noEmptyPattern: Playwright requires the destructuring
  signaling: async ({}, use) => {
    const server = await createSignalingServer({ host: '127.0.0.1', port: 0 })
    await use(server)
    await server.close()
  },

  // biome-ignore lint/correctness/noEmptyPattern: Playwright requires the destructuring
  room: async ({}, use, testInfo) => {
    await use(`e2e-${testInfo.workerIndex}-${testInfo.testId}`)
  },

  openPeer: async ({ context, demo, signaling, room }, use) => {
    await use(async (params = {}, inContext = context) => {
      const page = await inContext.newPage()
      const query = new URLSearchParams({ room, signaling: signaling.url })
      for (const [key, value] of Object.entries(params)) query.set(key, String(value))
      await page.goto(`${demo.url}/?${query}`)
      await page.waitForFunction(() => window.mesh !== undefined || window.meshError !== undefined)
      const error = await page.evaluate(() => window.meshError)
      if (error !== undefined) throw new Error(`tab failed to join: ${error}`)
      return { page, id: await page.evaluate(() => window.mesh?.id as string) }
    })
  },
})

export { expect } from '@playwright/test'
