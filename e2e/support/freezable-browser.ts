/**
 * A second Chromium whose tabs can really be frozen, as Chromium freezes a background tab.
 *
 * CDP's `Page.setWebLifecycleState({ state: 'frozen' })` hides the page and freezes it
 * (Blink stops running its timers, tasks and event handlers; `document` gets `freeze`,
 * and `resume` when it is set back to 'active'). It does nothing on a tab Playwright
 * opened, because Playwright turns on focus emulation for every page it sets up
 * (`Emulation.setFocusEmulationEnabled`), and Chromium keeps a page with focus emulation
 * visible — a visible page is never frozen. Measured on Chromium 156: with focus
 * emulation a `setInterval` counter keeps running and no event fires; without it the
 * counter stops and `freeze`/`resume` fire. The flags that stop background throttling
 * (`--disable-renderer-backgrounding` …) make no difference.
 *
 * So the tab to freeze lives in its own Chromium, started here with a debugging port and
 * attached with `connectOverCDP(…, { noDefaults: true })`, which leaves the default
 * context's pages without focus emulation. Its peers are ordinary tabs of the test's
 * browser: both talk to the same signaling server on 127.0.0.1 and meet over WebRTC.
 *
 *   const freezable = await launchFreezableBrowser()
 *   const page = await freezable.context.newPage()
 *   await freezable.freeze(page) … await freezable.wake(page)
 *   await freezable.close()
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, type BrowserContext, chromium, type Page } from '@playwright/test'
import { CHROMIUM, CHROMIUM_ARGS } from './chromium'

export interface FreezableBrowser {
  /** The browser's default context: its pages have no focus emulation. */
  readonly context: BrowserContext
  /** Freeze the tab as Chromium does a background one: hidden, then frozen. */
  freeze(page: Page): Promise<void>
  /** Wake it: 'active' again (it gets `resume`), then shown. */
  wake(page: Page): Promise<void>
  close(): Promise<void>
}

const START_TIMEOUT_MS = 30_000

export async function launchFreezableBrowser(): Promise<FreezableBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'gm-freezable-'))
  const proc = spawn(
    CHROMIUM,
    [
      ...CHROMIUM_ARGS,
      '--headless',
      '--remote-debugging-port=0',
      `--user-data-dir=${profile}`,
      'about:blank',
    ],
    // A cwd of its own: spawning from the test worker's cwd failed with EISDIR on the
    // second test of a worker (seen with --repeat-each).
    { cwd: profile, stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let browser: Browser | undefined
  try {
    const endpoint = await devToolsEndpoint(proc)
    browser = await chromium.connectOverCDP(endpoint, { noDefaults: true, isLocal: true })
  } catch (err) {
    proc.kill('SIGKILL')
    await rm(profile, { recursive: true, force: true })
    throw err
  }
  const context = browser.contexts()[0] as BrowserContext
  const set = async (page: Page, state: 'frozen' | 'active'): Promise<void> => {
    const cdp = await context.newCDPSession(page)
    await cdp.send('Page.setWebLifecycleState', { state })
    // Setting 'active' unfreezes but leaves the page hidden; bringing it to the front
    // shows it again, as a user switching back to the tab does.
    if (state === 'active') await cdp.send('Page.bringToFront')
    await cdp.detach()
  }
  return {
    context,
    freeze: (page) => set(page, 'frozen'),
    wake: (page) => set(page, 'active'),
    async close() {
      await browser?.close().catch(() => {})
      if (proc.exitCode === null) {
        const exited = new Promise((resolve) => proc.once('exit', resolve))
        proc.kill('SIGTERM')
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))])
        if (proc.exitCode === null) proc.kill('SIGKILL')
      }
      // Chromium's helper processes can outlive the browser's own for a moment and still
      // write to the profile (ENOTEMPTY in CI): retry as Node's rm offers.
      await rm(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
    },
  }
}

/** Chromium prints `DevTools listening on ws://…` on stderr once the port is open. */
function devToolsEndpoint(proc: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = ''
    const timer = setTimeout(
      () => fail(new Error(`Chromium did not open its debugging port:\n${seen}`)),
      START_TIMEOUT_MS,
    )
    const onData = (chunk: Buffer): void => {
      seen = (seen + chunk.toString()).slice(-4_096)
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(seen)
      if (match?.[1] === undefined) return
      done()
      resolve(match[1])
    }
    const onExit = (code: number | null): void =>
      fail(new Error(`Chromium exited (${code}) before listening:\n${seen}`))
    const done = (): void => {
      clearTimeout(timer)
      proc.stderr?.off('data', onData)
      proc.off('exit', onExit)
      // Keep draining stderr so Chromium never blocks on a full pipe.
      proc.stderr?.resume()
    }
    const fail = (err: Error): void => {
      done()
      reject(err)
    }
    proc.stderr?.on('data', onData)
    proc.once('exit', onExit)
  })
}
