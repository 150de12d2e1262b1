/**
 * IndexedDB persistence in real tabs: several tabs of one origin persisting one room at
 * once lose nothing, and a reload with no signaling server shows the state at once.
 */
import { createSignalingServer } from '@gossip-mesh/signaling-server'
import type { Page } from '@playwright/test'
import { FAST } from '../support/fast-timing'
import { expect, test } from '../support/fixtures'

const WRITES = 150

const raceCount = (page: Page) => page.evaluate(() => window.mesh?.doc.getMap('race').size ?? -1)

test('two tabs persisting one room at once lose nothing, and reload offline within a second', async ({
  openPeer,
  signaling,
}) => {
  // Each tab talks to its own signaling server, so they never meet over the mesh: whatever
  // one tab shows of the other's writes after a reload came through IndexedDB.
  const other = await createSignalingServer({ host: '127.0.0.1', port: 0 })
  try {
    const a = await openPeer(FAST)
    const b = await openPeer({ ...FAST, signaling: other.url })
    // Both write at once, one key per task: hundreds of appended keys and compactions
    // (every 64 keys) racing between the tabs.
    await Promise.all(
      [a, b].map(({ page }, tab) =>
        page.evaluate(
          async ({ tab, writes }) => {
            const mesh = window.mesh
            if (mesh === undefined) throw new Error('no mesh')
            const map = mesh.doc.getMap('race')
            for (let i = 0; i < writes; i++) {
              map.set(`${tab}:${i}`, i)
              await new Promise((r) => setTimeout(r, 0))
            }
            await mesh.flush()
          },
          { tab, writes: WRITES },
        ),
      ),
    )
    expect(await raceCount(a.page)).toBe(WRITES)
    expect(await raceCount(b.page)).toBe(WRITES)

    // No signaling server anywhere: the reloads can only restore from storage.
    await Promise.all([signaling.close(), other.close()])
    for (const { page, id } of [a, b]) {
      await page.reload({ waitUntil: 'commit' })
      await page.waitForFunction((n) => (window.mesh?.doc.getMap('race').size ?? 0) >= n, 2 * WRITES, {
        polling: 20,
      })
      const [startAt, readyAt] = (await page.evaluate(() => [window.meshStartAt, window.meshReadyAt])) as [
        number,
        number,
      ]
      console.log(
        `offline reload: script started ${Math.round(startAt)} ms, state shown ${Math.round(readyAt)} ms after navigation`,
      )
      // Restore-and-show within a second of the page script starting; see done-when.spec.ts.
      expect(readyAt - startAt).toBeLessThan(1_000)
      expect(readyAt).toBeLessThan(2_500)
      expect(await raceCount(page)).toBe(2 * WRITES)
      // The reloaded tab is the same peer, restored, and says it is offline.
      expect(await page.evaluate(() => window.mesh?.id)).toBe(id)
      expect(await page.evaluate(() => window.mesh?.restored)).toBe(true)
      await expect(page.locator('[data-testid="status"]')).toContainText('offline')
    }
  } finally {
    await other.close()
  }
})

test('a painted cell survives a reload, and corrupt stored data is dropped and reported', async ({
  openPeer,
}) => {
  const a = await openPeer(FAST)
  await a.page.locator('[data-cell="1:1"]').dispatchEvent('click')
  await a.page.evaluate(() => window.mesh?.flush())
  await a.page.reload()
  await expect(a.page.locator('[data-cell="1:1"]')).toHaveAttribute('data-by', a.id)
  // Corrupt data in the store is dropped and reported, never crashes the page.
  await a.page.evaluate(async () => {
    const room = window.mesh?.room
    const request = indexedDB.open('gossip-mesh')
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    })
    await new Promise<void>((resolve, reject) => {
      const tx = db.transaction('kv', 'readwrite')
      tx.objectStore('kv').put(new Uint8Array([9, 9, 9, 200]), `gm/${room}/u/corrupt/00000000`)
      tx.oncomplete = () => resolve()
      tx.onerror = () => reject(tx.error)
    })
    db.close()
  })
  await a.page.reload()
  await expect(a.page.locator('[data-cell="1:1"]')).toHaveAttribute('data-by', a.id)
  expect(await a.page.evaluate(() => window.mesh?.stats().errors.storage)).toBeGreaterThan(0)
})
