/**
 * The demo in real Chromium tabs, each tab one peer, over real WebRTC data channels and a
 * real signaling server. Timing options come through the page's query parameters so that
 * failure detection takes a few seconds.
 */
import { joinMesh } from '@gossip-mesh/client'
import { loadNodeWrtc } from '@gossip-mesh/client/node'
import type { Page } from '@playwright/test'
import { FAST } from '../support/fast-timing'
import { expect, type Peer, type PeerParams, test } from '../support/fixtures'

/** Open `count` tabs at once: the tabs start faster together than one after another. */
const openPeers = (openPeer: (params?: PeerParams) => Promise<Peer>, count: number) =>
  Promise.all(Array.from({ length: count }, () => openPeer(FAST)))

const cellsOf = (page: Page) => page.evaluate(() => window.mesh?.doc.getMap('cells').toJSON())
const stateOf = (page: Page, id: string) =>
  page.evaluate((peer) => window.mesh?.members().find((m) => m.id === peer)?.state, id)

test('a cell painted in one of four tabs appears in all of them', async ({ openPeer }) => {
  const peers = await openPeers(openPeer, 4)
  const painter = peers[0] as Peer

  // Every tab comes to know every other as alive.
  for (const { page } of peers) {
    for (const { id } of peers) {
      await expect(page.locator(`[data-testid="members"] tr[data-peer="${id}"]`)).toHaveAttribute(
        'data-state',
        'alive',
      )
    }
    await expect(page.locator('[data-testid="neighbors"] li').first()).toBeVisible()
  }

  await painter.page.locator('[data-cell="2:3"]').click()
  for (const { page } of peers) {
    const cell = page.locator('[data-cell="2:3"]')
    await expect(cell).toHaveAttribute('data-by', painter.id)
    await expect(cell).toContainText(painter.id)
  }
})

test('a tab that joins later receives the whole state', async ({ openPeer }) => {
  const early = await openPeers(openPeer, 4)
  // Two cells per tab. Dispatched rather than clicked: a real click waits for animation
  // frames, which a tab in the background gets about once a second.
  for (const [i, { page }] of early.entries()) {
    await page.locator(`[data-cell="${i}:${i}"]`).dispatchEvent('click')
    await page.locator(`[data-cell="${i}:9"]`).dispatchEvent('click')
  }
  const first = early[0]?.page as Page
  await expect.poll(async () => Object.keys((await cellsOf(first)) ?? {}).length).toBe(8)
  const state = await cellsOf(first)
  for (const { page } of early) await expect.poll(() => cellsOf(page)).toEqual(state)

  const late = await openPeer(FAST)
  await expect.poll(() => cellsOf(late.page)).toEqual(state)
  for (const [i, { id }] of early.entries()) {
    await expect(late.page.locator(`[data-cell="${i}:${i}"]`)).toHaveAttribute('data-by', id)
    await expect(late.page.locator(`[data-cell="${i}:9"]`)).toHaveAttribute('data-by', id)
  }
  await expect.poll(() => late.page.evaluate(() => window.mesh?.synced)).toBe(true)
})

test('a tab that crashes stops being alive in the others’ views', async ({ openPeer, context }) => {
  const peers = await openPeers(openPeer, 4)
  const victim = peers[3] as Peer
  const survivors = peers.slice(0, 3)
  for (const { page } of survivors) await expect.poll(() => stateOf(page, victim.id)).toBe('alive')

  // Kill the renderer: no pagehide, no leave notice, sockets cut.
  const cdp = await context.newCDPSession(victim.page)
  void cdp.send('Page.crash').catch(() => {})

  for (const { page } of survivors) {
    await expect.poll(() => stateOf(page, victim.id)).toMatch(/^(suspect|dead)$/)
  }
  for (const { page } of survivors) {
    await expect.poll(() => stateOf(page, victim.id)).toBe('dead')
    await expect(page.locator(`[data-testid="members"] tr[data-peer="${victim.id}"]`)).toHaveAttribute(
      'data-state',
      'dead',
    )
  }
  // The survivors still spread writes among themselves.
  await survivors[0]?.page.locator('[data-cell="7:7"]').click()
  for (const { page } of survivors) {
    await expect(page.locator('[data-cell="7:7"]')).toHaveAttribute('data-by', survivors[0]?.id as string)
  }
})

test('a tab closed normally shows as left in the others’ views', async ({ openPeer }) => {
  const a = await openPeer(FAST)
  const b = await openPeer(FAST)
  await expect.poll(() => stateOf(a.page, b.id)).toBe('alive')
  await expect.poll(() => a.page.evaluate(() => window.mesh?.neighbors().length)).toBe(1)
  await b.page.close()
  await expect.poll(() => stateOf(a.page, b.id)).toBe('left')
})

test('a Node.js peer and a browser tab share one room', async ({ openPeer, signaling, room }) => {
  const tab = await openPeer(FAST)
  const agent = await joinMesh({
    room,
    signaling: signaling.url,
    wrtc: loadNodeWrtc(),
    node: FAST,
    id: 'node-agent',
  })
  try {
    agent.doc.getMap('cells').set('5:5', { by: agent.id, color: 'hsl(200 70% 75%)', at: Date.now() })
    await expect(tab.page.locator('[data-cell="5:5"]')).toHaveAttribute('data-by', agent.id)
    await tab.page.locator('[data-cell="6:6"]').click()
    await expect
      .poll(() => (agent.doc.getMap('cells').get('6:6') as { by?: string } | undefined)?.by)
      .toBe(tab.id)
    await expect.poll(() => stateOf(tab.page, agent.id)).toBe('alive')
  } finally {
    await agent.leave()
  }
  await expect.poll(() => stateOf(tab.page, agent.id)).toBe('left')
})
