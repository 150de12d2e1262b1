/**
 * Page lifecycle: a tab frozen in the background (timers stopped, as Chromium does to
 * hidden tabs) is declared dead by the others, and rejoins cleanly when it wakes up; a
 * tab that goes away says so (pagehide) instead of waiting to be found dead.
 */
import type { Page } from '@playwright/test'
import { FAST } from '../support/fast-timing'
import { expect, type Peer, test } from '../support/fixtures'

const stateOf = (page: Page, id: string) =>
  page.evaluate((peer) => window.mesh?.members().find((m) => m.id === peer)?.state, id)

test('a tab frozen in the background and woken again rejoins cleanly', async ({ openPeer, context }) => {
  const peers = await Promise.all([openPeer(FAST), openPeer(FAST), openPeer(FAST)])
  const [sleeper, ...others] = peers as [Peer, ...Peer[]]
  for (const { page } of others) await expect.poll(() => stateOf(page, sleeper.id)).toBe('alive')

  // Page.setWebLifecycleState('frozen') is accepted but has no effect on this headless
  // Chromium (timers keep running, no freeze event), so the freeze is emulated: the
  // debugger pauses the page's JavaScript (no timer, message or socket handler runs, as
  // in a frozen tab), and on waking the page gets the 'resume' event a real one gets.
  const cdp = await context.newCDPSession(sleeper.page)
  await sleeper.page.evaluate(() => document.dispatchEvent(new Event('freeze')))
  await cdp.send('Debugger.enable')
  await cdp.send('Debugger.pause')
  for (const { page } of others) {
    await expect.poll(() => stateOf(page, sleeper.id), { timeout: 30_000 }).toBe('dead')
  }
  await cdp.send('Debugger.resume')
  await cdp.send('Debugger.disable')
  await sleeper.page.evaluate(() => document.dispatchEvent(new Event('resume')))

  // Alive again everywhere, with a channel open, and its writes reach the others.
  for (const { page } of others) {
    await expect.poll(() => stateOf(page, sleeper.id), { timeout: 30_000 }).toBe('alive')
  }
  for (const { id } of others) await expect.poll(() => stateOf(sleeper.page, id)).toBe('alive')
  await expect
    .poll(() => sleeper.page.evaluate(() => window.mesh?.neighbors().length ?? 0))
    .toBeGreaterThan(0)
  await sleeper.page.locator('[data-cell="4:4"]').dispatchEvent('click')
  for (const { page } of others) {
    await expect(page.locator('[data-cell="4:4"]')).toHaveAttribute('data-by', sleeper.id)
  }
  // And it hears writes made while it is awake.
  await others[0]?.page.locator('[data-cell="4:5"]').dispatchEvent('click')
  await expect(sleeper.page.locator('[data-cell="4:5"]')).toHaveAttribute('data-by', others[0]?.id as string)
})

test('pagehide tells the room at once: the tab shows as left, never as dead', async ({ openPeer }) => {
  const [a, b] = (await Promise.all([openPeer(FAST), openPeer(FAST)])) as [Peer, Peer]
  await expect.poll(() => stateOf(a.page, b.id)).toBe('alive')
  const seen = new Set<string>()
  await b.page.goto('about:blank')
  await expect
    .poll(async () => {
      const state = (await stateOf(a.page, b.id)) as string
      seen.add(state)
      return state
    })
    .toBe('left')
  expect(seen.has('dead')).toBe(false)
  expect(seen.has('suspect')).toBe(false)
})
